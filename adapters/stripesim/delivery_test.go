package stripesim_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"upgrades/adapters/stripesim"
)

func TestDeliveryRetriesWithBackoff(t *testing.T) {
	h := newHarness(t)
	h.hooks.answer = func(n int) int {
		if n < 4 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	}
	id := h.createSession()["id"].(string)
	h.call("POST", "/v1/checkout/sessions/"+id+"/expire", nil, "")
	eventually(t, "the event is delivered", func() bool {
		evs := h.sim.Events()
		return len(evs) == 1 && evs[0].State != stripesim.DeliveryPending
	})
	evs := h.sim.Events()
	if len(evs) != 1 || evs[0].Attempts != 4 || evs[0].State != stripesim.DeliveryDelivered || evs[0].LastStatus != 200 {
		t.Fatalf("events %+v", evs)
	}
	h.hooks.mu.Lock()
	at := h.hooks.attempts
	h.hooks.mu.Unlock()
	// 20ms, 40ms, then 80ms (the cap): each wait at least the backoff.
	for i, min := range []time.Duration{20 * time.Millisecond, 40 * time.Millisecond, 80 * time.Millisecond} {
		if gap := at[i+1].Sub(at[i]); gap < min {
			t.Errorf("wait before attempt %d was %v, want at least %v", i+2, gap, min)
		}
	}
}

func TestDeliveryGivesUp(t *testing.T) {
	h := newHarness(t, func(c *stripesim.Config) { c.RetryFor = 200 * time.Millisecond })
	h.hooks.answer = func(int) int { return http.StatusInternalServerError }
	id := h.createSession()["id"].(string)
	h.call("POST", "/v1/checkout/sessions/"+id+"/expire", nil, "")
	eventually(t, "delivery gives up", func() bool {
		evs := h.sim.Events()
		return len(evs) == 1 && evs[0].State == stripesim.DeliveryFailed
	})
	if n := h.sim.Events()[0].Attempts; n < 2 || n > 6 {
		t.Errorf("%d attempts in 200ms of 20ms doubling to 80ms", n)
	}
}

func TestDropWebhooks(t *testing.T) {
	h := newHarness(t, func(c *stripesim.Config) { c.DropWebhooks = true })
	id := h.createSession()["id"].(string)
	start := time.Now()
	if resp := h.press("/pay/"+id, "paid"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("pay: %d", resp.StatusCode)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("the redirect waited %v for a webhook that is never sent", took)
	}
	evs := h.sim.Events()
	if len(evs) != 1 || evs[0].State != stripesim.DeliveryDropped || evs[0].Attempts != 0 {
		t.Errorf("events %+v", evs)
	}
	h.hooks.mu.Lock()
	defer h.hooks.mu.Unlock()
	if len(h.hooks.attempts) != 0 {
		t.Errorf("%d deliveries", len(h.hooks.attempts))
	}
}

func TestShutdownStopsRetrying(t *testing.T) {
	h := newHarness(t, func(c *stripesim.Config) { c.RetryInitial, c.RetryMax, c.RetryFor = time.Hour, time.Hour, 3*time.Hour })
	h.hooks.answer = func(int) int { return http.StatusServiceUnavailable }
	id := h.createSession()["id"].(string)
	h.call("POST", "/v1/checkout/sessions/"+id+"/expire", nil, "")
	eventually(t, "the first attempt fails", func() bool { return h.sim.Events()[0].Attempts == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := h.sim.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if st := h.sim.Events()[0].State; st != stripesim.DeliveryStopped {
		t.Errorf("state %s", st)
	}
	// Events after shutdown are recorded, not sent.
	id = h.createSession()["id"].(string)
	h.call("POST", "/v1/checkout/sessions/"+id+"/expire", nil, "")
	if evs := h.sim.Events(); len(evs) != 2 || evs[1].State != stripesim.DeliveryDropped {
		t.Errorf("events %+v", evs)
	}
}

func TestNewRejectsBadConfiguration(t *testing.T) {
	good := stripesim.Config{SecretKey: "sk_test_x", ShopURL: "http://localhost:3000", PublicURL: "http://localhost:3000/_stripe", WebhookURL: "http://localhost:3000/webhooks/receive", WebhookSecret: "whsec_x"}
	for name, edit := range map[string]func(*stripesim.Config){
		"no key":          func(c *stripesim.Config) { c.SecretKey = "" },
		"bare key prefix": func(c *stripesim.Config) { c.SecretKey = "sk_test_" },
		"live key":        func(c *stripesim.Config) { c.SecretKey = "sk_live_x" },
		"no shop url":     func(c *stripesim.Config) { c.ShopURL = "" },
		"relative shop":   func(c *stripesim.Config) { c.ShopURL = "/shop" },
		"shop with query": func(c *stripesim.Config) { c.ShopURL = "http://localhost:3000/?a=b" },
		"shop with user":  func(c *stripesim.Config) { c.ShopURL = "http://u@localhost:3000" },
		"no public url":   func(c *stripesim.Config) { c.PublicURL = "" },
		"relative url":    func(c *stripesim.Config) { c.PublicURL = "/_stripe" },
		"no webhook url":  func(c *stripesim.Config) { c.WebhookURL = "" },
		"no secret":       func(c *stripesim.Config) { c.WebhookSecret = "" },
		"bad webhook url": func(c *stripesim.Config) { c.WebhookURL = "localhost:3000" },
	} {
		c := good
		edit(&c)
		if _, err := stripesim.New(c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	dropping := stripesim.Config{SecretKey: good.SecretKey, ShopURL: good.ShopURL, PublicURL: good.PublicURL, DropWebhooks: true}
	sim, err := stripesim.New(dropping)
	if err != nil {
		t.Fatalf("dropping webhooks needs no endpoint: %v", err)
	}
	sim.Close()
}
