package stripe_test

import (
	"bytes"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	stripeadapter "upgrades/adapters/stripe"
	"upgrades/application"
	"upgrades/domain"
)

// kindsByType is what each event type the shop handles may mean; the zero
// kind is a payment status or an outcome it does not act on.
var kindsByType = map[string][]domain.EventKind{
	"checkout.session.completed":               {domain.EventCheckoutPaid, domain.EventCheckoutUnpaid, {}},
	"checkout.session.async_payment_succeeded": {domain.EventAsyncSucceeded},
	"checkout.session.async_payment_failed":    {domain.EventAsyncFailed},
	"checkout.session.expired":                 {domain.EventSessionExpired},
	"charge.refunded":                          {domain.EventRefunded, {}},
	"charge.dispute.created":                   {domain.EventDisputeOpened},
	"charge.dispute.closed":                    {domain.EventDisputeLost, {}},
	"radar.early_fraud_warning.created":        {domain.EventFraudWarning},
}

// FuzzVerify signs whatever payload it is given with the test secret, so
// every input gets past the signature and is read as an event.
func FuzzVerify(f *testing.F) {
	completed := event(f, "evt_paid", "checkout.session.completed", sessionObject("paid"))
	seeds := [][]byte{
		completed,
		event(f, "evt_free", "checkout.session.completed", sessionObject("no_payment_required")),
		event(f, "evt_unpaid", "checkout.session.completed", sessionObject("unpaid")),
		event(f, "evt_settled", "checkout.session.async_payment_succeeded", sessionObject("paid")),
		event(f, "evt_failed", "checkout.session.async_payment_failed", sessionObject("unpaid")),
		event(f, "evt_expired", "checkout.session.expired", sessionObject("unpaid")),
		event(f, "evt_refunded", "charge.refunded", chargeObject(2000, 2000)),
		event(f, "evt_partial", "charge.refunded", chargeObject(2000, 500)),
		event(f, "evt_disputed", "charge.dispute.created", disputeObject("needs_response")),
		event(f, "evt_lost", "charge.dispute.closed", disputeObject("lost")),
		event(f, "evt_won", "charge.dispute.closed", disputeObject("won")),
		event(f, "evt_warned", "radar.early_fraud_warning.created", map[string]any{
			"id": "issfr_abc", "object": "radar.early_fraud_warning", "charge": "ch_abc", "payment_intent": "pi_abc"}),
		event(f, "evt_customer", "customer.created", map[string]any{"id": "cus_abc", "object": "customer"}),
		bytes.Replace(completed, []byte(`"2023-10-16"`), []byte(`"2020-08-27"`), 1),
		bytes.Replace(completed, []byte(`"2023-10-16"`), []byte(`"2025-03-31.basil"`), 1),
		completed[:len(completed)/2],
		[]byte(`{"id":"evt_1","type":"charge.refunded","data":{"object":{"amount":"2000","refunded":"yes"}}}`),
		[]byte(`{"id":"evt_1","type":"checkout.session.completed","data":{"object":{"payment_intent":{"id":7}}}}`),
	}
	for _, payload := range seeds {
		f.Add(payload)
	}
	v := newVerifier(f, secret)
	f.Fuzz(func(t *testing.T, payload []byte) {
		ev, err := v.Verify(payload, sign(payload, secret, time.Now()))
		// The event is read in one pass; read in two steps, it says the same.
		if steps, stepsErr := stripeadapter.ParseEventInSteps(payload); (err == nil) != (stepsErr == nil) || !reflect.DeepEqual(ev, steps) {
			t.Fatalf("one pass: %+v, %v\nin steps: %+v, %v", strip(ev), err, strip(steps), stepsErr)
		}
		if err != nil {
			if !domain.IsKind(err, domain.KindMalformed) {
				t.Fatalf("an unreadable event must be malformed, got %v", err)
			}
			return
		}
		checkEvent(t, payload, ev)
	})
}

// checkEvent holds a verified event to what the application relies on.
func checkEvent(t *testing.T, payload []byte, ev application.PaymentEvent) {
	t.Helper()
	if ev.ID == "" || ev.Type == "" {
		t.Errorf("an event without an id or a type was accepted: %+v", strip(ev))
	}
	if !bytes.Equal(ev.Payload, payload) {
		t.Errorf("the event keeps %q, not what was signed", ev.Payload)
	}
	kinds, handled := kindsByType[ev.Type]
	if !handled {
		if read := strip(ev); !reflect.DeepEqual(read, application.PaymentEvent{Payment: domain.Payment{Livemode: ev.Livemode}, ID: ev.ID, Type: ev.Type}) {
			t.Errorf("an unhandled %s was read further: %+v", ev.Type, read)
		}
		return
	}
	if !slices.Contains(kinds, ev.Kind) {
		t.Errorf("a %s came back as %q", ev.Type, ev.Kind)
	}
	if ev.UpgradeID < 0 {
		t.Errorf("upgrade id %d", ev.UpgradeID)
	}
	if ev.SessionID != "" && !strings.HasPrefix(ev.Type, "checkout.session.") {
		t.Errorf("a %s names checkout session %q", ev.Type, ev.SessionID)
	}
}

// FuzzVerifySignature forges Stripe-Signature headers for one payload. A
// signature is good for five minutes only, so the corpus cannot hold one:
// {t} in a header is the time now, {v1} and {old} the genuine signatures
// for it under the two secrets, and the fuzzer mutates around them.
func FuzzVerifySignature(f *testing.F) {
	for _, header := range []string{
		"t={t},v1={v1}",
		"t={t},v1={old}",
		"t={t},v1=" + strings.Repeat("0", 64) + ",v1={old}",
		"t={t},v0={v1}",
		"t={t},v1=" + strings.Repeat("ab", 32),
		"t=1700000000,v1={v1}",
		"t=+{t},v1={v1},t=1",
		"v1={v1}",
		"t={t}",
		"t={t},v1={v1}=",
		"garbage",
		"",
	} {
		f.Add(header)
	}
	payload := event(f, "evt_signed", "checkout.session.completed", sessionObject("paid"))
	v := newVerifier(f, secret, oldSecret)
	f.Fuzz(func(t *testing.T, template string) {
		now := time.Now()
		signature := func(key string) string {
			_, sig, _ := strings.Cut(sign(payload, key, now), "v1=")
			return sig
		}
		genuine, old := signature(secret), signature(oldSecret)
		header := strings.NewReplacer("{t}", strconv.FormatInt(now.Unix(), 10), "{v1}", genuine, "{old}", old).Replace(template)
		_, err := v.Verify(payload, header)
		if err != nil {
			if !domain.IsKind(err, domain.KindMalformed) {
				t.Fatalf("a refused signature must be malformed, got %v", err)
			}
			return
		}
		pairs := strings.Split(header, ",")
		if !slices.Contains(pairs, "v1="+genuine) && !slices.Contains(pairs, "v1="+old) {
			t.Fatalf("accepted %q, which holds no genuine signature", header)
		}
	})
}
