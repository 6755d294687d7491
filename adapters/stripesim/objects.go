package stripesim

import (
	"crypto/rand"
	"maps"
)

// APIVersion is the version the simulation renders its events in.
const APIVersion = "2023-10-16"

// The objects are kept in the shapes Stripe renders them in, with the
// fields this shop and stripe-go read; what Stripe would add is left out.

type lineItem struct {
	Name        string
	Description string
	UnitAmount  int64
	Quantity    int64
}

type customerDetails struct {
	Email *string `json:"email"`
}

type session struct {
	ID                string            `json:"id"`
	Object            string            `json:"object"`
	AmountSubtotal    int64             `json:"amount_subtotal"`
	AmountTotal       int64             `json:"amount_total"`
	CancelURL         *string           `json:"cancel_url"`
	ClientReferenceID *string           `json:"client_reference_id"`
	Created           int64             `json:"created"`
	Currency          string            `json:"currency"`
	CustomerDetails   *customerDetails  `json:"customer_details"`
	CustomerEmail     *string           `json:"customer_email"`
	ExpiresAt         int64             `json:"expires_at"`
	Livemode          bool              `json:"livemode"`
	Metadata          map[string]string `json:"metadata"`
	Mode              string            `json:"mode"`
	// PaymentIntent is the intent's id, or the intent itself when expanded.
	PaymentIntent any          `json:"payment_intent"`
	PaymentStatus string       `json:"payment_status"`
	Status        string       `json:"status"`
	SuccessURL    string       `json:"success_url"`
	TotalDetails  totalDetails `json:"total_details"`
	URL           *string      `json:"url"` // only while open

	lineItems     []lineItem
	promotions    bool   // allow_promotion_codes
	promotionCode string // the code the buyer applied
	intentMeta    map[string]string
	intentID      string
	pageURL       string
}

// totalDetails is how Stripe explains amount_total: amount_subtotal less
// amount_discount (the simulation has no shipping or tax).
type totalDetails struct {
	AmountDiscount int64 `json:"amount_discount"`
	AmountShipping int64 `json:"amount_shipping"`
	AmountTax      int64 `json:"amount_tax"`
}

type paymentIntent struct {
	ID             string `json:"id"`
	Object         string `json:"object"`
	Amount         int64  `json:"amount"`
	AmountReceived int64  `json:"amount_received"`
	CaptureMethod  string `json:"capture_method"`
	Created        int64  `json:"created"`
	Currency       string `json:"currency"`
	// LatestCharge is the charge's id, or the charge itself when expanded.
	LatestCharge       any               `json:"latest_charge"`
	Livemode           bool              `json:"livemode"`
	Metadata           map[string]string `json:"metadata"`
	PaymentMethodTypes []string          `json:"payment_method_types"`
	Status             string            `json:"status"`

	chargeID  string
	sessionID string
}

type charge struct {
	ID             string            `json:"id"`
	Object         string            `json:"object"`
	Amount         int64             `json:"amount"`
	AmountCaptured int64             `json:"amount_captured"`
	AmountRefunded int64             `json:"amount_refunded"`
	Captured       bool              `json:"captured"`
	Created        int64             `json:"created"`
	Currency       string            `json:"currency"`
	Livemode       bool              `json:"livemode"`
	Metadata       map[string]string `json:"metadata"`
	Paid           bool              `json:"paid"`
	PaymentIntent  string            `json:"payment_intent"`
	// PaymentMethodDetails says how the buyer paid: its type, and for a
	// card paid from a wallet, the wallet.
	PaymentMethodDetails map[string]any `json:"payment_method_details"`
	ReceiptURL           string         `json:"receipt_url"`
	Refunded             bool           `json:"refunded"`
	Status               string         `json:"status"`
}

type refund struct {
	ID            string            `json:"id"`
	Object        string            `json:"object"`
	Amount        int64             `json:"amount"`
	Charge        string            `json:"charge"`
	Created       int64             `json:"created"`
	Currency      string            `json:"currency"`
	Metadata      map[string]string `json:"metadata"`
	PaymentIntent string            `json:"payment_intent"`
	Reason        *string           `json:"reason"`
	Status        string            `json:"status"`
}

// event is a webhook event as Stripe sends it.
type event struct {
	ID              string       `json:"id"`
	Object          string       `json:"object"`
	APIVersion      string       `json:"api_version"`
	Created         int64        `json:"created"`
	Data            eventData    `json:"data"`
	Livemode        bool         `json:"livemode"`
	PendingWebhooks int          `json:"pending_webhooks"`
	Request         eventRequest `json:"request"`
	Type            string       `json:"type"`
}

type eventData struct {
	Object any `json:"object"`
}

type eventRequest struct {
	ID             *string `json:"id"`
	IdempotencyKey *string `json:"idempotency_key"`
}

// view is the session as the API renders it; expand puts the whole
// PaymentIntent in place of its id.
func (s *Simulator) view(cs *session, expandIntent bool) session {
	v := *cs
	v.Metadata = maps.Clone(cs.Metadata)
	v.PaymentIntent = nil
	if cs.intentID != "" {
		v.PaymentIntent = cs.intentID
		if pi, ok := s.intents[cs.intentID]; ok && expandIntent {
			c := *pi
			c.Metadata = maps.Clone(pi.Metadata)
			v.PaymentIntent = &c
		}
	}
	return v
}

// newID makes an id that looks like Stripe's: a type prefix and random
// characters.
func newID(prefix string) string {
	return prefix + rand.Text()
}

func str(s string) *string { return &s }
