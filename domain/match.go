package domain

import "fmt"

// Mismatch is why a payment cannot be about an upgrade.
type Mismatch struct{ slug string }

var (
	MismatchNone          = Mismatch{}
	MismatchMissing       = Mismatch{"missing"}        // a settlement that names no session or no currency
	MismatchLivemode      = Mismatch{"livemode"}       // live money on a test server, or the reverse
	MismatchSession       = Mismatch{"session"}        // another checkout session
	MismatchPaymentIntent = Mismatch{"payment_intent"} // another payment
	MismatchCurrency      = Mismatch{"currency"}       // charged in another currency
	MismatchAmount        = Mismatch{"amount"}         // charged another amount
)

func (m Mismatch) String() string { return m.slug }

// Match is the verdict on whether a payment is about an upgrade.
type Match struct {
	Reason Mismatch // MismatchNone when it matches
	Note   string   // the verdict in words, for the history
}

// OK reports whether the payment matches.
func (m Match) OK() bool { return m.Reason == MismatchNone }

// Matches checks p against the upgrade: the provider's word is trusted
// only about the session, payment and money the upgrade expects, in the
// mode (live or test) the shop runs in.
func (u *Upgrade) Matches(p Payment, livemode bool) Match {
	no := func(r Mismatch, format string, args ...any) Match {
		return Match{Reason: r, Note: fmt.Sprintf(format, args...)}
	}
	switch {
	case p.settles() && (p.SessionID == "" || p.Currency == ""):
		// Every checkout that pays names its session and what it charged;
		// one that does not cannot be checked, so it does not fulfil.
		return no(MismatchMissing, "the payment names no checkout session or no currency")
	case p.Livemode != livemode:
		return no(MismatchLivemode, "livemode is %t, the server runs with %t", p.Livemode, livemode)
	case p.SessionID != "" && p.SessionID != u.sessionID:
		return no(MismatchSession, "checkout session %q is not the upgrade's %q", p.SessionID, u.sessionID)
	case p.PaymentIntentID != "" && u.paymentIntentID != "" && p.PaymentIntentID != u.paymentIntentID:
		return no(MismatchPaymentIntent, "payment %q is not the upgrade's %q", p.PaymentIntentID, u.paymentIntentID)
	case p.Currency != "" && p.Currency != u.price.Currency():
		return no(MismatchCurrency, "amount %d %s is not in the price's currency (%d %s)", p.Amount, p.Currency, u.price.Amount(), u.price.Currency())
	case p.Currency != "" && p.Amount != u.expected(p):
		return no(MismatchAmount, "amount %d %s differs from the expected %d %s", p.Amount, p.Currency, u.expected(p), u.price.Currency())
	}
	return Match{}
}

// expected is the amount p must carry: a checkout's subtotal is the price
// the upgrade was sold at (promotion codes come off after it); a charge
// is what the buyer paid, once the checkout reported it.
func (u *Upgrade) expected(p Payment) int64 {
	if p.SessionID == "" && u.paid.Known {
		return u.paid.Amount
	}
	return u.price.Amount()
}
