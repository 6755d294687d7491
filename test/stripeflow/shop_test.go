// Package stripeflow runs the shop's payment flows end to end on the
// in-memory store: the use cases, the real Stripe adapter talking over
// HTTP to the simulated Stripe, and the simulated Stripe's signed webhooks
// verified by the same verifier that verifies Stripe's.
package stripeflow

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	stripego "github.com/stripe/stripe-go/v76"

	webhttp "upgrades/adapters/http"
	"upgrades/adapters/memory"
	stripeadapter "upgrades/adapters/stripe"
	"upgrades/adapters/stripesim"
	"upgrades/application"
	"upgrades/cmd/upgrades/server"
	"upgrades/domain"
)

const (
	webhookSecret  = "whsec_flow_current"
	previousSecret = "whsec_flow_previous"
	bodyLimit      = 64 << 10

	// stripeKey is the simulated Stripe's own key, the only one it accepts.
	stripeKey = "sk_test_flow"
)

// shop is the application wired to the simulated Stripe, served like the
// real server: the simulation under /_stripe and the webhook endpoint.
type shop struct {
	t     *testing.T
	url   string
	db    *memory.DB
	clock *memory.Clock
	app   *application.App
	gw    *stripeadapter.Gateway
	sim   *stripesim.Simulator

	alice, bob, owner *domain.User

	held atomic.Pointer[chan struct{}] // while set, webhooks wait for it to close
}

func newShop(t *testing.T, configure ...func(*stripesim.Config)) *shop {
	t.Helper()
	return newShopWith(t, func(*application.Config) {}, configure...)
}

// newShopWith is newShop with the shop's configuration changed by app.
func newShopWith(t *testing.T, app func(*application.Config), configure ...func(*stripesim.Config)) *shop {
	t.Helper()
	s := &shop{t: t, db: memory.NewDB(), clock: memory.NewClock(time.Now())}
	srv := httptest.NewUnstartedServer(nil)
	s.url = "http://" + srv.Listener.Addr().String()

	simCfg := stripesim.Config{
		SecretKey: stripeKey, ShopURL: s.url, PublicURL: s.url + "/_stripe", WebhookURL: s.url + "/webhooks/receive", WebhookSecret: webhookSecret,
		Clock: s.clock, RetryInitial: 50 * time.Millisecond, RetryMax: 200 * time.Millisecond, RetryFor: 20 * time.Second,
	}
	for _, c := range configure {
		c(&simCfg)
	}
	sim, err := stripesim.New(simCfg)
	if err != nil {
		t.Fatal(err)
	}
	s.sim = sim
	s.gw = newGateway(t, s.url+"/_stripe", nil)
	verifier, err := stripeadapter.NewVerifier([]string{webhookSecret, previousSecret})
	if err != nil {
		t.Fatal(err)
	}
	cfg := application.DefaultConfig()
	cfg.BaseURL = s.url
	cfg.Installation = "stripeflow"
	app(&cfg)
	s.app = application.New(application.Deps{
		UoW: s.db, Gateway: s.gw, Verifier: verifier, Clock: s.clock, Tokens: &memory.Tokens{},
		Passwords: memory.Passwords{}, Config: cfg,
		Throttles: memory.NewThrottles(),
	})

	mux := http.NewServeMux()
	mux.Handle("/_stripe/", http.StripPrefix("/_stripe", sim))
	// Webhooks reach the server's own web edge, so what it refuses (a bad
	// signature, a body over the limit) is what the server refuses.
	web, err := webhttp.NewRouter(webhttp.Deps{
		App: s.app, DB: s.db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Clock: s.clock,
		Config: webhttp.Config{BaseURL: s.url, SessionSecret: "stripeflow-session-secret-0123456789", WebhookBodyLimit: bodyLimit, WebhookConcurrency: 8,
			SessionTTL: server.Defaults().SessionTTL, BodyLimit: server.Defaults().BodyLimit},
	})
	if err != nil {
		t.Fatal(err)
	}
	mux.HandleFunc("POST /webhooks/receive", func(w http.ResponseWriter, r *http.Request) {
		if held := s.held.Load(); held != nil {
			<-*held
		}
		web.ServeHTTP(w, r)
	})
	srv.Config.Handler = mux
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		if err := sim.Close(); err != nil {
			t.Error(err)
		}
	})

	s.alice = s.user("alice", "alice@example.com", domain.LevelMember)
	s.bob = s.user("bob", "", domain.LevelMember)
	s.owner = s.user("owner", "", domain.LevelOwner)
	return s
}

// holdWebhooks makes webhooks wait at the endpoint until release is called.
func (s *shop) holdWebhooks() (release func()) {
	ch := make(chan struct{})
	s.held.Store(&ch)
	var once sync.Once
	release = func() {
		once.Do(func() {
			s.held.Store(nil)
			close(ch)
		})
	}
	s.t.Cleanup(release)
	return release
}

