package stripe_test

import (
	"os"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"
)

// The two benchmarks read the same signed checkout.session.completed
// event, of a real one's size and shape (testdata): the verifier
// (signature and the fields the shop reads) beside stripe-go's
// ConstructEventWithOptions alone (signature and the whole event into
// stripe.Event).

func realEvent(b *testing.B) []byte {
	payload, err := os.ReadFile("testdata/checkout_session_completed.json")
	if err != nil {
		b.Fatal(err)
	}
	return payload
}

func BenchmarkVerify(b *testing.B) {
	v := newVerifier(b, secret)
	payload := realEvent(b)
	header := sign(payload, secret, time.Now())
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(payload, header); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkConstructEvent(b *testing.B) {
	payload := realEvent(b)
	header := sign(payload, secret, time.Now())
	opts := webhook.ConstructEventOptions{Tolerance: 5 * time.Minute, IgnoreAPIVersionMismatch: true}
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := webhook.ConstructEventWithOptions(payload, header, secret, opts); err != nil {
			b.Fatal(err)
		}
	}
}
