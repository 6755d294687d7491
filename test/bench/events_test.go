package bench_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"
)

// signedEvent is a webhook as Stripe sends it: the body and its signature.
type signedEvent struct {
	payload []byte
	header  string
}

// eventIDs names an event and its payment.
type eventIDs struct{ event, paymentIntent string }

// taggedIDs are an upgrade's ids as fulfil.sql computes them for pgbench
// (evt_b<tag>, pi_b<tag>), used where the server and pgbench are compared.
func taggedIDs(upgrade int64) eventIDs {
	return eventIDs{fmt.Sprintf("evt_b%d", tag(upgrade)), fmt.Sprintf("pi_b%d", tag(upgrade))}
}

const idAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// stripeID is a random id as Stripe makes them: a prefix and 24 letters
// and digits.
func stripeID(rng *rand.Rand, prefix string) string {
	b := make([]byte, 24)
	for i := range b {
		b[i] = idAlphabet[rng.IntN(len(idAlphabet))]
	}
	return prefix + "_" + string(b)
}

// sign signs payload now with the server's secret, as Stripe does.
func sign(payload []byte) signedEvent {
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: webhookSecret, Timestamp: time.Now()})
	return signedEvent{payload: payload, header: signed.Header}
}

// stripeEvent is an event's envelope around obj, indented as Stripe sends
// it (API version 2023-10-16, which stripe-go v76 speaks).
func stripeEvent(id, typ string, obj map[string]any) []byte {
	payload, err := json.MarshalIndent(map[string]any{
		"id": id, "object": "event", "api_version": "2023-10-16",
		"created": time.Now().Unix(), "data": map[string]any{"object": obj}, "livemode": false,
		"pending_webhooks": 1, "request": map[string]any{"id": nil, "idempotency_key": nil},
		"type": typ,
	}, "", "  ")
	if err != nil {
		panic(err)
	}
	return payload
}

