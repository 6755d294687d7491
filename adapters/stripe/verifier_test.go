package stripe_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	stripeadapter "upgrades/adapters/stripe"
	"upgrades/application"
	"upgrades/domain"
)

const (
	secret    = "whsec_current_secret"
	oldSecret = "whsec_previous_secret"
)

func sign(payload []byte, secret string, at time.Time) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: at}).Header
}

func event(t testing.TB, id, typ string, obj map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"id": id, "object": "event", "api_version": "2023-10-16", "created": 1700000000,
		"livemode": false, "pending_webhooks": 1, "type": typ,
		"request": map[string]any{"id": nil, "idempotency_key": nil},
		"data":    map[string]any{"object": obj},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sessionObject(paymentStatus string) map[string]any {
	return map[string]any{
		"id": "cs_test_abc", "object": "checkout.session", "payment_status": paymentStatus, "status": "complete",
		"client_reference_id": "user_upgrade_42", "amount_subtotal": 2000, "amount_total": 2000, "currency": "usd",
		"payment_intent": "pi_abc", "livemode": false,
		"metadata": map[string]any{"user_upgrade_id": "42", "purchaser_id": "1", "recipient_id": "2", "upgrade_type": "gold"},
	}
}

func chargeObject(amount, refunded int64) map[string]any {
	return map[string]any{
		"id": "ch_abc", "object": "charge", "amount": amount, "amount_refunded": refunded, "refunded": refunded == amount,
		"currency": "usd", "payment_intent": "pi_abc", "status": "succeeded",
		"metadata": map[string]any{"user_upgrade_id": "42"},
	}
}

func disputeObject(status string) map[string]any {
	return map[string]any{
		"id": "dp_abc", "object": "dispute", "amount": 2000, "currency": "usd", "charge": "ch_abc",
		"payment_intent": "pi_abc", "status": status, "reason": "fraudulent",
	}
}

func newVerifier(t testing.TB, secrets ...string) *stripeadapter.Verifier {
	t.Helper()
	v, err := stripeadapter.NewVerifier(secrets)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestVerifierTranslatesEveryHandledType(t *testing.T) {
	with := func(obj map[string]any, k string, v any) map[string]any { obj[k] = v; return obj }
	tests := []struct {
		typ  string
		obj  map[string]any
		want application.PaymentEvent
	}{
		{"checkout.session.completed", sessionObject("paid"), application.PaymentEvent{Payment: domain.Payment{Kind: domain.EventCheckoutPaid, UpgradeID: 42, SessionID: "cs_test_abc", PaymentIntentID: "pi_abc", Amount: 2000, Currency: "usd"}}},
		{"checkout.session.completed", sessionObject("no_payment_required"), application.PaymentEvent{Payment: domain.Payment{Kind: domain.EventCheckoutPaid, UpgradeID: 42, SessionID: "cs_test_abc", PaymentIntentID: "pi_abc", Amount: 2000, Currency: "usd"}}},
		{"checkout.session.completed", sessionObject("unpaid"), application.PaymentEvent{Payment: domain.Payment{Kind: domain.EventCheckoutUnpaid, UpgradeID: 42, SessionID: "cs_test_abc", PaymentIntentID: "pi_abc", Amount: 2000, Currency: "usd"}}},
		{"checkout.session.async_payment_succeeded", sessionObject("paid"), application.PaymentEvent{Payment: domain.Payment{Kind: domain.EventAsyncSucceeded, UpgradeID: 42, SessionID: "cs_test_abc", PaymentIntentID: "pi_abc", Amount: 2000, Currency: "usd"}}},
		{"checkout.session.async_payment_failed", sessionObject("unpaid"), application.PaymentEvent{Payment: domain.Payment{Kind: domain.EventAsyncFailed, UpgradeID: 42, SessionID: "cs_test_abc", PaymentIntentID: "pi_abc", Amount: 2000, Currency: "usd"}}},
		{"checkout.session.expired", with(sessionObject("unpaid"), "payment_intent", nil), application.PaymentEvent{Payment: domain.Payment{Kind: domain.EventSessionExpired, UpgradeID: 42, SessionID: "cs_test_abc", Amount: 2000, Currency: "usd"}}},
		// An expanded PaymentIntent is read by its id.
		{"checkout.session.completed", with(sessionObject("paid"), "payment_intent", map[string]any{"id": "pi_expanded", "object": "payment_intent", "status": "succeeded"}), application.PaymentEvent{Payment: domain.Payment{Kind: domain.EventCheckoutPaid, UpgradeID: 42, SessionID: "cs_test_abc", PaymentIntentID: "pi_expanded", Amount: 2000, Currency: "usd"}}},
		// Without client_reference_id the metadata names the upgrade.
		{"checkout.session.completed", with(sessionObject("paid"), "client_reference_id", nil), application.PaymentEvent{Payment: domain.Payment{Kind: domain.EventCheckoutPaid, UpgradeID: 42, SessionID: "cs_test_abc", PaymentIntentID: "pi_abc", Amount: 2000, Currency: "usd"}}},
		{"charge.refunded", chargeObject(2000, 2000), application.PaymentEvent{Payment: domain.Payment{Kind: domain.EventRefunded, UpgradeID: 42, PaymentIntentID: "pi_abc", Amount: 2000, Currency: "usd"}, Note: "charge ch_abc, 2000 refunded"}},
		// A partial refund is not handled: the upgrade stays paid.
		{"charge.refunded", chargeObject(2000, 500), application.PaymentEvent{Payment: domain.Payment{UpgradeID: 42, PaymentIntentID: "pi_abc", Amount: 2000, Currency: "usd"}, Note: "charge ch_abc, 500 refunded"}},
		{"charge.dispute.created", disputeObject("needs_response"), application.PaymentEvent{Payment: domain.Payment{Kind: domain.EventDisputeOpened, PaymentIntentID: "pi_abc"}, Note: "dispute dp_abc on charge ch_abc: 2000 usd, needs_response"}},
		{"charge.dispute.closed", disputeObject("lost"), application.PaymentEvent{Payment: domain.Payment{Kind: domain.EventDisputeLost, PaymentIntentID: "pi_abc"}, Note: "dispute dp_abc on charge ch_abc: 2000 usd, lost"}},
		{"charge.dispute.closed", disputeObject("won"), application.PaymentEvent{Payment: domain.Payment{PaymentIntentID: "pi_abc"}, Note: "dispute dp_abc on charge ch_abc: 2000 usd, won"}},
		{"radar.early_fraud_warning.created", map[string]any{"id": "issfr_abc", "object": "radar.early_fraud_warning", "charge": "ch_abc", "payment_intent": "pi_abc", "fraud_type": "misc"}, application.PaymentEvent{Payment: domain.Payment{Kind: domain.EventFraudWarning, PaymentIntentID: "pi_abc"}, Note: "early fraud warning issfr_abc on charge ch_abc"}},
		// Types the shop does not act on come back with the zero kind.
		{"customer.created", map[string]any{"id": "cus_abc", "object": "customer", "metadata": map[string]any{"user_upgrade_id": "42"}}, application.PaymentEvent{}},
		{"payment_intent.succeeded", map[string]any{"id": "pi_abc", "object": "payment_intent", "amount": "not even a number"}, application.PaymentEvent{}},
	}
	v := newVerifier(t, secret)
	for i, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			id := "evt_" + strings.Repeat("x", i+1)
			payload := event(t, id, tt.typ, tt.obj)
			got, err := v.Verify(payload, sign(payload, secret, time.Now()))
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			want := tt.want
			want.ID, want.Type, want.Payload = id, tt.typ, payload
			if got.ID != want.ID || got.Type != want.Type || got.Kind != want.Kind || got.Livemode ||
				got.UpgradeID != want.UpgradeID || got.SessionID != want.SessionID || got.PaymentIntentID != want.PaymentIntentID ||
				got.Amount != want.Amount || got.Currency != want.Currency || got.Note != want.Note || string(got.Payload) != string(payload) {
				t.Errorf("got  %+v\nwant %+v", strip(got), strip(want))
			}
		})
	}
}

