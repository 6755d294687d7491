package stripe_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	stripego "github.com/stripe/stripe-go/v76"

	stripeadapter "upgrades/adapters/stripe"
	"upgrades/application"
	"upgrades/domain"
)

// fakeStripe answers every request with one canned response and keeps
// what it was sent.
type fakeStripe struct {
	mu       sync.Mutex
	requests []recorded
	status   int
	body     string
	block    chan struct{} // when set, requests hang until it is closed
}

type recorded struct {
	method, path, auth, idempotencyKey string
	form                               url.Values
}

func (f *fakeStripe) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.block != nil {
		select {
		case <-f.block:
		case <-r.Context().Done():
			return
		}
	}
	b, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(b))
	if r.Method == http.MethodGet {
		form = r.URL.Query()
	}
	f.mu.Lock()
	f.requests = append(f.requests, recorded{r.Method, r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("Idempotency-Key"), form})
	f.mu.Unlock()
	w.Header().Set("Request-Id", "req_fake123")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(f.status)
	io.WriteString(w, f.body)
}

func (f *fakeStripe) last(t *testing.T) recorded {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.requests) == 0 {
		t.Fatal("no request reached the server")
	}
	return f.requests[len(f.requests)-1]
}

func gatewayFor(t *testing.T, base string, timeout time.Duration, logs io.Writer) *stripeadapter.Gateway {
	t.Helper()
	if logs == nil {
		logs = io.Discard
	}
	g, err := stripeadapter.New(stripeadapter.Config{
		SecretKey: "sk_test_fake", APIBase: base, Timeout: timeout, MaxNetworkRetries: stripego.Int64(0),
		Logger: slog.New(slog.NewTextHandler(logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func checkoutRequest() application.CheckoutRequest {
	return application.CheckoutRequest{
		UpgradeID: 7, PurchaserID: 3, RecipientID: 4, UpgradeType: domain.UpgradeGold,
		ProductName: "Gold upgrade", Description: "Upgrade #7 to Gold", Price: domain.DefaultPrices().Of(domain.UpgradeGold),
		CustomerEmail: "buyer@example.com",
		SuccessURL:    "https://shop.example/user_upgrades/7?session_id={CHECKOUT_SESSION_ID}",
		CancelURL:     "https://shop.example/user_upgrades/new?user_id=4",
		ExpiresAt:     time.Unix(1900000000, 0), IdempotencyKey: "user_upgrade_7",
	}
}

func TestCreateCheckoutSendsEveryField(t *testing.T) {
	fake := &fakeStripe{status: 200, body: `{"id":"cs_test_1","object":"checkout.session","url":"https://pay.example/cs_test_1","expires_at":1900000000}`}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	g := gatewayFor(t, srv.URL, time.Second, nil)

	c, err := g.CreateCheckout(context.Background(), checkoutRequest())
	if err != nil {
		t.Fatal(err)
	}
	if c.SessionID != "cs_test_1" || c.URL != "https://pay.example/cs_test_1" || !c.ExpiresAt.Equal(time.Unix(1900000000, 0)) {
		t.Errorf("checkout = %+v", c)
	}
	r := fake.last(t)
	if r.method != "POST" || r.path != "/v1/checkout/sessions" || r.auth != "Bearer sk_test_fake" || r.idempotencyKey != "user_upgrade_7" {
		t.Errorf("request = %s %s auth %q key %q", r.method, r.path, r.auth, r.idempotencyKey)
	}
	want := map[string]string{
		"mode":                                                 "payment",
		"line_items[0][price_data][currency]":                  "usd",
		"line_items[0][price_data][unit_amount]":               "2000",
		"line_items[0][price_data][product_data][name]":        "Gold upgrade",
		"line_items[0][price_data][product_data][description]": "Upgrade #7 to Gold",
		"line_items[0][quantity]":                              "1",
		"client_reference_id":                                  "user_upgrade_7",
		"metadata[user_upgrade_id]":                            "7",
		"metadata[purchaser_id]":                               "3",
		"metadata[recipient_id]":                               "4",
		"metadata[upgrade_type]":                               "gold",
		"payment_intent_data[metadata][user_upgrade_id]":       "7",
		"payment_intent_data[metadata][purchaser_id]":          "3",
		"payment_intent_data[metadata][recipient_id]":          "4",
		"payment_intent_data[metadata][upgrade_type]":          "gold",
		"customer_email":                                       "buyer@example.com",
		"success_url":                                          "https://shop.example/user_upgrades/7?session_id={CHECKOUT_SESSION_ID}",
		"cancel_url":                                           "https://shop.example/user_upgrades/new?user_id=4",
		"expires_at":                                           "1900000000",
	}
	for k, v := range want {
		if got := r.form.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if len(r.form) != len(want) {
		t.Errorf("sent %d parameters, want %d: %v", len(r.form), len(want), r.form)
	}
}

// A purchase of codes is one code times the quantity, and its metadata
// names how many codes instead of a recipient.
func TestCreateCheckoutOfCodes(t *testing.T) {
	fake := &fakeStripe{status: 200, body: `{"id":"cs_test_1","url":"https://pay.example/cs_test_1"}`}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	req := checkoutRequest()
	req.RecipientID, req.Quantity = 0, 3
	price, err := domain.NewMoney(3*2000, "usd")
	if err != nil {
		t.Fatal(err)
	}
	req.Price = price
	if _, err := gatewayFor(t, srv.URL, time.Second, nil).CreateCheckout(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	r := fake.last(t)
	for k, v := range map[string]string{
		"line_items[0][price_data][unit_amount]": "2000", "line_items[0][quantity]": "3",
		"metadata[quantity]": "3", "payment_intent_data[metadata][quantity]": "3",
	} {
		if got := r.form.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	for _, k := range []string{"metadata[recipient_id]", "payment_intent_data[metadata][recipient_id]"} {
		if _, sent := r.form[k]; sent {
			t.Errorf("%s was sent for a purchase of codes", k)
		}
	}
}

func TestCreateCheckoutLeavesOutAnEmptyEmail(t *testing.T) {
	fake := &fakeStripe{status: 200, body: `{"id":"cs_test_1","url":"https://pay.example/cs_test_1"}`}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	req := checkoutRequest()
	req.CustomerEmail = ""
	c, err := gatewayFor(t, srv.URL, time.Second, nil).CreateCheckout(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if _, sent := fake.last(t).form["customer_email"]; sent {
		t.Error("customer_email was sent without an email")
	}
	if !c.ExpiresAt.Equal(req.ExpiresAt) {
		t.Errorf("without expires_at in the answer the request's is kept; got %v", c.ExpiresAt)
	}
}

func TestRetrieveAndExpireExpandThePaymentIntent(t *testing.T) {
	fake := &fakeStripe{status: 200, body: `{"id":"cs_test_1","object":"checkout.session","status":"complete","payment_status":"unpaid",
		"amount_subtotal":2000,"currency":"usd","livemode":true,"client_reference_id":"user_upgrade_7",
		"amount_total":1800,"total_details":{"amount_discount":200,"amount_shipping":0,"amount_tax":0},
		"payment_intent":{"id":"pi_1","object":"payment_intent","status":"requires_payment_method"}}`}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	g := gatewayFor(t, srv.URL, time.Second, nil)
	// Complete and unpaid with a PaymentIntent that wants another method:
	// the delayed payment failed.
	want := application.CheckoutState{Type: "checkout.session.complete", Payment: domain.Payment{
		Kind: domain.EventAsyncFailed, SessionID: "cs_test_1", PaymentIntentID: "pi_1",
		Livemode: true, Amount: 2000, Currency: "usd", UpgradeID: 7, Total: 1800, Discount: 200, Totals: true}}
	for name, call := range map[string]func(context.Context, string) (application.CheckoutState, error){
		"GET /v1/checkout/sessions/cs_test_1": g.RetrieveCheckout, "POST /v1/checkout/sessions/cs_test_1/expire": g.ExpireCheckout,
	} {
		got, err := call(context.Background(), "cs_test_1")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got != want {
			t.Errorf("%s: got %+v", name, got)
		}
		r := fake.last(t)
		if r.method+" "+r.path != name || r.form.Get("expand[0]") != "payment_intent" {
			t.Errorf("%s: sent %s %s %v", name, r.method, r.path, r.form)
		}
	}
}

func TestRefundSendsItsIdempotencyKey(t *testing.T) {
	fake := &fakeStripe{status: 200, body: `{"id":"re_1","object":"refund","status":"succeeded"}`}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	rf, err := gatewayFor(t, srv.URL, time.Second, nil).Refund(context.Background(), application.RefundRequest{PaymentIntentID: "pi_1", IdempotencyKey: "refund_user_upgrade_7"})
	if err != nil {
		t.Fatal(err)
	}
	if rf.ID != "re_1" || rf.Status != "succeeded" {
		t.Errorf("refund = %+v", rf)
	}
	r := fake.last(t)
	if r.path != "/v1/refunds" || r.form.Get("payment_intent") != "pi_1" || r.idempotencyKey != "refund_user_upgrade_7" {
		t.Errorf("sent %s %v key %q", r.path, r.form, r.idempotencyKey)
	}
}

func TestStripeErrorsArePaymentProviderErrorsAndLogged(t *testing.T) {
	fake := &fakeStripe{status: 400, body: `{"error":{"type":"invalid_request_error","message":"No such payment_intent: 'pi_secret_detail'","param":"payment_intent","code":"resource_missing"}}`}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	var logs bytes.Buffer
	_, err := gatewayFor(t, srv.URL, time.Second, &logs).Refund(context.Background(), application.RefundRequest{PaymentIntentID: "pi_secret_detail"})
	if !domain.IsKind(err, domain.KindPaymentProvider) {
		t.Fatalf("want a payment provider error, got %v", err)
	}
	if msg := domain.MessageOf(err); strings.Contains(msg, "pi_secret_detail") || msg == "" {
		t.Errorf("client message %q leaks Stripe's detail or is empty", msg)
	}
	for _, want := range []string{"request_id=req_fake123", "code=resource_missing", "param=payment_intent", "status=400"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, logs.String())
		}
	}
}

func TestTimeout(t *testing.T) {
	fake := &fakeStripe{status: 200, body: `{}`, block: make(chan struct{})}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	defer close(fake.block)
	g := gatewayFor(t, srv.URL, 200*time.Millisecond, nil)
	start := time.Now()
	_, err := g.RetrieveCheckout(context.Background(), "cs_test_1")
	if !domain.IsKind(err, domain.KindPaymentProvider) {
		t.Fatalf("want a payment provider error, got %v", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the timeout did not apply: %v", took)
	}
	if !strings.Contains(domain.MessageOf(err), "in time") {
		t.Errorf("message = %q", domain.MessageOf(err))
	}
}

func TestUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close()
	_, err := gatewayFor(t, base, time.Second, nil).CreateCheckout(context.Background(), checkoutRequest())
	if !domain.IsKind(err, domain.KindPaymentProvider) {
		t.Fatalf("want a payment provider error, got %v", err)
	}
}

func TestANonStripeAnswerIsAProviderError(t *testing.T) {
	fake := &fakeStripe{status: 502, body: `<html>bad gateway</html>`}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	_, err := gatewayFor(t, srv.URL, time.Second, nil).RetrieveCheckout(context.Background(), "cs_test_1")
	if !domain.IsKind(err, domain.KindPaymentProvider) {
		t.Fatalf("want a payment provider error, got %v", err)
	}
	noURL := httptest.NewServer(&fakeStripe{status: 200, body: `{"id":"cs_test_1"}`})
	defer noURL.Close()
	_, err = gatewayFor(t, noURL.URL, time.Second, nil).CreateCheckout(context.Background(), checkoutRequest())
	if !domain.IsKind(err, domain.KindPaymentProvider) {
		t.Fatalf("a session without a URL: want a payment provider error, got %v", err)
	}
}

func TestGatewaysDoNotShareStripeGoGlobals(t *testing.T) {
	a := &fakeStripe{status: 200, body: `{"id":"re_a"}`}
	b := &fakeStripe{status: 200, body: `{"id":"re_b"}`}
	sa, sb := httptest.NewServer(a), httptest.NewServer(b)
	defer sa.Close()
	defer sb.Close()
	ga, err := stripeadapter.New(stripeadapter.Config{SecretKey: "sk_test_a", APIBase: sa.URL})
	if err != nil {
		t.Fatal(err)
	}
	gb, err := stripeadapter.New(stripeadapter.Config{SecretKey: "sk_test_b", APIBase: sb.URL})
	if err != nil {
		t.Fatal(err)
	}
	ra, _ := ga.Refund(context.Background(), application.RefundRequest{PaymentIntentID: "pi_1"})
	rb, _ := gb.Refund(context.Background(), application.RefundRequest{PaymentIntentID: "pi_1"})
	if ra.ID != "re_a" || rb.ID != "re_b" || a.last(t).auth != "Bearer sk_test_a" || b.last(t).auth != "Bearer sk_test_b" {
		t.Errorf("refunds %q %q, auth %q %q", ra.ID, rb.ID, a.last(t).auth, b.last(t).auth)
	}
	if stripego.Key != "" {
		t.Errorf("the package-level stripe.Key was set to %q", stripego.Key)
	}
}

func TestNewRejectsBadConfiguration(t *testing.T) {
	for name, cfg := range map[string]stripeadapter.Config{
		"no key":        {},
		"relative base": {SecretKey: "sk_test_x", APIBase: "localhost:12111"},
		"other scheme":  {SecretKey: "sk_test_x", APIBase: "ftp://example.com"},
	} {
		if _, err := stripeadapter.New(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// SPEC §2: Stripe's charge_already_refunded means the refund asked for is
// done.
func TestARefundOfARefundedChargeIsDone(t *testing.T) {
	fake := &fakeStripe{status: 400, body: `{"error":{"type":"invalid_request_error","message":"Charge ch_1 has already been refunded.","code":"charge_already_refunded"}}`}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	rf, err := gatewayFor(t, srv.URL, time.Second, nil).Refund(context.Background(), application.RefundRequest{PaymentIntentID: "pi_1", IdempotencyKey: "i:user_upgrade_7:refund"})
	if err != nil || !rf.AlreadyRefunded {
		t.Fatalf("refund = %+v, %v", rf, err)
	}
}
