// Package server builds the upgrades server from its configuration: which
// adapters serve which ports, as one fx graph. main and the tests share it.
package server

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	httpadapter "upgrades/adapters/http"
	"upgrades/application"
)

// Mode is which of SPEC section 7's three ways the server runs.
type Mode int

const (
	// ModeDemo keeps data in memory, mounts the simulated Stripe at
	// /_stripe and seeds the demo users.
	ModeDemo Mode = iota
	// ModeStaging is PostgreSQL with the simulated Stripe, asked for with
	// STRIPE_SIMULATED=true; no demo users.
	ModeStaging
	// ModeLive is PostgreSQL and Stripe (STRIPE_SECRET_KEY): never a demo
	// user, never the simulated Stripe.
	ModeLive
)

func (m Mode) String() string {
	return [...]string{"demo", "staging", "live"}[m]
}

// Config is everything the server is configured with.
type Config struct {
	Mode                 Mode
	ListenAddr           string
	MetricsAddr          string // empty: no metrics
	DatabaseURL          string // empty: the in-memory store
	StripeSecretKey      string // empty: the simulated Stripe
	StripeWebhookSecrets []string
	StripeAPIBase        string
	// StripeSimulated is STRIPE_SIMULATED: the operator's explicit yes to
	// running on PostgreSQL with the simulated Stripe.
	StripeSimulated bool
	// SimulatedKey is the secret key of the simulated Stripe, made for
	// this process: the simulation accepts it and the Stripe adapter sends
	// it. Empty in live mode.
	SimulatedKey     string
	SessionSecret    string
	SessionTTL       time.Duration
	BodyLimit        int64
	WebhookBodyLimit int64
	// WebhookConcurrency is WEBHOOK_CONCURRENCY: webhooks handled at once.
	WebhookConcurrency int
	TrustedProxies     []string
	CountryHeader      string               // where a trusted proxy names the buyer's country
	Content            *httpadapter.Content // CONTENT_FILE read and checked; nil: the built-in one
	ReconcileInterval  time.Duration        // 0 disables the reconciler loop
	DrainDelay         time.Duration        // how long /readyz says 503 before the server stops
	LogLevel           string
	LogFormat          string
	SlowQuery          time.Duration // 0: slow queries are not logged
	App                application.Config
}

// SaleOver reports whether a configured sale ended before now: no error,
// the list prices apply, and the server says so when it starts.
func (c Config) SaleOver(now time.Time) bool {
	s := c.App.Prices.Sale()
	return !s.IsZero() && !s.Running(now)
}

// Simulated reports whether the server runs against its own simulated Stripe.
func (c Config) Simulated() bool { return c.StripeSecretKey == "" }

// Memory reports whether the server keeps its data in memory.
func (c Config) Memory() bool { return c.DatabaseURL == "" }

// Describe is the mode in words, for the first line of the log.
func (c Config) Describe() string {
	switch c.Mode {
	case ModeLive:
		to := "Stripe"
		if c.StripeAPIBase != "" {
			to = c.StripeAPIBase
		}
		kind := "test"
		if c.App.Livemode {
			kind = "live"
		}
		return fmt.Sprintf("live mode: PostgreSQL, payments through %s with a %s key; no demo users, no simulated Stripe", to, kind)
	case ModeStaging:
		return "staging mode: PostgreSQL with the simulated Stripe at " + c.App.BaseURL + "/_stripe (STRIPE_SIMULATED=true); no demo users"
	default:
		return "demo mode: data in memory (lost on exit), simulated Stripe at " + c.App.BaseURL + "/_stripe, demo users seeded"
	}
}

// Load reads the configuration from the environment, through getenv, and
// the flags in args, which override it. The error is one line that says
// what is wrong.
func Load(args []string, getenv func(string) string) (Config, error) {
	var f Flags
	p, err := NewParser(&f, getenv)
	if err != nil {
		return Config{}, err
	}
	if _, err := p.Parse(args); err != nil {
		return Config{}, err
	}
	return f.Config()
}

