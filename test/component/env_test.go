// Package component tests the whole server — the fx graph of
// cmd/upgrades/server on the in-memory store — through real HTTP.
package component

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"golang.org/x/crypto/bcrypt"

	"upgrades/adapters/memory"
	"upgrades/adapters/secure"
	"upgrades/application"
	"upgrades/cmd/upgrades/server"
	"upgrades/domain"
	"upgrades/test/proc"
)

// env is one server: its own graph, store and listener.
type env struct {
	t    *testing.T
	base string
	app  *application.App
	db   *memory.DB
	gw   *gateway
	logs *proc.Buffer
}

// start builds the server's web graph from a fixed environment (plus
// extra), serves it on a loopback port and stops it when the test ends.
func start(t *testing.T, extra map[string]string, opts ...fx.Option) *env {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	vars := map[string]string{
		"BASE_URL":           base,
		"LISTEN_ADDR":        "127.0.0.1:0",
		"SESSION_SECRET":     "component-test-session-secret-0123456789",
		"RECONCILE_INTERVAL": "0",
	}
	for k, v := range extra {
		vars[k] = v
	}
	cfg, err := server.Load(nil, func(k string) string { return vars[k] })
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	e := &env{t: t, base: base, gw: &gateway{}, logs: &proc.Buffer{}}
	logger := slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var h http.Handler
	app := fxtest.New(t,
		server.Web(cfg, logger),
		// The lowest bcrypt cost keeps the tests quick and the hashing real.
		fx.Decorate(func(application.PasswordHasher) application.PasswordHasher {
			return secure.Bcrypt{Cost: bcrypt.MinCost}
		}),
		fx.Decorate(func(g application.PaymentGateway) application.PaymentGateway { e.gw.inner = g; return e.gw }),
		fx.Options(opts...),
		fx.Populate(&h, &e.app),
		// The memory store, for the tests that look into it; none on PostgreSQL.
		fx.Invoke(func(in struct {
			fx.In
			DB *memory.DB `optional:"true"`
		}) {
			e.db = in.DB
		}),
	)
	app.RequireStart()
	t.Cleanup(app.RequireStop)
	srv.Config.Handler = h
	srv.Start()
	t.Cleanup(srv.Close)
	e.base = srv.URL
	return e
}

// account is a user made for a test.
type account struct {
	ID       domain.UserID
	Name     string
	Password string
	Key      string
}

func (e *env) user(name string, level domain.Level) account {
	e.t.Helper()
	u, err := e.app.CreateUser.Handle(context.Background(), application.CreateUser{
		Name: name, Password: "password-" + name, Email: name + "@example.com", Level: level,
	})
	if err != nil {
		e.t.Fatalf("creating %s: %v", name, err)
	}
	return account{ID: u.ID(), Name: u.Name(), Password: "password-" + name, Key: u.APIKey()}
}

func (e *env) ban(name string) {
	e.t.Helper()
	if _, err := e.app.Ban.Handle(context.Background(), application.Ban{By: application.CommandLine, Name: name}); err != nil {
		e.t.Fatal(err)
	}
}

// pay applies a paid checkout to upgrade id, as Stripe's webhook would.
func (e *env) pay(id int64) {
	e.t.Helper()
	e.applyCheckout(id, domain.EventCheckoutPaid, "checkout.session.completed")
}

func (e *env) applyCheckout(id int64, kind domain.EventKind, typ string) {
	e.t.Helper()
	ctx := context.Background()
	var up *domain.Upgrade
	err := e.db.Do(ctx, func(ctx context.Context, s application.Store) (err error) {
		up, err = s.Upgrades.ByID(ctx, domain.UpgradeID(id), false)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	_, err = e.app.ApplyEvent.Handle(ctx, application.PaymentEvent{Payment: domain.Payment{Kind: kind, UpgradeID: up.ID(), SessionID: up.SessionID(), PaymentIntentID: "pi_test_" + up.SessionID(), Amount: up.Price().Amount(), Currency: up.Price().Currency()}, ID: fmt.Sprintf("evt_test_%d_%s", id, kind), Type: typ, Source: "test"})
	if err != nil {
		e.t.Fatal(err)
	}
}

// client is an HTTP client that keeps cookies and does not follow
// redirects, so that tests see them.
type client struct {
	e      *env
	hc     *http.Client
	basic  [2]string // name and API key for HTTP Basic
	header http.Header
}

// browser is an anonymous browser: same-origin headers on every request.
func (e *env) browser() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, hc: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}, header: http.Header{"Origin": {e.base}, "Sec-Fetch-Site": {"same-origin"}}}
}

