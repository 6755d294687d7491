package stripeflow

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"upgrades/domain"
)

// recorder forwards every request to a backend and keeps the form of the
// last checkout it created, as the backend received it.
type recorder struct {
	mu   sync.Mutex
	form url.Values
}

func (r *recorder) in(t *testing.T, base string) string {
	t.Helper()
	target, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method == http.MethodPost && req.URL.Path == "/v1/checkout/sessions" {
			body, _ := io.ReadAll(req.Body)
			req.Body = io.NopCloser(bytes.NewReader(body))
			form, err := url.ParseQuery(string(body))
			if err != nil {
				t.Errorf("checkout body %q: %v", body, err)
			}
			r.mu.Lock()
			r.form = form
			r.mu.Unlock()
		}
		proxy.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// A checkout in euros with promotion codes: the line item in the buyer's
// currency at the server's price, Checkout's promotion-code field on, and
// no payment_method_types, so Stripe offers what the dashboard enables
// for the currency (SPEC §3, §10). Both backends must accept it.
func TestContractCheckoutInACurrencyWithPromotionCodes(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			base := b.base
			if base == "" {
				base = stripeMockURL(t)
			}
			var rec recorder
			gw := newGateway(t, rec.in(t, base), nil)
			req := contractRequest(21)
			req.Price, _ = domain.NewMoney(1600, "eur")
			req.AllowPromotionCodes = true
			c, err := gw.CreateCheckout(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			rec.mu.Lock()
			form := rec.form
			rec.mu.Unlock()
			for k, want := range map[string]string{
				"line_items[0][price_data][currency]":    "eur",
				"line_items[0][price_data][unit_amount]": "1600",
				"allow_promotion_codes":                  "true",
				"mode":                                   "payment",
			} {
				if got := form.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			for k := range form {
				if strings.HasPrefix(k, "payment_method_types") {
					t.Errorf("the checkout names %s: Stripe would offer only those methods", k)
				}
			}
			if !b.stateful {
				return
			}
			st, err := gw.RetrieveCheckout(context.Background(), c.SessionID)
			if err != nil || st.Payment.Amount != 1600 || st.Payment.Currency != "eur" {
				t.Errorf("read back %+v, %v", st, err)
			}
			// Without the setting, the field stays off.
			req = contractRequest(22)
			if _, err := gw.CreateCheckout(context.Background(), req); err != nil {
				t.Fatal(err)
			}
			rec.mu.Lock()
			defer rec.mu.Unlock()
			if _, ok := rec.form["allow_promotion_codes"]; ok {
				t.Errorf("allow_promotion_codes sent while not allowed: %v", rec.form)
			}
		})
	}
}
