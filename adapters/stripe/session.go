package stripe

import (
	stripego "github.com/stripe/stripe-go/v76"

	"upgrades/domain"
)

// session is what the shop reads of a Checkout Session, whether it came in
// a webhook or was read back from Stripe.
type session struct {
	ID                  string
	Status              string // open, complete or expired
	PaymentStatus       string // paid, unpaid or no_payment_required
	PaymentIntentID     string
	PaymentIntentStatus string // known only when read back with the PaymentIntent expanded
	ClientReferenceID   string
	Metadata            map[string]string
	Livemode            bool
	AmountSubtotal      int64
	HasAmount           bool // the subtotal was present
	Currency            string
	// AmountTotal is what the buyer pays after promotion codes, and
	// AmountDiscount what they took off; HasTotal says Stripe sent them.
	AmountTotal, AmountDiscount int64
	HasTotal                    bool
}

// sessionOf reads a session Stripe returned.
func sessionOf(s *stripego.CheckoutSession) session {
	out := session{
		ID: s.ID, Status: string(s.Status), PaymentStatus: string(s.PaymentStatus),
		ClientReferenceID: s.ClientReferenceID, Metadata: s.Metadata, Livemode: s.Livemode,
		AmountSubtotal: s.AmountSubtotal, HasAmount: true, Currency: string(s.Currency),
		// A session Stripe sends has its totals; an absent amount_total
		// reads as 0, which only a session with total_details means.
		AmountTotal: s.AmountTotal, HasTotal: s.AmountTotal != 0 || s.TotalDetails != nil,
	}
	if s.TotalDetails != nil {
		out.AmountDiscount = s.TotalDetails.AmountDiscount
	}
	if pi := s.PaymentIntent; pi != nil {
		out.PaymentIntentID, out.PaymentIntentStatus = pi.ID, string(pi.Status)
	}
	return out
}

// payment is the one place that says what a session's state means for
// its upgrade. The zero Kind: nothing yet (open), or a state the shop does
// not act on.
func (s session) payment() domain.Payment {
	p := domain.Payment{
		UpgradeID: upgradeReference(s.ClientReferenceID, s.Metadata), SessionID: s.ID,
		PaymentIntentID: s.PaymentIntentID, Livemode: s.Livemode, Installation: s.Metadata[metaInstallation],
	}
	if s.HasAmount {
		p.Amount, p.Currency = s.AmountSubtotal, s.Currency
	}
	if s.HasTotal {
		p.Total, p.Discount, p.Totals = s.AmountTotal, s.AmountDiscount, true
	}
	switch s.Status {
	case "expired":
		p.Kind = domain.EventSessionExpired
	case "complete":
		switch {
		case s.PaymentStatus == "paid" || s.PaymentStatus == "no_payment_required":
			p.Kind = domain.EventCheckoutPaid
		case s.PaymentStatus != "unpaid":
			// An unknown payment status is not acted on.
		case s.PaymentIntentStatus == "requires_payment_method" || s.PaymentIntentStatus == "canceled":
			// A delayed payment that failed leaves its PaymentIntent
			// wanting another method.
			p.Kind = domain.EventAsyncFailed
		default:
			p.Kind = domain.EventCheckoutUnpaid
		}
	}
	return p
}