// completedEvent is the checkout.session.completed (paid) of upgrade i of
// p, with every field of a real Checkout Session of API version 2023-10-16
// (as in stripe-mock's fixtures and stripe-go's CheckoutSession), so that
// its size and the work of reading it are a real event's: about 3 kB.
func (b *bench) completedEvent(p pool, i int, ids eventIDs) []byte {
	now := time.Now()
	up, buyer, recipient := p.upgrade(i), p.user(i), p.recipient(i)
	session := sessionID(up)
	email := p.name(i) + "@example.com"
	obj := map[string]any{
		"id": session, "object": "checkout.session",
		"after_expiration": nil, "allow_promotion_codes": nil,
		"amount_subtotal": 2000, "amount_total": 2000,
		"automatic_tax":              map[string]any{"enabled": false, "liability": nil, "status": nil},
		"billing_address_collection": nil,
		"cancel_url":                 fmt.Sprintf("%s/user_upgrades/new?user_id=%d", b.url(""), recipient),
		"client_reference_id":        fmt.Sprintf("user_upgrade_%d", up),
		"client_secret":              nil, "consent": nil, "consent_collection": nil,
		"created": now.Add(-time.Minute).Unix(), "currency": "usd", "currency_conversion": nil,
		"custom_fields": []any{}, "custom_text": map[string]any{"after_submit": nil, "shipping_address": nil, "submit": nil, "terms_of_service_acceptance": nil},
		"customer": nil, "customer_creation": "if_required",
		"customer_details": map[string]any{
			"address": map[string]any{"city": nil, "country": "US", "line1": nil, "line2": nil, "postal_code": "94107", "state": nil},
			"email":   email, "name": "Bench Buyer", "phone": nil, "tax_exempt": "none", "tax_ids": []any{},
		},
		"customer_email": email, "expires_at": now.Add(time.Hour).Unix(), "invoice": nil,
		"invoice_creation": map[string]any{"enabled": false, "invoice_data": map[string]any{
			"account_tax_ids": nil, "custom_fields": nil, "description": nil, "footer": nil, "issuer": nil,
			"metadata": map[string]any{}, "rendering_options": nil}},
		"livemode": false, "locale": nil,
		"metadata": map[string]string{
			"purchaser_id": strconv.FormatInt(buyer, 10), "recipient_id": strconv.FormatInt(recipient, 10),
			"upgrade_type": "gold", "user_upgrade_id": strconv.FormatInt(up, 10),
		},
		"mode": "payment", "payment_intent": ids.paymentIntent, "payment_link": nil,
		"payment_method_collection": "if_required", "payment_method_configuration_details": nil,
		"payment_method_options": map[string]any{}, "payment_method_types": []string{"card"},
		"payment_status": "paid", "phone_number_collection": map[string]any{"enabled": false},
		"recovered_from": nil, "setup_intent": nil, "shipping_address_collection": nil, "shipping_cost": nil,
		"shipping_details": nil, "shipping_options": []any{}, "status": "complete", "submit_type": nil,
		"subscription":  nil,
		"success_url":   fmt.Sprintf("%s/user_upgrades/%d?session_id={CHECKOUT_SESSION_ID}", b.url(""), up),
		"total_details": map[string]any{"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
		"ui_mode":       "hosted", "url": nil,
	}
	return stripeEvent(ids.event, "checkout.session.completed", obj)
}

// unhandledEvent is an event of a type Stripe sends to an endpoint that
// listens to everything and the shop does not act on: a payment intent's
// or a charge's news, of a real one's shape.
func unhandledEvent(rng *rand.Rand) []byte {
	pi := stripeID(rng, "pi")
	now := time.Now().Unix()
	switch rng.IntN(2) {
	case 0:
		return stripeEvent(stripeID(rng, "evt"), "payment_intent.created", map[string]any{
			"id": pi, "object": "payment_intent", "amount": 2000, "amount_capturable": 0, "amount_received": 0,
			"application": nil, "application_fee_amount": nil, "automatic_payment_methods": nil,
			"canceled_at": nil, "cancellation_reason": nil, "capture_method": "automatic",
			"client_secret": pi + "_secret_" + stripeID(rng, "x")[2:], "confirmation_method": "automatic",
			"created": now, "currency": "usd", "customer": nil, "description": nil, "invoice": nil,
			"last_payment_error": nil, "latest_charge": nil, "livemode": false, "metadata": map[string]any{},
			"next_action": nil, "on_behalf_of": nil, "payment_method": nil,
			"payment_method_options": map[string]any{"card": map[string]any{"installments": nil, "mandate_options": nil, "network": nil, "request_three_d_secure": "automatic"}},
			"payment_method_types":   []string{"card"}, "processing": nil, "receipt_email": nil, "review": nil,
			"setup_future_usage": nil, "shipping": nil, "source": nil, "statement_descriptor": nil,
			"statement_descriptor_suffix": nil, "status": "requires_payment_method", "transfer_data": nil, "transfer_group": nil,
		})
	default:
		return stripeEvent(stripeID(rng, "evt"), "charge.succeeded", map[string]any{
			"id": stripeID(rng, "ch"), "object": "charge", "amount": 2000, "amount_captured": 2000, "amount_refunded": 0,
			"application": nil, "application_fee": nil, "balance_transaction": stripeID(rng, "txn"),
			"billing_details": map[string]any{"address": map[string]any{"city": nil, "country": "US", "line1": nil, "line2": nil, "postal_code": "94107", "state": nil},
				"email": "buyer@example.com", "name": "Bench Buyer", "phone": nil},
			"calculated_statement_descriptor": "UPGRADES", "captured": true, "created": now, "currency": "usd",
			"customer": nil, "description": nil, "disputed": false, "failure_code": nil, "failure_message": nil,
			"fraud_details": map[string]any{}, "invoice": nil, "livemode": false, "metadata": map[string]any{},
			"outcome": map[string]any{"network_status": "approved_by_network", "reason": nil, "risk_level": "normal",
				"risk_score": rng.IntN(60), "seller_message": "Payment complete.", "type": "authorized"},
			"paid": true, "payment_intent": pi, "payment_method": stripeID(rng, "pm"),
			"payment_method_details": map[string]any{"card": map[string]any{"brand": "visa", "checks": map[string]any{
				"address_line1_check": nil, "address_postal_code_check": "pass", "cvc_check": "pass"},
				"country": "US", "exp_month": 12, "exp_year": 2034, "fingerprint": stripeID(rng, "fp")[3:19],
				"funding": "credit", "last4": "4242", "network": "visa", "three_d_secure": nil, "wallet": nil}, "type": "card"},
			"receipt_email": nil, "receipt_url": "https://pay.stripe.com/receipts/payment/" + stripeID(rng, "r")[2:],
			"refunded": false, "review": nil, "shipping": nil, "source_transfer": nil, "statement_descriptor": nil,
			"status": "succeeded", "transfer_data": nil, "transfer_group": nil,
		})
	}
}

// eventMix is a stream of deliveries as Stripe makes them to a busy shop:
// the completed checkouts of self-bought upgrades and of gifts (a fifth),
// with random evt_ and pi_ ids, about one delivery in ten a duplicate of
// an event delivered shortly before (Stripe retries, and delivers at
// least once), and about one in twenty of a type the shop does not act on.
// The events are made and signed when built or sent, not held.
type eventMix struct {
	b          *bench
	entries    []mixEntry
	pools      []pool // whose upgrades the stream completes
	duplicates int
	unhandled  int
}

// mixEntry is one delivery: upgrade i of pools[pool] completed with ids,
// or (unhandled not 0) an event of another type made from that seed.
type mixEntry struct {
	pool, i   int
	ids       eventIDs
	unhandled uint64
}

// mixShares are the mix's proportions.
const (
	giftShare      = 0.20
	duplicateShare = 0.10
	unhandledShare = 0.05
)

// eventMix makes a stream of about n deliveries, seeding the upgrades it
// completes; seed fixes its order and ids.
func (b *bench) eventMix(prefix string, n int, seed uint64) *eventMix {
	rng := rand.New(rand.NewPCG(seed, 7))
	fulfilments := max(int(float64(n)*(1-duplicateShare-unhandledShare)), 2)
	gifts := max(int(float64(fulfilments)*giftShare), 1)
	m := &eventMix{b: b, pools: []pool{b.seedPool(prefix, fulfilments-gifts, ownUpgrades), b.seedPool(prefix+"g", gifts, giftUpgrades)}}
	var order []mixEntry
	for k, p := range m.pools {
		for i := range p.n {
			order = append(order, mixEntry{pool: k, i: i, ids: eventIDs{stripeID(rng, "evt"), stripeID(rng, "pi")}})
		}
	}
	rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	for next := 0; next < len(order); {
		switch r := rng.Float64(); {
		case r < duplicateShare && next > 0:
			m.entries = append(m.entries, order[max(next-1-rng.IntN(100), 0)])
			m.duplicates++
		case r < duplicateShare+unhandledShare:
			m.entries = append(m.entries, mixEntry{unhandled: rng.Uint64() | 1})
			m.unhandled++
		default:
			m.entries = append(m.entries, order[next])
			next++
		}
	}
	return m
}

// event makes and signs delivery i.
func (m *eventMix) event(i int) signedEvent {
	e := m.entries[i]
	if e.unhandled != 0 {
		return sign(unhandledEvent(rand.New(rand.NewPCG(e.unhandled, 11))))
	}
	return sign(m.b.completedEvent(m.pools[e.pool], e.i, e.ids))
}

// build makes every delivery beforehand, to send them without the cost
// of making them.
func (m *eventMix) build() []signedEvent {
	out := make([]signedEvent, len(m.entries))
	for i := range out {
		out[i] = m.event(i)
	}
	return out
}

// deliver sends delivery i, made as it goes.
func (m *eventMix) deliver(i int) error {
	return deliver(m.b.sender, []signedEvent{m.event(i)})(0)
}

// fulfilled checks that the mix's upgrades are all complete.
func (b *bench) fulfilled(m *eventMix) error {
	for _, p := range m.pools {
		if done := b.completed(p); done != int64(p.n) {
			return fmt.Errorf("%d of %d upgrades of %s are complete", done, p.n, p.prefix)
		}
	}
	return nil
}