// loggedIn is a browser after logging in as a.
func (e *env) loggedIn(a account) *client {
	e.t.Helper()
	c := e.browser()
	r := c.form("POST", "/session", url.Values{"name": {a.Name}, "password": {a.Password}})
	r.status(http.StatusSeeOther)
	return c
}

// api is an API client using a's key.
func (e *env) api(a account) *client {
	c := e.browser()
	c.header = http.Header{}
	c.basic = [2]string{a.Name, a.Key}
	return c
}

type response struct {
	t      *testing.T
	Status int
	Header http.Header
	Body   string
	req    string
}

func (c *client) do(method, path string, body io.Reader, header http.Header) *response {
	c.e.t.Helper()
	req, err := http.NewRequest(method, c.e.base+path, body)
	if err != nil {
		c.e.t.Fatal(err)
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if c.basic[0] != "" {
		req.SetBasicAuth(c.basic[0], c.basic[1])
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.e.t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	// Every JSON answer must be what the API's description says.
	if err := checkAgainstSpec(method, req.URL.String(), req.Header, res.StatusCode, res.Header, b); err != nil {
		c.e.t.Errorf("%s %s: the answer does not match openapi.json: %v\nbody: %s", method, path, err, b)
	}
	return &response{t: c.e.t, Status: res.StatusCode, Header: res.Header, Body: string(b), req: method + " " + path}
}

func (c *client) get(path string) *response { return c.do("GET", path, nil, nil) }

func (c *client) form(method, path string, v url.Values) *response {
	return c.do(method, path, strings.NewReader(v.Encode()), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
}

func (c *client) json(method, path string, v any) *response {
	c.e.t.Helper()
	var body io.Reader
	if v != nil {
		b, err := json.Marshal(v)
		if err != nil {
			c.e.t.Fatal(err)
		}
		body = bytes.NewReader(b)
	}
	return c.do(method, path, body, http.Header{"Content-Type": {"application/json"}})
}

func (r *response) status(want int) *response {
	r.t.Helper()
	if r.Status != want {
		r.t.Fatalf("%s: status %d, want %d; body:\n%s", r.req, r.Status, want, r.Body)
	}
	return r
}

func (r *response) contains(parts ...string) *response {
	r.t.Helper()
	for _, p := range parts {
		if !strings.Contains(r.Body, p) {
			r.t.Fatalf("%s: the body lacks %q:\n%s", r.req, p, r.Body)
		}
	}
	return r
}

func (r *response) lacks(parts ...string) *response {
	r.t.Helper()
	for _, p := range parts {
		if strings.Contains(r.Body, p) {
			r.t.Fatalf("%s: the body has %q:\n%s", r.req, p, r.Body)
		}
	}
	return r
}

func (r *response) location(want string) *response {
	r.t.Helper()
	if got := r.Header.Get("Location"); got != want {
		r.t.Fatalf("%s: Location %q, want %q", r.req, got, want)
	}
	return r
}

// decode reads a JSON body into v; it also checks the content type.
func (r *response) decode(v any) {
	r.t.Helper()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		r.t.Fatalf("%s: Content-Type %q, want JSON; body:\n%s", r.req, ct, r.Body)
	}
	if err := json.Unmarshal([]byte(r.Body), v); err != nil {
		r.t.Fatalf("%s: %v in %s", r.req, err, r.Body)
	}
}

// object reads a JSON object.
func (r *response) object() map[string]any {
	r.t.Helper()
	var m map[string]any
	r.decode(&m)
	return m
}

// apiError checks a JSON error's status, code and message.
func (r *response) apiError(status int, code string) *response {
	r.t.Helper()
	r.status(status)
	var e errorBody
	r.decode(&e)
	if e.Error != code || e.Message == "" {
		r.t.Fatalf("%s: error %+v, want code %q with a message", r.req, e, code)
	}
	return r
}

type errorBody struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

// upgrade is the JSON of an upgrade.
type upgrade struct {
	ID                int64  `json:"id"`
	PurchaserID       int64  `json:"purchaser_id"`
	RecipientID       int64  `json:"recipient_id"`
	PurchaserName     string `json:"purchaser_name"`
	RecipientName     string `json:"recipient_name"`
	UpgradeType       string `json:"upgrade_type"`
	Status            string `json:"status"`
	IsGifted          bool   `json:"is_gifted"`
	Amount            int64  `json:"amount"`
	Currency          string `json:"currency"`
	CheckoutSessionID string `json:"checkout_session_id"`
	CheckoutURL       string `json:"checkout_url"`
	CanRefund         bool   `json:"can_refund"`
	CreatedAt         string `json:"created_at"`
	UpdatedAt         string `json:"updated_at"`
	History           []struct {
		At, From, To, Event, Outcome, Cause, Note string
	} `json:"history"`
}

// buy starts an upgrade through the JSON API and returns it.
func (c *client) buy(typ string, recipient domain.UserID) upgrade {
	c.e.t.Helper()
	body := map[string]any{"upgrade_type": typ}
	if recipient != 0 {
		body["user_id"] = recipient
	}
	var u upgrade
	c.json("POST", "/user_upgrades.json", body).status(http.StatusCreated).decode(&u)
	return u
}

// gateway wraps the graph's payment gateway so that a test can make it
// fail or panic, or say how a checkout ended.
type gateway struct {
	inner application.PaymentGateway

	mu     sync.Mutex
	err    error
	panics bool
	states map[string]application.CheckoutState
	// receipts are the receipt URLs of payments whose charge succeeded.
	receipts map[string]string
}

var _ application.PaymentGateway = (*gateway)(nil)

func (g *gateway) failWith(err error) { g.mu.Lock(); g.err = err; g.mu.Unlock() }
func (g *gateway) panicNext()         { g.mu.Lock(); g.panics = true; g.mu.Unlock() }

// finish makes the provider report a checkout session in state s.
func (g *gateway) finish(s application.CheckoutState) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.states == nil {
		g.states = map[string]application.CheckoutState{}
	}
	g.states[s.Payment.SessionID] = s
}

func (g *gateway) trouble() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.panics {
		g.panics = false
		panic("the payment gateway exploded")
	}
	return g.err
}

