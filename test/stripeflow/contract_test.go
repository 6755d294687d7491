package stripeflow

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	stripeadapter "upgrades/adapters/stripe"
	"upgrades/adapters/stripesim"
	"upgrades/application"
	"upgrades/domain"
)

// The Stripe adapter's contract: every request it makes is accepted by
// stripe-mock, which validates parameters against Stripe's OpenAPI
// specification, and by the simulated Stripe, which also keeps state, so
// there the answers are checked too.

type backend struct {
	name     string
	base     string
	stateful bool
	// pay completes a checkout and returns its PaymentIntent's id.
	pay func(t *testing.T, sessionID string) string
}

func backends(t *testing.T) []backend {
	sim := simulatedStripe(t)
	return []backend{
		{name: "stripe-mock", pay: func(*testing.T, string) string { return "pi_paid_elsewhere" }},
		{name: "simulated", base: sim.base, stateful: true, pay: sim.pay},
	}
}

type simulated struct {
	base string
	gw   *stripeadapter.Gateway
}

func simulatedStripe(t *testing.T) simulated {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	sim, err := stripesim.New(stripesim.Config{SecretKey: stripeKey, ShopURL: "https://shop.example", PublicURL: base, DropWebhooks: true})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = sim
	srv.Start()
	t.Cleanup(func() { srv.Close(); sim.Close() })
	return simulated{base: base, gw: newGateway(t, base, nil)}
}

func (s simulated) pay(t *testing.T, sessionID string) string {
	t.Helper()
	resp, err := browser.PostForm(s.base+"/pay/"+sessionID, url.Values{"outcome": {"paid"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("pay: %d", resp.StatusCode)
	}
	st, err := s.gw.RetrieveCheckout(context.Background(), sessionID)
	if err != nil {
		t.Fatal(err)
	}
	return st.Payment.PaymentIntentID
}

// gateway connects a Stripe adapter to b.
func (b backend) gateway(t *testing.T) *stripeadapter.Gateway {
	t.Helper()
	if b.base == "" {
		b.base = stripeMockURL(t)
	}
	return newGateway(t, b.base, nil)
}

func contractRequest(id domain.UpgradeID) application.CheckoutRequest {
	return application.CheckoutRequest{
		UpgradeID: id, PurchaserID: 3, RecipientID: 4, UpgradeType: domain.UpgradeGold,
		ProductName: "Gold upgrade", Description: "Upgrade to Gold", Price: domain.DefaultPrices().Of(domain.UpgradeGold),
		CustomerEmail: "buyer@example.com",
		SuccessURL:    "https://shop.example/user_upgrades/7?session_id={CHECKOUT_SESSION_ID}",
		CancelURL:     "https://shop.example/user_upgrades/new?user_id=4",
		ExpiresAt:     time.Now().Add(time.Hour), IdempotencyKey: "contract_" + time.Now().Format("150405.000000000"),
	}
}

func forEachBackend(t *testing.T, test func(t *testing.T, b backend, gw *stripeadapter.Gateway)) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) { test(t, b, b.gateway(t)) })
	}
}

func TestContractCreateCheckout(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend, gw *stripeadapter.Gateway) {
		c, err := gw.CreateCheckout(context.Background(), contractRequest(7))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(c.SessionID, "cs_") || c.URL == "" || c.ExpiresAt.IsZero() {
			t.Errorf("checkout %+v", c)
		}
		if !b.stateful {
			return
		}
		st, err := gw.RetrieveCheckout(context.Background(), c.SessionID)
		if err != nil {
			t.Fatal(err)
		}
		want := application.CheckoutState{Open: true, Type: "checkout.session.open", Payment: domain.Payment{
			SessionID: c.SessionID, Amount: 2000, Currency: "usd", UpgradeID: 7, Total: 2000, Totals: true}}
		if st != want {
			t.Errorf("read back %+v, want %+v", st, want)
		}
		// A new idempotency key makes a new session; a repeated one returns
		// the first, and refuses other parameters.
		again, err := gw.CreateCheckout(context.Background(), contractRequest(7))
		if err != nil {
			t.Fatal(err)
		}
		if again.SessionID == c.SessionID {
			t.Error("a different key returned the same session")
		}
		req := contractRequest(8)
		first, err := gw.CreateCheckout(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		replay, err := gw.CreateCheckout(context.Background(), req)
		if err != nil || replay.SessionID != first.SessionID {
			t.Errorf("replay with the same key: %+v %v, first %s", replay, err, first.SessionID)
		}
		req.Price, _ = domain.NewMoney(9999, "usd")
		if _, err := gw.CreateCheckout(context.Background(), req); !domain.IsKind(err, domain.KindPaymentProvider) {
			t.Errorf("the same key with another price: %v", err)
		}
	})
}