func strip(e application.PaymentEvent) application.PaymentEvent { e.Payload = nil; return e }

func TestVerifierReadsLivemodeAndAnyAPIVersion(t *testing.T) {
	v := newVerifier(t, secret)
	for _, version := range []string{"2020-08-27", "2023-10-16", "2024-06-20", "2025-03-31.basil"} {
		var m map[string]any
		json.Unmarshal(event(t, "evt_live", "checkout.session.completed", sessionObject("paid")), &m)
		m["api_version"], m["livemode"] = version, true
		payload, _ := json.Marshal(m)
		got, err := v.Verify(payload, sign(payload, secret, time.Now()))
		if err != nil {
			t.Fatalf("%s: %v", version, err)
		}
		if !got.Livemode || got.Kind != domain.EventCheckoutPaid {
			t.Errorf("%s: got %+v", version, strip(got))
		}
	}
}

func TestVerifierRejectsBadSignatures(t *testing.T) {
	payload := event(t, "evt_1", "checkout.session.completed", sessionObject("paid"))
	now := time.Now()
	good := sign(payload, secret, now)
	tests := map[string]struct {
		payload []byte
		header  string
	}{
		"missing":                {payload, ""},
		"malformed":              {payload, "garbage"},
		"no v1 signature":        {payload, "t=" + strings.Split(strings.TrimPrefix(good, "t="), ",")[0]},
		"wrong secret":           {payload, sign(payload, "whsec_someone_else", now)},
		"too old":                {payload, sign(payload, secret, now.Add(-stripeadapter.Tolerance-time.Minute))},
		"body changed":           {append([]byte(" "), payload...), good},
		"signed by old scheme":   {payload, strings.Replace(good, "v1=", "v0=", 1)},
		"another event's header": {event(t, "evt_2", "checkout.session.completed", sessionObject("paid")), good},
	}
	v := newVerifier(t, secret, oldSecret)
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := v.Verify(tt.payload, tt.header)
			if !domain.IsKind(err, domain.KindMalformed) {
				t.Fatalf("want a malformed error, got %v", err)
			}
		})
	}
}