// Config checks the flags and makes the configuration of them. Secrets
// not given are made here, at random, for this process only: the demo and
// staging never run on a secret written in the code.
func (f Flags) Config() (Config, error) {
	d := Defaults()
	c := Config{
		ListenAddr: f.ListenAddr, DatabaseURL: f.DatabaseURL, StripeSecretKey: f.StripeSecretKey,
		StripeWebhookSecrets: splitList(f.StripeWebhookSecret), StripeAPIBase: strings.TrimRight(f.StripeAPIBase, "/"),
		SessionSecret: f.SessionSecret, TrustedProxies: splitList(f.TrustedProxies),
		SessionTTL: d.SessionTTL, BodyLimit: d.BodyLimit, WebhookBodyLimit: d.WebhookBodyLimit,
		App: d.App,
	}
	var err error
	if _, _, err := net.SplitHostPort(c.ListenAddr); err != nil {
		return c, fmt.Errorf("LISTEN_ADDR %q is not host:port", c.ListenAddr)
	}
	if c.MetricsAddr, err = checkMetricsAddr(f.MetricsAddr, c.ListenAddr); err != nil {
		return c, err
	}
	if c.LogLevel, c.LogFormat, err = checkLogging(f.Logging); err != nil {
		return c, err
	}
	if c.SlowQuery, err = parseSlowQuery(f.SlowQuery); err != nil {
		return c, err
	}
	c.App.BaseURL = strings.TrimRight(f.BaseURL, "/")
	if c.App.BaseURL == "" {
		c.App.BaseURL = "http://" + localHost(c.ListenAddr)
	}
	if c.App.Enabled, err = strconv.ParseBool(f.UpgradesEnabled); err != nil {
		return c, fmt.Errorf("UPGRADES_ENABLED must be true or false, not %q", f.UpgradesEnabled)
	}
	if c.StripeSimulated, err = strconv.ParseBool(f.StripeSimulated); err != nil {
		return c, fmt.Errorf("STRIPE_SIMULATED must be true or false, not %q", f.StripeSimulated)
	}
	if c.App.AutoRefund, err = strconv.ParseBool(f.AutoRefund); err != nil {
		return c, fmt.Errorf("AUTO_REFUND must be true or false, not %q", f.AutoRefund)
	}
	if c.WebhookConcurrency, err = strconv.Atoi(f.WebhookConcurrency); err != nil || c.WebhookConcurrency < 1 || c.WebhookConcurrency > maxWebhookConcurrency {
		return c, fmt.Errorf("WEBHOOK_CONCURRENCY must be a number from 1 to %d, not %q", maxWebhookConcurrency, f.WebhookConcurrency)
	}
	if c.App.MaxOpenCheckouts, err = strconv.Atoi(f.MaxOpenCheckouts); err != nil || c.App.MaxOpenCheckouts < 0 {
		return c, fmt.Errorf("MAX_OPEN_CHECKOUTS must be a number of checkouts (0 for no limit), not %q", f.MaxOpenCheckouts)
	}
	if err := legacyPrices(f); err != nil {
		return c, err
	}
	if c.App.Prices, err = parsePrices(f.Prices); err != nil {
		return c, err
	}
	if c.App.Prices, err = sale(f, c.App.Prices); err != nil {
		return c, err
	}
	if err := checkMinimums(c.App.Prices); err != nil {
		return c, err
	}
	if c.App.AllowPromotionCodes, err = strconv.ParseBool(f.AllowPromotionCodes); err != nil {
		return c, fmt.Errorf("ALLOW_PROMOTION_CODES must be true or false, not %q", f.AllowPromotionCodes)
	}
	c.CountryHeader = strings.TrimSpace(f.CountryHeader)
	if path := strings.TrimSpace(f.ContentFile); path != "" {
		content, err := httpadapter.ReadContentFile(path)
		if err != nil {
			return c, err
		}
		c.Content = &content
	}
	for _, d := range []struct {
		env string
		in  string
		out *time.Duration
	}{{"CHECKOUT_TTL", f.CheckoutTTL, &c.App.CheckoutTTL}, {"RECONCILE_INTERVAL", f.ReconcileInterval, &c.ReconcileInterval}, {"RECONCILE_AFTER", f.ReconcileAfter, &c.App.ReconcileAfter}, {"DRAIN_DELAY", f.DrainDelay, &c.DrainDelay}} {
		if *d.out, err = time.ParseDuration(d.in); err != nil || *d.out < 0 {
			return c, fmt.Errorf("%s must be a duration such as 5m, not %q", d.env, d.in)
		}
	}
	if c.DrainDelay > maxDrainDelay {
		return c, fmt.Errorf("DRAIN_DELAY must be at most %s, not %s", maxDrainDelay, c.DrainDelay)
	}
	// A replica holds the upgrades it claimed for two intervals, so those
	// of a replica that died are checked again a run or two later rather
	// than after a fixed time, and a long interval is not undercut by a
	// short lease. A run stops at its lease (startReconciler), so two
	// replicas never check one upgrade at once; the floor leaves a run under
	// load, or waiting on Stripe, the time to finish. The one-off `upgrades
	// reconcile` (no loop) keeps the use cases' default.
	if c.ReconcileInterval > 0 {
		c.App.ReconcileLease = max(2*c.ReconcileInterval, minReconcileLease)
	}
	c.App.Livemode = strings.HasPrefix(c.StripeSecretKey, "sk_live_") || strings.HasPrefix(c.StripeSecretKey, "rk_live_")

	switch {
	case !c.Simulated():
		c.Mode = ModeLive
		if c.StripeSimulated {
			return c, errors.New("STRIPE_SIMULATED=true and STRIPE_SECRET_KEY are both set: the simulated Stripe never stands in for a real key")
		}
	case !c.Memory():
		c.Mode = ModeStaging
	default:
		c.Mode = ModeDemo
	}
	if c.Simulated() {
		if len(c.StripeWebhookSecrets) == 0 {
			c.StripeWebhookSecrets = []string{"whsec_" + randomHex()}
		}
		c.SimulatedKey = "sk_test_sim_" + randomHex()
		if c.SessionSecret == "" {
			c.SessionSecret = randomHex()
		}
	}
	for _, s := range c.StripeWebhookSecrets {
		if !strings.HasPrefix(s, "whsec_") {
			return c, errors.New("STRIPE_WEBHOOK_SECRET must hold secrets that start with whsec_")
		}
	}
	if err := c.App.Validate(); err != nil {
		return c, err
	}
	return c, nil
}

