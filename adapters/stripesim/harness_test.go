package stripesim_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"upgrades/adapters/stripesim"
)

const (
	secret = "whsec_sim_test_secret"
	apiKey = "sk_test_harness_3f9a1c"
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// receiver is the shop's webhook endpoint: it checks each delivery's
// signature and answers what answer says for the n-th attempt (from 1).
type receiver struct {
	mu       sync.Mutex
	events   []map[string]any
	attempts []time.Time
	answer   func(n int) int
	badSigs  int
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.attempts = append(r.attempts, time.Now())
	n := len(r.attempts)
	answer := r.answer
	r.mu.Unlock()
	if err := webhook.ValidatePayload(body, req.Header.Get("Stripe-Signature"), secret); err != nil {
		r.mu.Lock()
		r.badSigs++
		r.mu.Unlock()
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	status := http.StatusOK
	if answer != nil {
		status = answer(n)
	}
	if status == http.StatusOK {
		var ev map[string]any
		json.Unmarshal(body, &ev)
		r.mu.Lock()
		r.events = append(r.events, ev)
		r.mu.Unlock()
	}
	w.WriteHeader(status)
}

// received returns the events accepted so far.
func (r *receiver) received() []map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]map[string]any(nil), r.events...)
}

func (r *receiver) types() []string {
	var out []string
	for _, e := range r.received() {
		out = append(out, e["type"].(string))
	}
	return out
}

type harness struct {
	t     *testing.T
	sim   *stripesim.Simulator
	url   string
	clock *clock
	hooks *receiver
}

func newHarness(t *testing.T, configure ...func(*stripesim.Config)) *harness {
	t.Helper()
	h := &harness{t: t, clock: &clock{now: time.Now()}, hooks: &receiver{}}
	hooks := httptest.NewServer(h.hooks)
	t.Cleanup(hooks.Close)
	api := httptest.NewUnstartedServer(nil)
	h.url = "http://" + api.Listener.Addr().String()
	cfg := stripesim.Config{
		SecretKey: apiKey, ShopURL: "https://shop.example", PublicURL: h.url, WebhookURL: hooks.URL + "/webhooks/receive", WebhookSecret: secret, Clock: h.clock,
		RetryInitial: 20 * time.Millisecond, RetryMax: 80 * time.Millisecond, RetryFor: 5 * time.Second,
		RedirectWait: 5 * time.Second,
	}
	for _, c := range configure {
		c(&cfg)
	}
	sim, err := stripesim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.sim = sim
	api.Config.Handler = sim
	api.Start()
	t.Cleanup(func() {
		api.Close()
		if err := sim.Close(); err != nil {
			t.Error(err)
		}
	})
	return h
}

// call makes an API request with the simulation's key and returns the
// status and the decoded JSON answer.
func (h *harness) call(method, path string, form url.Values, idempotencyKey string) (int, map[string]any, http.Header) {
	h.t.Helper()
	return h.callAs("Bearer "+apiKey, method, path, form, idempotencyKey)
}

// callAs is call with another Authorization header ("" for none).
func (h *harness) callAs(auth, method, path string, form url.Values, idempotencyKey string) (int, map[string]any, http.Header) {
	h.t.Helper()
	var body io.Reader
	if method == http.MethodGet {
		if len(form) > 0 {
			path += "?" + form.Encode()
		}
	} else {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, h.url+path, body)
	if err != nil {
		h.t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if method != http.MethodGet {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if idempotencyKey != "" {
		req.Header.Set("Idempotency-Key", idempotencyKey)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		h.t.Fatalf("%s %s: answer is not JSON: %v", method, path, err)
	}
	return resp.StatusCode, out, resp.Header
}

func sessionForm(h *harness, ref string) url.Values {
	return url.Values{
		"mode":                                                 {"payment"},
		"line_items[0][price_data][currency]":                  {"usd"},
		"line_items[0][price_data][unit_amount]":               {"2000"},
		"line_items[0][price_data][product_data][name]":        {"Gold upgrade"},
		"line_items[0][price_data][product_data][description]": {"Upgrade #1 to Gold"},
		"line_items[0][quantity]":                              {"1"},
		"client_reference_id":                                  {ref},
		"metadata[user_upgrade_id]":                            {"1"},
		"payment_intent_data[metadata][user_upgrade_id]":       {"1"},
		"customer_email":                                       {"buyer@example.com"},
		"success_url":                                          {"https://shop.example/user_upgrades/1?session_id={CHECKOUT_SESSION_ID}"},
		"cancel_url":                                           {"https://shop.example/user_upgrades/new"},
		"expires_at":                                           {itoa(h.clock.Now().Add(time.Hour).Unix())},
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// createSession creates a session and returns it.
func (h *harness) createSession() map[string]any {
	h.t.Helper()
	status, s, _ := h.call("POST", "/v1/checkout/sessions", sessionForm(h, "user_upgrade_1"), "")
	if status != http.StatusOK {
		h.t.Fatalf("create: %d %v", status, s)
	}
	return s
}

func (h *harness) session(id string) map[string]any {
	h.t.Helper()
	status, s, _ := h.call("GET", "/v1/checkout/sessions/"+id, url.Values{"expand[]": {"payment_intent"}}, "")
	if status != http.StatusOK {
		h.t.Fatalf("retrieve: %d %v", status, s)
	}
	return s
}

var browser = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// press submits a button of the hosted page and returns the answer.
func (h *harness) press(path, outcome string) *http.Response {
	h.t.Helper()
	resp, err := browser.PostForm(h.url+path, url.Values{"outcome": {outcome}})
	if err != nil {
		h.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func errorOf(t *testing.T, body map[string]any) map[string]any {
	t.Helper()
	e, ok := body["error"].(map[string]any)
	if !ok {
		t.Fatalf("not a Stripe error: %v", body)
	}
	return e
}