func TestVerifierAcceptsEveryConfiguredSecret(t *testing.T) {
	payload := event(t, "evt_rotated", "checkout.session.completed", sessionObject("paid"))
	v := newVerifier(t, secret, oldSecret)
	for _, s := range []string{secret, oldSecret} {
		if _, err := v.Verify(payload, sign(payload, s, time.Now())); err != nil {
			t.Errorf("signed with %s: %v", s, err)
		}
	}
	// During a roll Stripe sends one signature per secret in one header.
	both := sign(payload, "whsec_unknown", time.Now()) + ",v1=" + strings.SplitN(sign(payload, oldSecret, time.Now()), "v1=", 2)[1]
	if _, err := v.Verify(payload, both); err != nil {
		t.Errorf("header with two signatures: %v", err)
	}
	// Inside the tolerance an older signature is still good.
	if _, err := v.Verify(payload, sign(payload, secret, time.Now().Add(-4*time.Minute))); err != nil {
		t.Errorf("4 minutes old: %v", err)
	}
}

func TestVerifierRejectsUnreadableEvents(t *testing.T) {
	v := newVerifier(t, secret)
	for name, payload := range map[string][]byte{
		"not json":            []byte("hello"),
		"no id":               []byte(`{"type":"checkout.session.completed","data":{"object":{}}}`),
		"no type":             []byte(`{"id":"evt_1","data":{"object":{}}}`),
		"handled, no object":  []byte(`{"id":"evt_1","type":"checkout.session.completed","data":{}}`),
		"handled, null":       []byte(`{"id":"evt_1","type":"charge.refunded","data":{"object":null}}`),
		"handled, bad fields": []byte(`{"id":"evt_1","type":"charge.refunded","data":{"object":{"amount":"2000"}}}`),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := v.Verify(payload, sign(payload, secret, time.Now()))
			if !domain.IsKind(err, domain.KindMalformed) {
				t.Fatalf("want a malformed error, got %v", err)
			}
		})
	}
}

func TestVerificationCannotBeSwitchedOff(t *testing.T) {
	for name, secrets := range map[string][]string{
		"nil":          nil,
		"empty list":   {},
		"empty secret": {""},
		"one empty":    {secret, ""},
	} {
		if _, err := stripeadapter.NewVerifier(secrets); err == nil {
			t.Errorf("%s: NewVerifier accepted %q", name, secrets)
		}
	}
}