func TestContractCreateCheckoutWithoutEmail(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend, gw *stripeadapter.Gateway) {
		req := contractRequest(9)
		req.CustomerEmail = ""
		if _, err := gw.CreateCheckout(context.Background(), req); err != nil {
			t.Fatal(err)
		}
	})
}

func TestContractRetrieveExpandsThePaymentIntent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend, gw *stripeadapter.Gateway) {
		c, err := gw.CreateCheckout(context.Background(), contractRequest(10))
		if err != nil {
			t.Fatal(err)
		}
		pi := b.pay(t, c.SessionID)
		st, err := gw.RetrieveCheckout(context.Background(), c.SessionID)
		if err != nil {
			t.Fatal(err)
		}
		// The PaymentIntent is read expanded (TestRetrieveAndExpireExpandThePaymentIntent
		// shows what its status decides).
		if st.Payment.SessionID != c.SessionID || st.Payment.PaymentIntentID == "" {
			t.Errorf("state %+v", st)
		}
		if b.stateful && (st.Open || st.Type != "checkout.session.complete" || st.Payment.Kind != domain.EventCheckoutPaid || st.Payment.PaymentIntentID != pi) {
			t.Errorf("after paying: %+v", st)
		}
	})
}

func TestContractExpireCheckout(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend, gw *stripeadapter.Gateway) {
		c, err := gw.CreateCheckout(context.Background(), contractRequest(11))
		if err != nil {
			t.Fatal(err)
		}
		st, err := gw.ExpireCheckout(context.Background(), c.SessionID)
		if err != nil {
			t.Fatal(err)
		}
		if st.Payment.SessionID == "" {
			t.Errorf("state %+v", st)
		}
		if !b.stateful {
			return
		}
		if st.Open || st.Type != "checkout.session.expired" || st.Payment.Kind != domain.EventSessionExpired {
			t.Errorf("state %+v", st)
		}
		if _, err := gw.ExpireCheckout(context.Background(), c.SessionID); !domain.IsKind(err, domain.KindPaymentProvider) {
			t.Errorf("expiring twice: %v", err)
		}
	})
}

func TestContractRefund(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend, gw *stripeadapter.Gateway) {
		c, err := gw.CreateCheckout(context.Background(), contractRequest(12))
		if err != nil {
			t.Fatal(err)
		}
		pi := b.pay(t, c.SessionID)
		req := application.RefundRequest{PaymentIntentID: pi, IdempotencyKey: "refund_" + c.SessionID}
		rf, err := gw.Refund(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(rf.ID, "re_") || rf.Status == "" {
			t.Errorf("refund %+v", rf)
		}
		if !b.stateful {
			return
		}
		again, err := gw.Refund(context.Background(), req)
		if err != nil || again.ID != rf.ID {
			t.Errorf("retried refund: %+v %v", again, err)
		}
		// Another request for a refunded payment: Stripe's
		// charge_already_refunded, which is what was asked for (SPEC §2).
		req.IdempotencyKey = "another_key"
		if twice, err := gw.Refund(context.Background(), req); err != nil || !twice.AlreadyRefunded {
			t.Errorf("refunding twice: %+v, %v", twice, err)
		}
	})
}

func TestContractUnknownSession(t *testing.T) {
	sim := simulatedStripe(t)
	_, err := sim.gw.RetrieveCheckout(context.Background(), "cs_test_missing")
	if !domain.IsKind(err, domain.KindPaymentProvider) || strings.Contains(domain.MessageOf(err), "cs_test_missing") {
		t.Errorf("err %v, message %q", err, domain.MessageOf(err))
	}
}
