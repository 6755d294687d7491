package stripeflow

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/fx"

	"upgrades/application"
	"upgrades/cmd/upgrades/server"
	"upgrades/domain"
)

// The server's wiring: with no secret key the Stripe adapter talks over
// HTTP to the simulation mounted at /_stripe, whose webhooks come back
// through the web edge; with a key it talks to STRIPE_API_BASE.

func startGraph(t *testing.T, opts ...fx.Option) *application.App {
	t.Helper()
	var app *application.App
	graph := fx.New(append(opts, fx.Populate(&app))...)
	if err := graph.Err(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := graph.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := graph.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return app
}

func load(t *testing.T, env map[string]string) server.Config {
	t.Helper()
	cfg, err := server.Load(nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func buyer(t *testing.T, app *application.App) *domain.User {
	t.Helper()
	u, err := app.CreateUser.Handle(context.Background(), application.CreateUser{Name: "buyer", Password: "buyer-password", Email: "buyer@example.com", Level: domain.LevelMember})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestServerRunsOnTheSimulatedStripe(t *testing.T) {
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	cfg := load(t, map[string]string{"BASE_URL": base})
	var root http.Handler
	app := startGraph(t, server.Web(cfg, quietLogger()), fx.Populate(&root))
	srv.Config.Handler = root
	srv.Start()
	defer srv.Close()

	u := buyer(t, app)
	started, err := app.StartUpgrade.Handle(context.Background(), application.StartUpgrade{PurchaserID: u.ID(), Type: "gold"})
	if err != nil {
		t.Fatal(err)
	}
	up := started.Upgrade
	if !strings.HasPrefix(up.CheckoutURL(), base+"/_stripe/pay/cs_test_") {
		t.Fatalf("checkout URL %q", up.CheckoutURL())
	}
	resp, err := browser.PostForm(up.CheckoutURL(), map[string][]string{"outcome": {"paid"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), base+"/user_upgrades/") {
		t.Fatalf("pay: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	view, err := app.ShowUpgrade.Handle(context.Background(), application.ShowUpgrade{ViewerID: u.ID(), UpgradeID: up.ID()})
	if err != nil {
		t.Fatal(err)
	}
	if view.Upgrade.Status() != domain.StatusComplete {
		t.Errorf("status %s: the webhook did not come back through the web edge", view.Upgrade.Status())
	}
}

func TestServerTalksToStripeAPIBase(t *testing.T) {
	cfg := load(t, map[string]string{
		"STRIPE_SECRET_KEY": "sk_test_contract", "STRIPE_WEBHOOK_SECRET": "whsec_contract",
		"STRIPE_API_BASE": stripeMockURL(t), "SESSION_SECRET": strings.Repeat("s", 32),
	})
	app := startGraph(t, server.Core(cfg, quietLogger()))
	u := buyer(t, app)
	started, err := app.StartUpgrade.Handle(context.Background(), application.StartUpgrade{PurchaserID: u.ID(), Type: "gold"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(started.Upgrade.SessionID(), "cs_") || started.Upgrade.CheckoutURL() == "" {
		t.Errorf("session %q url %q", started.Upgrade.SessionID(), started.Upgrade.CheckoutURL())
	}
}

// Mounted in the server, the simulated Stripe keeps its own protections:
// it answers no other key than the server's own, and its pay page cannot
// be framed or posted to from another site.
func TestServerMountsTheSimulatedStripeProtected(t *testing.T) {
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	cfg := load(t, map[string]string{"BASE_URL": base})
	var root http.Handler
	app := startGraph(t, server.Web(cfg, quietLogger()), fx.Populate(&root))
	srv.Config.Handler = root
	srv.Start()
	defer srv.Close()

	for _, key := range []string{"sk_test_anything", "sk_test_simulated_not"} {
		req, _ := http.NewRequest("GET", base+"/_stripe/v1/events", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("the event list with %s: %d", key, resp.StatusCode)
		}
	}

	started, err := app.StartUpgrade.Handle(context.Background(), application.StartUpgrade{PurchaserID: buyer(t, app).ID(), Type: "gold"})
	if err != nil {
		t.Fatal(err)
	}
	page := started.Upgrade.CheckoutURL()
	resp, err := http.Get(page)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); resp.StatusCode != http.StatusOK || !strings.Contains(csp, "frame-ancestors 'none'") || resp.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("the pay page: %d, policy %q", resp.StatusCode, csp)
	}
	req, _ := http.NewRequest("POST", page, strings.NewReader("outcome=paid"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err = browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a cross-site post to the pay page: %d", resp.StatusCode)
	}
	view, err := app.ShowUpgrade.Handle(context.Background(), application.ShowUpgrade{ViewerID: started.Upgrade.PurchaserID(), UpgradeID: started.Upgrade.ID()})
	if err != nil || view.Upgrade.Status() != domain.StatusPending {
		t.Errorf("after the forged post the upgrade is %v (%v)", view.Upgrade.Status(), err)
	}
}
