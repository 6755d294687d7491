package stripesim_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"upgrades/adapters/stripesim"
)

func TestCreateSessionAnswersStripesShape(t *testing.T) {
	h := newHarness(t)
	s := h.createSession()
	id, _ := s["id"].(string)
	if !strings.HasPrefix(id, "cs_test_") || s["object"] != "checkout.session" {
		t.Fatalf("id %q object %v", id, s["object"])
	}
	want := map[string]any{
		"mode": "payment", "status": "open", "payment_status": "unpaid", "livemode": false,
		"amount_subtotal": 2000.0, "amount_total": 2000.0, "currency": "usd", "client_reference_id": "user_upgrade_1",
		"customer_email": "buyer@example.com", "url": h.url + "/pay/" + id, "payment_intent": nil,
		"success_url": "https://shop.example/user_upgrades/1?session_id={CHECKOUT_SESSION_ID}",
		"cancel_url":  "https://shop.example/user_upgrades/new",
		"expires_at":  float64(h.clock.Now().Add(time.Hour).Unix()),
		"created":     float64(h.clock.Now().Unix()),
	}
	for k, v := range want {
		if s[k] != v {
			t.Errorf("%s = %#v, want %#v", k, s[k], v)
		}
	}
	if md, _ := s["metadata"].(map[string]any); md["user_upgrade_id"] != "1" {
		t.Errorf("metadata = %v", s["metadata"])
	}
	if got := h.session(id); got["id"] != id || got["status"] != "open" {
		t.Errorf("retrieved %v", got)
	}
}

func TestAPIErrorsHaveStripesFormat(t *testing.T) {
	h := newHarness(t)
	form := func(edit func(url.Values)) url.Values {
		f := sessionForm(h, "user_upgrade_1")
		edit(f)
		return f
	}
	tests := []struct {
		name          string
		method, path  string
		form          url.Values
		status        int
		param, substr string
	}{
		{"missing mode", "POST", "/v1/checkout/sessions", form(func(f url.Values) { f.Del("mode") }), 400, "mode", "Missing required param"},
		{"other mode", "POST", "/v1/checkout/sessions", form(func(f url.Values) { f.Set("mode", "subscription") }), 400, "mode", "mode=payment"},
		{"unknown param", "POST", "/v1/checkout/sessions", form(func(f url.Values) { f.Set("payment_method_typo", "card") }), 400, "payment_method_typo", "unknown parameter"},
		{"no line items", "POST", "/v1/checkout/sessions", form(func(f url.Values) {
			for k := range f {
				if strings.HasPrefix(k, "line_items") {
					f.Del(k)
				}
			}
		}), 400, "line_items", "Missing required param"},
		{"no quantity", "POST", "/v1/checkout/sessions", form(func(f url.Values) { f.Del("line_items[0][quantity]") }), 400, "line_items[0][quantity]", "Missing"},
		{"bad amount", "POST", "/v1/checkout/sessions", form(func(f url.Values) { f.Set("line_items[0][price_data][unit_amount]", "20.00") }), 400, "line_items[0][price_data][unit_amount]", "Invalid integer"},
		{"too small", "POST", "/v1/checkout/sessions", form(func(f url.Values) { f.Set("line_items[0][price_data][unit_amount]", "10") }), 400, "line_items", "at least"},
		{"empty description", "POST", "/v1/checkout/sessions", form(func(f url.Values) { f.Set("line_items[0][price_data][product_data][description]", "") }), 400, "line_items[0][price_data][product_data][description]", "empty string"},
		{"bad email", "POST", "/v1/checkout/sessions", form(func(f url.Values) { f.Set("customer_email", "not an email") }), 400, "customer_email", "Invalid email"},
		{"relative success url", "POST", "/v1/checkout/sessions", form(func(f url.Values) { f.Set("success_url", "/done") }), 400, "success_url", "Not a valid URL"},
		{"expires too soon", "POST", "/v1/checkout/sessions", form(func(f url.Values) { f.Set("expires_at", itoa(h.clock.Now().Add(10*time.Minute).Unix())) }), 400, "expires_at", "at least 30 minutes"},
		{"expires too late", "POST", "/v1/checkout/sessions", form(func(f url.Values) { f.Set("expires_at", itoa(h.clock.Now().Add(25*time.Hour).Unix())) }), 400, "expires_at", "less than 24 hours"},
		{"bad expand", "GET", "/v1/checkout/sessions/cs_test_nope", url.Values{"expand[]": {"customer"}}, 400, "expand", "cannot be expanded"},
		{"no such session", "GET", "/v1/checkout/sessions/cs_test_nope", nil, 404, "", "No such checkout.session: 'cs_test_nope'"},
		{"expire no such session", "POST", "/v1/checkout/sessions/cs_test_nope/expire", nil, 404, "", "No such checkout.session"},
		{"refund nothing", "POST", "/v1/refunds", url.Values{}, 400, "", "charge or payment_intent"},
		{"refund no such intent", "POST", "/v1/refunds", url.Values{"payment_intent": {"pi_nope"}}, 400, "payment_intent", "No such payment_intent"},
		{"unknown path", "GET", "/v1/customers", nil, 404, "", "Unrecognized request URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body, hdr := h.call(tt.method, tt.path, tt.form, "")
			e := errorOf(t, body)
			if status != tt.status || e["type"] != "invalid_request_error" || !strings.Contains(e["message"].(string), tt.substr) {
				t.Errorf("got %d %v", status, e)
			}
			if p, _ := e["param"].(string); p != tt.param {
				t.Errorf("param = %q, want %q", p, tt.param)
			}
			if !strings.HasPrefix(hdr.Get("Request-Id"), "req_") {
				t.Errorf("Request-Id = %q", hdr.Get("Request-Id"))
			}
		})
	}
}

