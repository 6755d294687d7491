package stripeflow

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.uber.org/fx"

	"upgrades/adapters/memory"
	"upgrades/application"
	"upgrades/cmd/upgrades/server"
	"upgrades/domain"
	"upgrades/test/dbtest"
)

// A server configured with a live key fulfils a live event and refuses a
// test one: livemode comes from the key, through the whole graph. Stripe
// itself is faked (a live key must never reach it from a test); the
// webhook is signed as Stripe signs and goes through the web edge.
func TestLiveServerAcceptsLiveEvents(t *testing.T) {
	const secret = "whsec_live_flow"
	cfg := load(t, map[string]string{
		"STRIPE_SECRET_KEY": "sk_live_flow", "STRIPE_WEBHOOK_SECRET": secret, "STRIPE_API_BASE": "http://127.0.0.1:1",
		"DATABASE_URL": dbtest.New(t), "SESSION_SECRET": "live-flow-session-secret-0123456789", "RECONCILE_INTERVAL": "0",
	})
	if !cfg.App.Livemode {
		t.Error("a server with an sk_live_ key is not in live mode")
	}
	var root http.Handler
	app := startGraph(t, server.Web(cfg, quietLogger()),
		fx.Decorate(func(application.PaymentGateway) application.PaymentGateway { return memory.NewGateway() }),
		fx.Populate(&root))
	srv := httptest.NewServer(root)
	defer srv.Close()

	u := buyer(t, app)
	deliver := func(id string, live bool) *domain.Upgrade {
		t.Helper()
		started, err := app.StartUpgrade.Handle(context.Background(), application.StartUpgrade{PurchaserID: u.ID(), Type: "gold"})
		if err != nil {
			t.Fatal(err)
		}
		up := started.Upgrade
		payload := completed(t, id, up, func(ev, obj map[string]any) { ev["livemode"], obj["livemode"] = live, live })
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/webhooks/receive", bytes.NewReader(payload))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Stripe-Signature", signed(payload, secret, time.Now()))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", id, resp.StatusCode)
		}
		view, err := app.ShowUpgrade.Handle(context.Background(), application.ShowUpgrade{ViewerID: u.ID(), UpgradeID: up.ID()})
		if err != nil {
			t.Fatal(err)
		}
		return view.Upgrade
	}

	if got := deliver("evt_test_mode", false); got.Status() != domain.StatusPending {
		t.Errorf("a test-mode event left the upgrade %s on a live server, want pending", got.Status())
	}
	if got := deliver("evt_live", true); got.Status() != domain.StatusComplete {
		t.Errorf("a live event left the upgrade %s on a live server, want complete", got.Status())
	}
}
