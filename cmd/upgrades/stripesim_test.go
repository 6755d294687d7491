package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// simConfig parses a stripe-sim command line as main does and returns the
// simulation's configuration.
func simConfig(t *testing.T, vars map[string]string, args ...string) (*stripeSimCmd, error) {
	t.Helper()
	var c cli
	p, err := newParser(&c, env{getenv: func(k string) string { return vars[k] }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Parse(append([]string{"stripe-sim"}, args...)); err != nil {
		t.Fatal(err)
	}
	_, err = c.StripeSim.config()
	return &c.StripeSim, err
}

func TestStripeSimConfig(t *testing.T) {
	vars := map[string]string{
		"STRIPE_WEBHOOK_SECRET":  "whsec_new,whsec_old",
		"STRIPE_SIM_WEBHOOK_URL": "http://shop.test/webhooks/receive",
		"STRIPE_SIM_RETRY_FOR":   "1h",
		"STRIPE_SIM_SECRET_KEY":  "sk_test_given",
	}
	c, err := simConfig(t, vars, "--listen-addr", "127.0.0.1:0", "--retry-for", "2m")
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := c.config()
	if c.ListenAddr != "127.0.0.1:0" || cfg.SecretKey != "sk_test_given" || cfg.ShopURL != "http://shop.test" || cfg.WebhookSecret != "whsec_new" || cfg.WebhookURL != vars["STRIPE_SIM_WEBHOOK_URL"] ||
		cfg.RetryFor != 2*time.Minute || cfg.PublicURL != "" {
		t.Errorf("config %+v listen %q", cfg, c.ListenAddr)
	}

	for name, vars := range map[string]map[string]string{
		"no secret":      {},
		"bad listen":     {"STRIPE_WEBHOOK_SECRET": "whsec_x", "LISTEN_ADDR": "3000"},
		"bad retry time": {"STRIPE_WEBHOOK_SECRET": "whsec_x", "STRIPE_SIM_RETRY_FOR": "forever"},
		"live key":       {"STRIPE_WEBHOOK_SECRET": "whsec_x", "STRIPE_SIM_SECRET_KEY": "sk_live_x"},
		"bare key":       {"STRIPE_WEBHOOK_SECRET": "whsec_x", "STRIPE_SIM_SECRET_KEY": "sk_test_"},
	} {
		if _, err := simConfig(t, vars); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := simConfig(t, nil, "--drop-webhooks"); err != nil {
		t.Errorf("dropping webhooks needs no secret: %v", err)
	}
	if _, err := simConfig(t, map[string]string{"STRIPE_SIM_DROP_WEBHOOKS": "true"}); err != nil {
		t.Errorf("STRIPE_SIM_DROP_WEBHOOKS=true needs no secret: %v", err)
	}
	c, err = simConfig(t, vars, "--shop-url", "https://shop.test/store")
	if cfg, _ := c.config(); err != nil || cfg.ShopURL != "https://shop.test/store" {
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
		code := run(ctx, []string{"stripe-sim"}, cliEnv(env, "", w, io.Discard))
		if code != 0 {
			done <- fmt.Errorf("stripe-sim exited %d", code)
		} else {
			done <- nil
		}
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
