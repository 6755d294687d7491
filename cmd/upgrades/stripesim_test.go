package main

import (
	"testing"
	"time"
)

func TestStripeSimConfig(t *testing.T) {
	env := map[string]string{
		"STRIPE_WEBHOOK_SECRET":  "whsec_new,whsec_old",
		"STRIPE_SIM_WEBHOOK_URL": "http://shop.test/webhooks/receive",
		"STRIPE_SIM_SECRET_KEY":  "sk_test_given",
	}
	cfg, listen, err := stripeSimConfig([]string{"--listen-addr", "127.0.0.1:0", "--retry-for", "2m"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if listen != "127.0.0.1:0" || cfg.SecretKey != "sk_test_given" || cfg.ShopURL != "http://shop.test" || cfg.WebhookSecret != "whsec_new" || cfg.WebhookURL != env["STRIPE_SIM_WEBHOOK_URL"] ||
		cfg.RetryFor != 2*time.Minute || cfg.PublicURL != "" {
		t.Errorf("config %+v listen %q", cfg, listen)
	}

	for name, env := range map[string]map[string]string{
		"no secret":      {},
		"bad listen":     {"STRIPE_WEBHOOK_SECRET": "whsec_x", "LISTEN_ADDR": "3000"},
		"bad retry time": {"STRIPE_WEBHOOK_SECRET": "whsec_x", "STRIPE_SIM_RETRY_FOR": "forever"},
		"live key":       {"STRIPE_WEBHOOK_SECRET": "whsec_x", "STRIPE_SIM_SECRET_KEY": "sk_live_x"},
		"bare key":       {"STRIPE_WEBHOOK_SECRET": "whsec_x", "STRIPE_SIM_SECRET_KEY": "sk_test_"},
	} {
		if _, _, err := stripeSimConfig(nil, func(k string) string { return env[k] }); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, _, err := stripeSimConfig([]string{"--drop-webhooks"}, func(string) string { return "" }); err != nil {
		t.Errorf("dropping webhooks needs no secret: %v", err)
	}
	cfg, _, err = stripeSimConfig([]string{"--shop-url", "https://shop.test/store"}, func(k string) string { return env[k] })
	if err != nil || cfg.ShopURL != "https://shop.test/store" {
		t.Errorf("shop URL given: %q %v", cfg.ShopURL, err)
	}
}