func newGateway(t *testing.T, base string, transport http.RoundTripper) *stripeadapter.Gateway {
	t.Helper()
	gw, err := stripeadapter.New(stripeadapter.Config{
		SecretKey: stripeKey, APIBase: base, Timeout: 10 * time.Second,
		MaxNetworkRetries: stripego.Int64(1), Transport: transport,
	})
	if err != nil {
		t.Fatal(err)
	}
	return gw
}

func (s *shop) user(name, email string, level domain.Level) *domain.User {
	s.t.Helper()
	u, err := s.app.CreateUser.Handle(context.Background(), application.CreateUser{Name: name, Password: "password-" + name, Email: email, Level: level})
	if err != nil {
		s.t.Fatal(err)
	}
	return u
}

// start has the purchaser start an upgrade for recipient (0: themselves).
func (s *shop) start(purchaser *domain.User, recipient domain.UserID, typ string) *domain.Upgrade {
	s.t.Helper()
	started, err := s.app.StartUpgrade.Handle(context.Background(), application.StartUpgrade{PurchaserID: purchaser.ID(), RecipientID: recipient, Type: typ})
	if err != nil {
		s.t.Fatalf("start: %v", err)
	}
	up := started.Upgrade
	if !strings.HasPrefix(up.CheckoutURL(), s.url+"/_stripe/pay/cs_test_") || up.SessionID() == "" {
		s.t.Fatalf("checkout %q session %q", up.CheckoutURL(), up.SessionID())
	}
	return up
}

var browser = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// press submits a button of the hosted checkout page; it returns where
// the browser is sent.
func (s *shop) press(pageURL, outcome string) string {
	s.t.Helper()
	resp, err := browser.PostForm(pageURL, url.Values{"outcome": {outcome}})
	if err != nil {
		s.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		s.t.Fatalf("%s %s: status %d", pageURL, outcome, resp.StatusCode)
	}
	return resp.Header.Get("Location")
}

func (s *shop) upgrade(id domain.UpgradeID) *domain.Upgrade {
	s.t.Helper()
	var up *domain.Upgrade
	err := s.db.Do(context.Background(), func(ctx context.Context, st application.Store) (err error) {
		up, err = st.Upgrades.ByID(ctx, id, true)
		return err
	})
	if err != nil {
		s.t.Fatal(err)
	}
	return up
}

func (s *shop) level(u *domain.User) domain.Level {
	s.t.Helper()
	var l domain.Level
	err := s.db.Do(context.Background(), func(ctx context.Context, st application.Store) error {
		got, err := st.Users.ByID(ctx, u.ID())
		if err == nil {
			l = got.Level()
		}
		return err
	})
	if err != nil {
		s.t.Fatal(err)
	}
	return l
}

func (s *shop) messages(u *domain.User) []string {
	s.t.Helper()
	msgs, err := s.app.ReadMessages.Handle(context.Background(), application.ReadMessages{UserID: u.ID()})
	if err != nil {
		s.t.Fatal(err)
	}
	var out []string
	for _, m := range msgs {
		out = append(out, m.Body)
	}
	return out
}

func (s *shop) wantStatus(id domain.UpgradeID, want domain.Status) *domain.Upgrade {
	s.t.Helper()
	up := s.upgrade(id)
	if up.Status() != want {
		s.t.Fatalf("upgrade #%d is %s, want %s; history:\n%s", id, up.Status(), want, history(up))
	}
	return up
}

// eventuallyStatus waits for a webhook still being delivered.
func (s *shop) eventuallyStatus(id domain.UpgradeID, want domain.Status) *domain.Upgrade {
	s.t.Helper()
	eventually(s.t, "upgrade is "+want.String(), func() bool { return s.upgrade(id).Status() == want })
	return s.upgrade(id)
}

// delivered waits until every event of the simulation has been delivered
// (or has given up) and returns them.
func (s *shop) delivered() []stripesim.EventInfo {
	s.t.Helper()
	eventually(s.t, "every webhook is delivered", func() bool {
		for _, e := range s.sim.Events() {
			if e.State == stripesim.DeliveryPending {
				return false
			}
		}
		return true
	})
	return s.sim.Events()
}

func (s *shop) outcome(eventID string) string {
	s.t.Helper()
	o, _, ok := s.db.EventOutcome(eventID)
	if !ok {
		s.t.Fatalf("event %s was not recorded", eventID)
	}
	return o
}

func history(up *domain.Upgrade) string {
	var b strings.Builder
	for _, h := range up.History() {
		b.WriteString("  " + h.From.String() + " -> " + h.To.String() + " " + h.Event.String() + " " + h.Outcome.String() + " (" + h.Cause + ") " + h.Note + "\n")
	}
	return b.String()
}

// authorized makes an API call to the simulated Stripe as another client
// of the account would.
func authorized(endpoint string, form url.Values) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+stripeKey)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	return resp, err
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
