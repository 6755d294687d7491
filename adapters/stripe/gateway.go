// Package stripe is the payment provider adapter: Stripe Checkout and
// refunds through stripe-go, and the verification of Stripe's webhooks.
//
// Every Gateway owns its own stripe-go client and backends, so nothing here
// reads or writes stripe-go's package-level key or backends: two gateways
// (Stripe and the simulated Stripe in tests) can live in one process.
package stripe

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	stripego "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"

	"upgrades/application"
)

// Defaults of a Gateway's Config.
const (
	DefaultTimeout           = 15 * time.Second
	DefaultMaxNetworkRetries = 2
)

// Config is how a Gateway reaches Stripe.
type Config struct {
	SecretKey string
	// APIBase sends the API calls to a Stripe-compatible server (stripe-mock,
	// the simulated Stripe); empty means Stripe itself.
	APIBase string
	// Timeout bounds each HTTP attempt; zero means DefaultTimeout.
	Timeout time.Duration
	// MaxNetworkRetries is how often stripe-go retries a request that failed
	// in a way Stripe marks as safe to retry (same idempotency key); nil
	// means DefaultMaxNetworkRetries.
	MaxNetworkRetries *int64
	// Transport replaces the HTTP transport, for tests that watch the wire.
	Transport http.RoundTripper
	Logger    *slog.Logger
	Observer  Observer // nil: calls are not observed
}

// Gateway is application.PaymentGateway on Stripe Checkout.
type Gateway struct {
	api      *client.API
	logger   *slog.Logger
	observer Observer
}

var _ application.PaymentGateway = (*Gateway)(nil)

// New builds a gateway with its own stripe-go client.
func New(cfg Config) (*Gateway, error) {
	if cfg.SecretKey == "" {
		return nil, errors.New("stripe: a secret key is required")
	}
	if cfg.APIBase != "" {
		u, err := url.Parse(cfg.APIBase)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, errors.New("stripe: the API base must be an absolute http(s) URL")
		}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	retries := int64(DefaultMaxNetworkRetries)
	if cfg.MaxNetworkRetries != nil {
		retries = *cfg.MaxNetworkRetries
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	httpClient := &http.Client{Timeout: cfg.Timeout, Transport: cfg.Transport}
	backend := func(t stripego.SupportedBackend, base string) stripego.Backend {
		c := &stripego.BackendConfig{
			HTTPClient:        httpClient,
			MaxNetworkRetries: stripego.Int64(retries),
			LeveledLogger:     leveledLogger{logger},
		}
		if base != "" {
			c.URL = stripego.String(strings.TrimRight(base, "/"))
		}
		return stripego.GetBackendWithConfig(t, c)
	}
	backends := &stripego.Backends{
		API: backend(stripego.APIBackend, cfg.APIBase),
		// Connect and uploads are never called; they get their own
		// backends so that the global ones are never created or used.
		Connect: backend(stripego.ConnectBackend, ""),
		Uploads: backend(stripego.UploadsBackend, ""),
	}
	return &Gateway{api: client.New(cfg.SecretKey, backends), logger: logger, observer: cfg.Observer}, nil
}