func TestAPIAcceptsOnlyItsOwnKey(t *testing.T) {
	h := newHarness(t)
	basic := func(user string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":")) }
	for name, auth := range map[string]string{
		"none":              "",
		"another test key":  "Bearer sk_test_someone_else_123",
		"live key":          "Bearer sk_live_123456789012",
		"publishable key":   "Bearer pk_test_123456789012",
		"bare prefix":       "Bearer sk_test_",
		"the key and more":  "Bearer " + apiKey + "x",
		"a prefix of it":    "Bearer " + apiKey[:len(apiKey)-1],
		"other key, basic":  basic("sk_test_curl"),
		"the key as secret": "Basic " + base64.StdEncoding.EncodeToString([]byte("x:"+apiKey)),
		"not base64":        "Basic %%%",
		"other scheme":      "Token " + apiKey,
	} {
		status, body, _ := h.callAs(auth, "GET", "/v1/events", nil, "")
		if status != http.StatusUnauthorized {
			t.Errorf("%s: status %d", name, status)
			continue
		}
		e := errorOf(t, body)
		msg, _ := e["message"].(string)
		if e["type"] != "invalid_request_error" || msg == "" || strings.Contains(msg, apiKey) || strings.Contains(msg, "someone_else") {
			t.Errorf("%s: error %v", name, e)
		}
		if (strings.HasPrefix(auth, "Bearer ") || strings.HasPrefix(auth, "Basic ")) && !strings.HasPrefix(msg, "Invalid API Key provided: ") {
			t.Errorf("%s: message %q", name, msg)
		}
	}
	// Every path, reads included: the events hold buyers' emails and
	// payment ids.
	id := h.createSession()["id"].(string)
	h.press("/pay/"+id, "paid")
	evt := h.sim.Events()[0].ID
	for _, c := range []struct{ method, path string }{
		{"GET", "/v1/events"}, {"GET", "/v1/events/" + evt}, {"GET", "/v1/checkout/sessions/" + id},
		{"POST", "/v1/checkout/sessions/" + id + "/expire"}, {"POST", "/v1/refunds"}, {"POST", "/v1/checkout/sessions"},
		{"GET", "/v1/customers"},
	} {
		status, body, _ := h.callAs("Bearer sk_test_someone_else_123", c.method, c.path, nil, "")
		if status != http.StatusUnauthorized || strings.Contains(fmt.Sprint(body), id) {
			t.Errorf("%s %s with another key: %d %v", c.method, c.path, status, body)
		}
	}
	for name, auth := range map[string]string{"bearer": "Bearer " + apiKey, "basic": basic(apiKey)} {
		if status, body, _ := h.callAs(auth, "GET", "/v1/events", nil, ""); status != http.StatusOK {
			t.Errorf("%s with the key: %d %v", name, status, body)
		}
	}
}

