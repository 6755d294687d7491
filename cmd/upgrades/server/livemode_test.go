package server_test

import (
	"testing"

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
