// Package server builds the upgrades server from its configuration: which
// adapters serve which ports, as one fx graph. main and the tests share it.
package server

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"upgrades/application"
	"upgrades/domain"
)

// Config is everything the server is configured with.
type Config struct {
	ListenAddr           string
	DatabaseURL          string // empty: the in-memory store
	StripeSecretKey      string // empty: the simulated Stripe
	StripeWebhookSecrets []string
	StripeAPIBase        string
	SessionSecret        string
	TrustedProxies       []string
	ReconcileInterval    time.Duration // 0 disables the reconciler loop
	App                  application.Config
}

// Simulated reports whether the server runs against its own simulated Stripe.
func (c Config) Simulated() bool { return c.StripeSecretKey == "" }

// Memory reports whether the server keeps its data in memory.
func (c Config) Memory() bool { return c.DatabaseURL == "" }

// demoWebhookSecret signs the simulated Stripe's webhooks in the demo.
const demoWebhookSecret = "whsec_simulated_stripe_demo_secret"

// Load reads the configuration from the environment; flags override it.
// The error is one line that says what is wrong.
func Load(args []string, getenv func(string) string) (Config, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	str := func(name, env, def, usage string) *string {
		v := getenv(env)
		if v == "" {
			v = def
		}
		return fs.String(name, v, usage+" ("+env+")")
	}
	var (
		listen     = str("listen-addr", "LISTEN_ADDR", ":3000", "address to listen on")
		baseURL    = str("base-url", "BASE_URL", "", "public URL of the server")
		dbURL      = str("database-url", "DATABASE_URL", "", "PostgreSQL URL; empty keeps data in memory")
		stripeKey  = str("stripe-secret-key", "STRIPE_SECRET_KEY", "", "Stripe secret key; empty uses the simulated Stripe")
		whSecrets  = str("stripe-webhook-secret", "STRIPE_WEBHOOK_SECRET", "", "webhook signing secrets, comma-separated")
		apiBase    = str("stripe-api-base", "STRIPE_API_BASE", "", "Stripe API base URL")
		sessSecret = str("session-secret", "SESSION_SECRET", "", "secret that signs session cookies (32+ characters)")
		enabled    = str("upgrades-enabled", "UPGRADES_ENABLED", "true", "whether upgrades can be bought")
		currency   = str("price-currency", "PRICE_CURRENCY", "usd", "currency of the prices")
		gold       = str("price-gold", "PRICE_GOLD", "2000", "price of gold, in cents")
		platinum   = str("price-platinum", "PRICE_PLATINUM", "4000", "price of platinum, in cents")
		g2p        = str("price-gold-to-platinum", "PRICE_GOLD_TO_PLATINUM", "2000", "price of gold to platinum, in cents")
		ttl        = str("checkout-ttl", "CHECKOUT_TTL", "1h", "how long a checkout page stays open")
		recEvery   = str("reconcile-interval", "RECONCILE_INTERVAL", "1m", "how often the reconciler runs; 0 disables it")
		recAfter   = str("reconcile-after", "RECONCILE_AFTER", "5m", "how long an upgrade stays open before the reconciler checks it")
		autoRefund = str("auto-refund", "AUTO_REFUND", "true", "whether redundant payments are refunded automatically")
		maxOpen    = str("max-open-checkouts", "MAX_OPEN_CHECKOUTS", "5", "checkouts one buyer may have open at once; 0 for no limit")
		proxies    = str("trusted-proxies", "TRUSTED_PROXIES", "", "comma-separated proxy addresses whose X-Forwarded-For is trusted")
	)
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	c := Config{
		ListenAddr: *listen, DatabaseURL: *dbURL, StripeSecretKey: *stripeKey,
		StripeWebhookSecrets: splitList(*whSecrets), StripeAPIBase: strings.TrimRight(*apiBase, "/"),
		SessionSecret: *sessSecret, TrustedProxies: splitList(*proxies),
		App: application.DefaultConfig(),
	}
	var err error
	if _, _, err := net.SplitHostPort(c.ListenAddr); err != nil {
		return c, fmt.Errorf("LISTEN_ADDR %q is not host:port", c.ListenAddr)
	}
	c.App.BaseURL = strings.TrimRight(*baseURL, "/")
	if c.App.BaseURL == "" {
		c.App.BaseURL = "http://" + localHost(c.ListenAddr)
	}
	if c.App.Enabled, err = strconv.ParseBool(*enabled); err != nil {
		return c, fmt.Errorf("UPGRADES_ENABLED must be true or false, not %q", *enabled)
	}
	if c.App.AutoRefund, err = strconv.ParseBool(*autoRefund); err != nil {
		return c, fmt.Errorf("AUTO_REFUND must be true or false, not %q", *autoRefund)
	}
	if n, err := strconv.Atoi(*maxOpen); err != nil || n < 0 {
		return c, fmt.Errorf("MAX_OPEN_CHECKOUTS must be a number of checkouts (0 for no limit), not %q", *maxOpen)
	} else {
		c.App.MaxOpenCheckouts = n
	}
	prices := map[string]int64{}
	for name, v := range map[string]string{"PRICE_GOLD": *gold, "PRICE_PLATINUM": *platinum, "PRICE_GOLD_TO_PLATINUM": *g2p} {
		if prices[name], err = strconv.ParseInt(v, 10, 64); err != nil || prices[name] <= 0 {
			return c, fmt.Errorf("%s must be a positive number of cents, not %q", name, v)
		}
	}
	if c.App.Prices, err = domain.NewPrices(*currency, prices["PRICE_GOLD"], prices["PRICE_PLATINUM"], prices["PRICE_GOLD_TO_PLATINUM"]); err != nil {
		return c, fmt.Errorf("prices: %v", domain.MessageOf(err))
	}
	for _, d := range []struct {
		env string
		in  string
		out *time.Duration
	}{{"CHECKOUT_TTL", *ttl, &c.App.CheckoutTTL}, {"RECONCILE_INTERVAL", *recEvery, &c.ReconcileInterval}, {"RECONCILE_AFTER", *recAfter, &c.App.ReconcileAfter}} {
		if *d.out, err = time.ParseDuration(d.in); err != nil || *d.out < 0 {
			return c, fmt.Errorf("%s must be a duration such as 5m, not %q", d.env, d.in)
		}
	}
	if c.ReconcileInterval > 0 {
		// A replica's claim lasts two runs, so that what a killed replica
		// claimed is taken up soon, and never less than a slow Stripe
		// call, so that a live replica's claim is not taken from it.
		c.App.ReconcileLease = max(2*c.ReconcileInterval, 10*time.Second)
	}
	c.App.Livemode = strings.HasPrefix(c.StripeSecretKey, "sk_live_") || strings.HasPrefix(c.StripeSecretKey, "rk_live_")
	if c.Simulated() && len(c.StripeWebhookSecrets) == 0 {
		c.StripeWebhookSecrets = []string{demoWebhookSecret}
	}
	if len(c.StripeWebhookSecrets) == 0 {
		return c, errors.New("STRIPE_WEBHOOK_SECRET is required with STRIPE_SECRET_KEY: webhooks are never accepted unverified")
	}
	for _, s := range c.StripeWebhookSecrets {
		if !strings.HasPrefix(s, "whsec_") {
			return c, errors.New("STRIPE_WEBHOOK_SECRET must hold secrets that start with whsec_")
		}
	}
	if c.SessionSecret == "" && c.Memory() && c.Simulated() {
		c.SessionSecret = "demo-session-secret-not-for-production-use"
	}
	if err := c.App.Validate(); err != nil {
		return c, err
	}
	return c, nil
}

// CheckWeb reports the first error of what only the web server uses: the
// operator commands sign no cookies and do without a session secret.
func (c Config) CheckWeb() error {
	if len(c.SessionSecret) < 32 {
		return errors.New("SESSION_SECRET must be at least 32 characters")
	}
	return nil
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