// A request with another key is refused before it runs: no session is
// created, expired or refunded, no event is emitted.
func TestAnotherKeyChangesNothing(t *testing.T) {
	h := newHarness(t)
	id := h.createSession()["id"].(string)
	paid := h.createSession()["id"].(string)
	h.press("/pay/"+paid, "paid")
	pi := intent(h.session(paid))["id"].(string)
	before := h.sim.Events()

	other := "Bearer sk_test_other_account_42"
	for _, c := range []struct {
		path string
		form url.Values
	}{
		{"/v1/checkout/sessions", sessionForm(h, "user_upgrade_9")},
		{"/v1/checkout/sessions/" + id + "/expire", nil},
		{"/v1/refunds", url.Values{"payment_intent": {pi}}},
	} {
		// The idempotency key is not spent either.
		if status, body, _ := h.callAs(other, "POST", c.path, c.form, "key-"+c.path); status != http.StatusUnauthorized {
			t.Errorf("POST %s with another key: %d %v", c.path, status, body)
		}
	}
	if s := h.session(id); s["status"] != "open" {
		t.Errorf("the session was expired by another key: %v", s["status"])
	}
	if after := h.sim.Events(); len(after) != len(before) {
		t.Errorf("another key's requests emitted %d events", len(after)-len(before))
	}
	status, body, _ := h.call("POST", "/v1/refunds", url.Values{"payment_intent": {pi}}, "key-/v1/refunds")
	if status != http.StatusOK || body["amount"] != 2000.0 {
		t.Errorf("refund with the key, after another key tried: %d %v", status, body)
	}
}

func TestIdempotencyKeyReplaysTheFirstAnswer(t *testing.T) {
	h := newHarness(t)
	f := sessionForm(h, "user_upgrade_1")
	status, first, _ := h.call("POST", "/v1/checkout/sessions", f, "user_upgrade_1")
	if status != 200 {
		t.Fatalf("create: %d %v", status, first)
	}
	status, again, hdr := h.call("POST", "/v1/checkout/sessions", f, "user_upgrade_1")
	if status != 200 || again["id"] != first["id"] || hdr.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay: %d id %v (first %v) replayed %q", status, again["id"], first["id"], hdr.Get("Idempotent-Replayed"))
	}
	// Another key is another session.
	_, other, _ := h.call("POST", "/v1/checkout/sessions", f, "user_upgrade_2")
	if other["id"] == first["id"] {
		t.Error("a new key returned the first session")
	}
}

func TestIdempotencyKeyRefusesOtherParameters(t *testing.T) {
	h := newHarness(t)
	f := sessionForm(h, "user_upgrade_1")
	if status, body, _ := h.call("POST", "/v1/checkout/sessions", f, "key-1"); status != 200 {
		t.Fatalf("create: %d %v", status, body)
	}
	changed := sessionForm(h, "user_upgrade_1")
	changed.Set("line_items[0][price_data][unit_amount]", "1")
	status, body, _ := h.call("POST", "/v1/checkout/sessions", changed, "key-1")
	if e := errorOf(t, body); status != 400 || e["type"] != "idempotency_error" || !strings.Contains(e["message"].(string), "same parameters") {
		t.Errorf("other parameters: %d %v", status, e)
	}
	status, body, _ = h.call("POST", "/v1/refunds", url.Values{"payment_intent": {"pi_x"}}, "key-1")
	if e := errorOf(t, body); status != 400 || e["type"] != "idempotency_error" || !strings.Contains(e["message"].(string), "same endpoint") {
		t.Errorf("other endpoint: %d %v", status, e)
	}
}

