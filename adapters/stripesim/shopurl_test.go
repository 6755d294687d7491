package stripesim_test

import (
	"net/http"
	"testing"

	"upgrades/adapters/stripesim"
)

// A checkout session sends the buyer back only to the shop's own pages:
// same scheme, host and port, a path under the shop's, and nothing a
// browser could read as another place.
func TestReturnURLsMustBeUnderTheShop(t *testing.T) {
	for _, c := range []struct {
		shop    string
		inside  []string
		outside []string
	}{{
		shop: "https://shop.example/store",
		inside: []string{
			"https://shop.example/store",
			"https://shop.example/store/",
			"https://shop.example/store/user_upgrades/1?session_id={CHECKOUT_SESSION_ID}",
			"https://SHOP.example:443/store/user_upgrades/new?user_id=4#top",
		},
		outside: []string{
			"https://evil.example/store/ok",
			"https://shop.example.evil.example/store/ok",
			"https://shop.example@evil.example/store/ok",
			"https://evil.example@shop.example/store/ok",
			"https://evil.example\\@shop.example/store/ok",
			"https://shop.example\\evil.example/store/ok",
			"https://shop.example/store\\..\\admin",
			"http://shop.example/store/ok",
			"https://shop.example:8443/store/ok",
			"https://shop.example/storefront",
			"https://shop.example/",
			"https://shop.example/store/../admin",
			"https://shop.example/store/./ok",
			"https://shop.example/store/%2e%2e/admin",
			"https://shop.example/store/%2E%2E/admin",
			"https://shop.example/store%2f..%2fadmin",
			"https://shop.example/store/%252e%252e/admin",
			"https://shop.example/store//evil.example",
			"https://shop.example/store/ ok",
			"https://shop.example/store/\tok",
			"//shop.example/store/ok",
			"/store/ok",
			"javascript:alert(1)//https://shop.example/store/",
			"https:shop.example/store/ok",
		},
	}, {
		shop:   "http://127.0.0.1:3000",
		inside: []string{"http://127.0.0.1:3000/user_upgrades/1", "http://127.0.0.1:3000", "http://127.0.0.1:3000/"},
		outside: []string{
			"http://127.0.0.1:3001/user_upgrades/1",
			"http://127.0.0.1/user_upgrades/1",
			"http://localhost:3000/user_upgrades/1",
			"https://127.0.0.1:3000/user_upgrades/1",
		},
	}} {
		h := newHarness(t, func(cfg *stripesim.Config) { cfg.ShopURL = c.shop })
		for _, param := range []string{"success_url", "cancel_url"} {
			for _, u := range c.inside {
				f := sessionForm(h, "user_upgrade_1")
				f.Set("success_url", c.shop+"/ok")
				f.Set("cancel_url", c.shop+"/back")
				f.Set(param, u)
				if status, body, _ := h.call("POST", "/v1/checkout/sessions", f, ""); status != http.StatusOK {
					t.Errorf("shop %s: %s %q refused: %d %v", c.shop, param, u, status, body)
				}
			}
			for _, u := range c.outside {
				f := sessionForm(h, "user_upgrade_1")
				f.Set("success_url", c.shop+"/ok")
				f.Set("cancel_url", c.shop+"/back")
				f.Set(param, u)
				status, body, _ := h.call("POST", "/v1/checkout/sessions", f, "")
				if status != http.StatusBadRequest {
					t.Errorf("shop %s: %s %q accepted: %d", c.shop, param, u, status)
					continue
				}
				if e := errorOf(t, body); e["type"] != "invalid_request_error" || e["param"] != param {
					t.Errorf("shop %s: %s %q: error %v", c.shop, param, u, e)
				}
			}
		}
		if n := len(h.sim.Events()); n != 0 {
			t.Errorf("refused sessions emitted %d events", n)
		}
	}
}
