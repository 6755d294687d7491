package stripe_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	stripego "github.com/stripe/stripe-go/v76"

	stripeadapter "upgrades/adapters/stripe"
)

type callKey struct{}

// capture keeps every record with the value of callKey in the context it
// was logged with, as the web edge's handler reads the request id there.
type capture struct {
	mu      sync.Mutex
	records []captured
}

type captured struct {
	level slog.Level
	msg   string
	call  string
	attrs map[string]string
}

func (c *capture) Enabled(context.Context, slog.Level) bool { return true }
func (c *capture) WithAttrs([]slog.Attr) slog.Handler       { return c }
func (c *capture) WithGroup(string) slog.Handler            { return c }
func (c *capture) Handle(ctx context.Context, r slog.Record) error {
	call, _ := ctx.Value(callKey{}).(string)
	rec := captured{level: r.Level, msg: r.Message, call: call, attrs: map[string]string{}}
	r.Attrs(func(a slog.Attr) bool { rec.attrs[a.Key] = a.Value.String(); return true })
	c.mu.Lock()
	c.records = append(c.records, rec)
	c.mu.Unlock()
	return nil
}

// Every line a Stripe call logs, stripe-go's attempts included, is logged
// with the caller's context, so the request id of the web request that
// made the call is on it: a success at debug, a failure at warn (the
// attempt) and error (the gateway's final word).
func TestStripeCallsLogWithTheCallersContext(t *testing.T) {
	for _, tc := range []struct {
		status    int
		body      string
		wantLevel slog.Level
	}{
		{200, `{"id":"cs_test_1","object":"checkout.session","status":"open","payment_status":"unpaid","currency":"usd","amount_subtotal":2000}`, slog.LevelDebug},
		{502, `<html>bad gateway</html>`, slog.LevelWarn},
	} {
		fake := &fakeStripe{status: tc.status, body: tc.body}
		srv := httptest.NewServer(fake)
		logs := &capture{}
		g, err := stripeadapter.New(stripeadapter.Config{
			SecretKey: "sk_test_fake", APIBase: srv.URL, Timeout: time.Second, MaxNetworkRetries: stripego.Int64(0),
			Logger: slog.New(logs),
		})
		if err != nil {
			t.Fatal(err)
		}
		_, err = g.RetrieveCheckout(context.WithValue(context.Background(), callKey{}, "req-42"), "cs_test_1")
		srv.Close()
		if (err != nil) != (tc.status != 200) {
			t.Fatalf("status %d: err %v", tc.status, err)
		}
		var calls int
		for _, r := range logs.records {
			if r.call != "req-42" {
				t.Errorf("status %d: %q logged without the caller's context", tc.status, r.msg)
			}
			if r.msg == "stripe call" {
				calls++
				if r.level != tc.wantLevel || r.attrs["path"] != "/v1/checkout/sessions/cs_test_1" || r.attrs["stripe_request_id"] != "req_fake123" {
					t.Errorf("status %d: %v %+v", tc.status, r.level, r.attrs)
				}
			}
		}
		if calls != 1 {
			t.Errorf("status %d: %d lines for the one attempt: %+v", tc.status, calls, logs.records)
		}
	}
}
