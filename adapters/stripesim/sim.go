// Package stripesim is a stateful simulation of the parts of Stripe the
// shop uses: Checkout Sessions, PaymentIntents, charges and refunds behind
// Stripe's API paths and JSON shapes, a hosted checkout page whose buttons
// pay, pay with a delayed method, or cancel, and signed webhooks delivered
// with retries. The real Stripe adapter talks to it over HTTP, so demos and
// tests exercise the same code that talks to Stripe.
package stripesim

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Clock tells the simulation's time: object timestamps and checkout expiry.
type Clock interface{ Now() time.Time }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// Defaults of Config.
const (
	DefaultRetryInitial = 500 * time.Millisecond
	DefaultRetryMax     = time.Minute
	DefaultRetryFor     = time.Hour
	DefaultRedirectWait = 5 * time.Second
)

// Config is how the simulation is reached and where it sends webhooks.
type Config struct {
	// SecretKey is the only API key the simulation accepts (a test secret
	// key, sk_test_…): like Stripe, it serves one account, whose events,
	// payments and refunds no one else may see or touch.
	SecretKey string
	// ShopURL is the shop's public URL (BASE_URL): a checkout session's
	// success_url and cancel_url must be pages under it.
	ShopURL string
	// PublicURL is where browsers reach the simulation (the hosted pages
	// are PublicURL/pay/{session}), e.g. BASE_URL/_stripe.
	PublicURL string
	// WebhookURL receives the events, signed with WebhookSecret (the first
	// of the shop's configured secrets, as Stripe signs with the newest).
	WebhookURL    string
	WebhookSecret string
	// DropWebhooks records events without delivering them, for tests of
	// what happens when webhooks never arrive.
	DropWebhooks bool

	// A failed delivery (transport error or non-2xx) is retried after
	// RetryInitial, doubling up to RetryMax, until RetryFor has passed
	// since the first attempt.
	RetryInitial, RetryMax, RetryFor time.Duration
	// RedirectWait is how long a payment waits for the webhook's first
	// answer before sending the browser to the success URL; negative
	// means not at all.
	RedirectWait time.Duration

	Clock      Clock
	HTTPClient *http.Client // for deliveries; default has a 10s timeout
	Logger     *slog.Logger
}

// Simulator is the simulated Stripe, an http.Handler. Its state is in
// memory and safe for concurrent use; Shutdown stops its deliveries.
type Simulator struct {
	cfg  Config
	shop shopURL
	mux  *http.ServeMux

	mu       sync.Mutex
	sessions map[string]*session
	intents  map[string]*paymentIntent
	charges  map[string]*charge
	refunds  map[string]*refund
	events   []*eventRecord
	idem     map[string]*idempotentResult

	stop     context.Context
	cancel   context.CancelFunc
	delivery sync.WaitGroup
}

// New builds a simulation from cfg.
func New(cfg Config) (*Simulator, error) {
	if rest, ok := strings.CutPrefix(cfg.SecretKey, "sk_test_"); !ok || rest == "" {
		return nil, errors.New("stripesim: a secret key is required, and it must be a test secret key (sk_test_…)")
	}
	if err := absoluteURL(cfg.PublicURL); err != nil {
		return nil, errors.New("stripesim: the public URL " + err.Error())
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	shop, err := parseShopURL(cfg.ShopURL)
	if err != nil {
		return nil, errors.New("stripesim: the shop URL " + err.Error())
	}
	if !cfg.DropWebhooks {
		if err := absoluteURL(cfg.WebhookURL); err != nil {
			return nil, errors.New("stripesim: the webhook URL " + err.Error())
		}
		if cfg.WebhookSecret == "" {
			return nil, errors.New("stripesim: a webhook signing secret is required")
		}
	}
	if cfg.RetryInitial <= 0 {
		cfg.RetryInitial = DefaultRetryInitial
	}
	if cfg.RetryMax <= 0 {
		cfg.RetryMax = DefaultRetryMax
	}
	if cfg.RetryFor <= 0 {
		cfg.RetryFor = DefaultRetryFor
	}
	if cfg.RedirectWait == 0 {
		cfg.RedirectWait = DefaultRedirectWait
	}
	if cfg.Clock == nil {
		cfg.Clock = systemClock{}
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Simulator{
		cfg:      cfg,
		shop:     shop,
		sessions: map[string]*session{},
		intents:  map[string]*paymentIntent{},
		charges:  map[string]*charge{},
		refunds:  map[string]*refund{},
		idem:     map[string]*idempotentResult{},
	}
	cop, err := crossOriginProtection(cfg.PublicURL)
	if err != nil {
		return nil, errors.New("stripesim: the public URL: " + err.Error())
	}
	s.stop, s.cancel = context.WithCancel(context.Background())
	s.routes(cop)
	return s, nil
}

func absoluteURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("must be an absolute http(s) URL")
	}
	return nil
}

func (s *Simulator) routes(cop *http.CrossOriginProtection) {
	m := http.NewServeMux()
	m.HandleFunc("POST /v1/checkout/sessions", s.api(s.createSession))
	m.HandleFunc("GET /v1/checkout/sessions/{id}", s.api(s.retrieveSession))
	m.HandleFunc("POST /v1/checkout/sessions/{id}/expire", s.api(s.expireSession))
	m.HandleFunc("GET /v1/payment_intents/{id}", s.api(s.retrieveIntent))
	m.HandleFunc("POST /v1/refunds", s.api(s.createRefund))
	m.HandleFunc("GET /v1/events", s.api(s.listEvents))
	m.HandleFunc("GET /v1/events/{id}", s.api(s.retrieveEvent))
	m.HandleFunc("/v1/", s.api(s.unknownPath))
	m.Handle("GET /pay/{id}", s.page(cop, s.showPage))
	m.Handle("POST /pay/{id}", s.page(cop, s.pay))
	m.Handle("POST /pay/{id}/settle", s.page(cop, s.settle))
	m.Handle("POST /pay/{id}/promotion", s.page(cop, s.applyPromotion))
	m.Handle("GET /receipts/{id}", s.page(cop, s.showReceipt))
	s.mux = m
}

func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Shutdown stops delivering webhooks and waits, until ctx ends, for the
// deliveries under way to notice. Events emitted afterwards are recorded
// but not delivered.
func (s *Simulator) Shutdown(ctx context.Context) error {
	// Under the lock, so that no delivery starts once this returns.
	s.mu.Lock()
	s.cancel()
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		s.delivery.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close is Shutdown without a deadline.
func (s *Simulator) Close() error { return s.Shutdown(context.Background()) }

func (s *Simulator) now() time.Time { return s.cfg.Clock.Now() }