func TestIdempotencyKeyIsNotSpentOnARejectedRequest(t *testing.T) {
	h := newHarness(t)
	bad := sessionForm(h, "user_upgrade_1")
	bad.Del("mode")
	if status, _, _ := h.call("POST", "/v1/checkout/sessions", bad, "key-1"); status != 400 {
		t.Fatalf("invalid request: %d", status)
	}
	if status, body, _ := h.call("POST", "/v1/checkout/sessions", sessionForm(h, "user_upgrade_1"), "key-1"); status != 200 {
		t.Errorf("corrected request with the same key: %d %v", status, body)
	}
}

func TestIdempotencyKeyUnderConcurrency(t *testing.T) {
	h := newHarness(t)
	f := sessionForm(h, "user_upgrade_1")
	const n = 12
	ids := make([]any, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, s, _ := h.call("POST", "/v1/checkout/sessions", f, "same-key")
			ids[i] = s["id"]
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if id == nil || id != ids[0] {
			t.Fatalf("concurrent requests with one key made different sessions: %v", ids)
		}
	}
}

func TestExpireSession(t *testing.T) {
	h := newHarness(t)
	id := h.createSession()["id"].(string)
	status, s, _ := h.call("POST", "/v1/checkout/sessions/"+id+"/expire", nil, "")
	if status != 200 || s["status"] != "expired" || s["url"] != nil {
		t.Fatalf("expire: %d %v", status, s)
	}
	status, body, _ := h.call("POST", "/v1/checkout/sessions/"+id+"/expire", nil, "")
	if e := errorOf(t, body); status != 400 || !strings.Contains(e["message"].(string), `status in ["open"]`) {
		t.Errorf("expiring twice: %d %v", status, e)
	}
	eventually(t, "the expired event arrives", func() bool { return len(h.hooks.received()) == 1 })
	ev := h.hooks.received()[0]
	obj := ev["data"].(map[string]any)["object"].(map[string]any)
	if ev["type"] != "checkout.session.expired" || obj["id"] != id || obj["status"] != "expired" {
		t.Errorf("event %v", ev)
	}
}

func TestSessionsExpireOnTheirOwn(t *testing.T) {
	h := newHarness(t)
	id := h.createSession()["id"].(string)
	h.clock.Advance(59 * time.Minute)
	if s := h.session(id); s["status"] != "open" {
		t.Fatalf("before expires_at: %v", s["status"])
	}
	h.clock.Advance(time.Minute)
	if s := h.session(id); s["status"] != "expired" {
		t.Fatalf("at expires_at: %v", s["status"])
	}
	if resp := h.press("/pay/"+id, "paid"); resp.StatusCode != http.StatusConflict {
		t.Errorf("paying an expired session: %d", resp.StatusCode)
	}
	eventually(t, "one expired event arrives", func() bool { return len(h.hooks.received()) == 1 })
	if got := h.hooks.types(); got[0] != "checkout.session.expired" {
		t.Errorf("events %v", got)
	}
}

func TestEventsCanBeListed(t *testing.T) {
	h := newHarness(t, func(c *stripesim.Config) { c.DropWebhooks = true })
	for range 3 {
		id := h.createSession()["id"].(string)
		h.call("POST", "/v1/checkout/sessions/"+id+"/expire", nil, "")
	}
	status, list, _ := h.call("GET", "/v1/events", url.Values{"limit": {"2"}, "type": {"checkout.session.expired"}}, "")
	data, _ := list["data"].([]any)
	if status != 200 || list["object"] != "list" || len(data) != 2 || list["has_more"] != true {
		t.Fatalf("list: %d %v", status, list)
	}
	first := data[0].(map[string]any)
	status, ev, _ := h.call("GET", "/v1/events/"+first["id"].(string), nil, "")
	if status != 200 || ev["id"] != first["id"] || ev["api_version"] != stripesim.APIVersion {
		t.Errorf("retrieve: %d %v", status, ev)
	}
}