// CheckServe reports what keeps the web server from starting in its mode:
// live needs the database and both secrets given, not made up; staging
// must be asked for; and the session secret must be long enough.
func (c Config) CheckServe() error {
	switch c.Mode {
	case ModeLive:
		var missing []string
		if c.Memory() {
			missing = append(missing, "DATABASE_URL")
		}
		if c.SessionSecret == "" {
			missing = append(missing, "SESSION_SECRET")
		}
		if len(c.StripeWebhookSecrets) == 0 {
			missing = append(missing, "STRIPE_WEBHOOK_SECRET")
		}
		if len(missing) > 0 {
			return fmt.Errorf("STRIPE_SECRET_KEY is set, so the server runs live, and live needs %s", strings.Join(missing, ", "))
		}
	case ModeStaging:
		if !c.StripeSimulated {
			return errors.New("DATABASE_URL is set without STRIPE_SECRET_KEY: set STRIPE_SECRET_KEY to run live, or STRIPE_SIMULATED=true to run on the simulated Stripe (staging)")
		}
	}
	if len(c.SessionSecret) < 32 {
		return errors.New("SESSION_SECRET must be at least 32 characters")
	}
	return nil
}

// CheckStripe reports what keeps a command that asks Stripe from running.
func (c Config) CheckStripe() error {
	if c.Simulated() {
		return errors.New("STRIPE_SECRET_KEY is not set: this command asks Stripe (or STRIPE_API_BASE) about each open upgrade")
	}
	if len(c.StripeWebhookSecrets) == 0 {
		return errors.New("STRIPE_WEBHOOK_SECRET is required with STRIPE_SECRET_KEY: webhooks are never accepted unverified")
	}
	return nil
}

// checkMetricsAddr reads METRICS_ADDR: empty, or a host:port whose port
// is not the public listener's (on one port they would be one listener).
func checkMetricsAddr(addr, listen string) (string, error) {
	if addr == "" {
		return "", nil
	}
	_, port, err := net.SplitHostPort(addr)
	if n, perr := strconv.ParseUint(port, 10, 16); err != nil || perr != nil || (n == 0 && port != "0") {
		return "", fmt.Errorf("METRICS_ADDR %q is not host:port", addr)
	}
	if _, listenPort, _ := net.SplitHostPort(listen); port == listenPort && port != "0" {
		return "", fmt.Errorf("METRICS_ADDR %q has the port of LISTEN_ADDR: the metrics need a listener of their own", addr)
	}
	return addr, nil
}

// randomHex is 32 random bytes in hex: a secret nobody else knows.
func randomHex() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand panics rather than return short)
	return hex.EncodeToString(b)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func localHost(addr string) string {
	host, port, _ := net.SplitHostPort(addr)
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// parseSlowQuery reads SLOW_QUERY: a duration, 0 for off.
func parseSlowQuery(s string) (time.Duration, error) {
	if s == "" || s == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("SLOW_QUERY must be a duration such as 200ms, or 0 for off, not %q", s)
	}
	return d, nil
}
