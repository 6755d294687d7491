package server_test

import (
	"testing"
	"time"

	"upgrades/cmd/upgrades/server"
)

// Livemode comes from the Stripe key alone: a live event is fulfilled only
// by a server that holds a live key, and a test event only by one that
// does not.
func TestLivemodeFollowsTheStripeKey(t *testing.T) {
	for key, live := range map[string]bool{
		"sk_live_123":  true,
		"rk_live_123":  true,
		"sk_test_123":  false,
		"rk_test_123":  false,
		"":             false, // the simulated Stripe
		"pk_live_123":  false, // a publishable key is not a secret key
		"sk_livestock": false,
	} {
		t.Run(key, func(t *testing.T) {
			env := map[string]string{
				"STRIPE_SECRET_KEY": key, "STRIPE_WEBHOOK_SECRET": "whsec_config_test",
				"DATABASE_URL": "postgres://localhost/upgrades", "SESSION_SECRET": "config-test-session-secret-0123456789",
			}
			cfg, err := server.Load(nil, func(k string) string { return env[k] })
			if err != nil {
				t.Fatal(err)
			}
			if cfg.App.Livemode != live {
				t.Errorf("livemode %t with key %q, want %t", cfg.App.Livemode, key, live)
			}
		})
	}
}

// AUTO_REFUND defaults to true; false leaves redundant payments to the
// owners; anything else stops the server. The reconciler's lease follows
// RECONCILE_INTERVAL.
func TestAutoRefundAndTheReconcilersLease(t *testing.T) {
	for value, want := range map[string]string{"": "true", "true": "true", "false": "false", "maybe": "error"} {
		env := map[string]string{"AUTO_REFUND": value, "RECONCILE_INTERVAL": "30s"}
		cfg, err := server.Load(nil, func(k string) string { return env[k] })
		got := "error"
		if err == nil {
			got = map[bool]string{true: "true", false: "false"}[cfg.App.AutoRefund]
			if cfg.App.ReconcileLease != time.Minute {
				t.Errorf("lease %s with RECONCILE_INTERVAL=30s, want 1m", cfg.App.ReconcileLease)
			}
		}
		if got != want {
			t.Errorf("AUTO_REFUND=%q: %s (%v), want %s", value, got, err, want)
		}
	}
}