func (g *gateway) CreateCheckout(ctx context.Context, r application.CheckoutRequest) (application.Checkout, error) {
	if err := g.trouble(); err != nil {
		return application.Checkout{}, err
	}
	return g.inner.CreateCheckout(ctx, r)
}

func (g *gateway) RetrieveCheckout(ctx context.Context, id string) (application.CheckoutState, error) {
	if err := g.trouble(); err != nil {
		return application.CheckoutState{}, err
	}
	g.mu.Lock()
	s, ok := g.states[id]
	g.mu.Unlock()
	if ok {
		return s, nil
	}
	return g.inner.RetrieveCheckout(ctx, id)
}

func (g *gateway) ExpireCheckout(ctx context.Context, id string) (application.CheckoutState, error) {
	if err := g.trouble(); err != nil {
		return application.CheckoutState{}, err
	}
	return g.inner.ExpireCheckout(ctx, id)
}

// Refund is answered here: the tests' payments are applied at the
// application level, so the provider has no charge to refund.
func (g *gateway) Refund(_ context.Context, r application.RefundRequest) (application.Refund, error) {
	if err := g.trouble(); err != nil {
		return application.Refund{}, err
	}
	return application.Refund{ID: "re_" + r.PaymentIntentID, Status: "succeeded"}, nil
}

// ReceiptURL is answered here too, from the receipts a test set.
func (g *gateway) ReceiptURL(_ context.Context, paymentIntentID string) (string, error) {
	if err := g.trouble(); err != nil {
		return "", err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.receipts[paymentIntentID], nil
}

// receipt makes the provider report a succeeded charge with a receipt.
func (g *gateway) receipt(paymentIntentID, url string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.receipts == nil {
		g.receipts = map[string]string{}
	}
	g.receipts[paymentIntentID] = url
}

// timeOf reads a JSON time, which must be RFC 3339 in UTC.
func timeOf(v any) (time.Time, error) {
	s, _ := v.(string)
	if !strings.HasSuffix(s, "Z") {
		return time.Time{}, fmt.Errorf("%q is not in UTC", s)
	}
	return time.Parse(time.RFC3339, s)
}
