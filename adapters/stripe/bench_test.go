package stripe_test

import (
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"
)

// The two benchmarks read the same signed checkout.session.completed
// event: the verifier (signature and the fields the shop reads) beside
// stripe-go's ConstructEventWithOptions alone (signature and the whole
// event into stripe.Event).

func BenchmarkVerify(b *testing.B) {
	v := newVerifier(b, secret)
	payload := event(b, "evt_bench", "checkout.session.completed", sessionObject("paid"))
	header := sign(payload, secret, time.Now())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(payload, header); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkConstructEvent(b *testing.B) {
	payload := event(b, "evt_bench", "checkout.session.completed", sessionObject("paid"))
	header := sign(payload, secret, time.Now())
	opts := webhook.ConstructEventOptions{Tolerance: 5 * time.Minute, IgnoreAPIVersionMismatch: true}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := webhook.ConstructEventWithOptions(payload, header, secret, opts); err != nil {
			b.Fatal(err)
		}
	}
}
