package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
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

// Without STRIPE_SIM_SECRET_KEY, stripe-sim makes up a key, prints it, and
// accepts that key only.
func TestStripeSimPrintsTheKeyItMadeUp(t *testing.T) {
	env := map[string]string{"STRIPE_SIM_DROP_WEBHOOKS": "true", "LISTEN_ADDR": "127.0.0.1:0"}
	ctx, cancel := context.WithCancel(context.Background())
	r, w := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- runStripeSim(ctx, nil, func(k string) string { return env[k] }, w)
		w.Close()
	}()
	defer func() {
		cancel()
		go io.Copy(io.Discard, r)
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	lines := bufio.NewScanner(r)
	var key, addr string
	for addr == "" && lines.Scan() {
		line := lines.Text()
		if k, ok := strings.CutPrefix(line, "its secret key (STRIPE_SIM_SECRET_KEY was not set): "); ok {
			key = k
		}
		if a, ok := strings.CutPrefix(line, "simulated Stripe on "); ok {
			addr, _, _ = strings.Cut(a, " ")
		}
	}
	if !strings.HasPrefix(key, "sk_test_") || len(key) < len("sk_test_")+20 || addr == "" {
		t.Fatalf("printed key %q, address %q", key, addr)
	}
	for k, want := range map[string]int{key: http.StatusOK, "sk_test_simulated": http.StatusUnauthorized} {
		req, _ := http.NewRequest("GET", "http://"+addr+"/v1/events", nil)
		req.Header.Set("Authorization", "Bearer "+k)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("key %s: %d, want %d", k, resp.StatusCode, want)
		}
	}
}
