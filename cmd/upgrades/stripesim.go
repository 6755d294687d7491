package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"upgrades/adapters/stripesim"
	"upgrades/cmd/upgrades/server"
)

// stripeSimCmd serves the simulated Stripe as its own server, for tests
// that need Stripe in another process: point the shop's STRIPE_API_BASE at
// it, with its secret key, and it sends webhooks to STRIPE_SIM_WEBHOOK_URL.
type stripeSimCmd struct {
	ListenAddr     string `name:"listen-addr" envvar:"LISTEN_ADDR" default:":12111" placeholder:"HOST:PORT" help:"Address to listen on."`
	SecretKey      string `name:"secret-key" envvar:"STRIPE_SIM_SECRET_KEY" placeholder:"KEY" help:"The only API key it accepts (sk_test_…); random and printed when empty."`
	ShopURL        string `name:"shop-url" envvar:"STRIPE_SIM_SHOP_URL" placeholder:"URL" help:"The shop's BASE_URL: checkout sessions may return buyers only to pages under it; default the webhook URL's origin."`
	PublicURL      string `name:"public-url" envvar:"STRIPE_SIM_PUBLIC_URL" placeholder:"URL" help:"Public URL of the simulation (its pay pages); default http://localhost:<port>."`
	WebhookURL     string `name:"webhook-url" envvar:"STRIPE_SIM_WEBHOOK_URL" default:"http://localhost:3000/webhooks/receive" placeholder:"URL" help:"Where webhooks are sent."`
	WebhookSecrets string `name:"stripe-webhook-secret" envvar:"STRIPE_WEBHOOK_SECRET" placeholder:"WHSEC,..." help:"Webhook signing secrets, comma-separated; the first signs."`
	DropWebhooks   bool   `name:"drop-webhooks" envvar:"STRIPE_SIM_DROP_WEBHOOKS" help:"Record events without delivering them."`
	RetryFor       string `name:"retry-for" envvar:"STRIPE_SIM_RETRY_FOR" default:"${sim_retry_for}" placeholder:"DURATION" help:"How long a failing webhook is retried."`
	RetryInitial   string `name:"retry-initial" envvar:"STRIPE_SIM_RETRY_INITIAL" default:"${sim_retry_initial}" placeholder:"DURATION" help:"Wait before the first retry of a failed webhook; it doubles each time."`
	RetryMax       string `name:"retry-max" envvar:"STRIPE_SIM_RETRY_MAX" default:"${sim_retry_max}" placeholder:"DURATION" help:"Longest wait between two retries of a webhook."`
	RedirectWait   string `name:"redirect-wait" envvar:"STRIPE_SIM_REDIRECT_WAIT" default:"${sim_redirect_wait}" placeholder:"DURATION" help:"How long a payment waits for the webhook's answer before redirecting; 0: not at all."`
	server.Logging `embed:""`
}

func (c *stripeSimCmd) Run(ctx context.Context, e env) error {
	cfg, err := c.config()
	if err != nil {
		return err
	}
	generated := cfg.SecretKey == ""
	if generated {
		cfg.SecretKey = "sk_test_" + rand.Text()
	}
	ln, err := net.Listen("tcp", c.ListenAddr)
	if err != nil {
		return err
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://" + localAddr(ln.Addr().(*net.TCPAddr))
	}
	logger, err := server.NewLogger(e.stderr, c.Logging)
	if err != nil {
		ln.Close()
		return err
	}
	cfg.Logger = logger.With("component", "stripesim")
	sim, err := stripesim.New(cfg)
	if err != nil {
		ln.Close()
		return err
	}
	srv := &http.Server{
		Handler:           sim,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		// A payment waits for the shop's webhook before it redirects.
		WriteTimeout: 30 * time.Second,
		IdleTimeout:  2 * time.Minute,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if generated {
		// Printed, not logged: the key is what a shop needs to reach it.
		fmt.Fprintf(e.stdout, "its secret key (STRIPE_SIM_SECRET_KEY was not set): %s\n", cfg.SecretKey)
	}
	fmt.Fprintf(e.stdout, "simulated Stripe on %s (pages at %s/pay/…), webhooks to %s\n", ln.Addr(), cfg.PublicURL, cfg.WebhookURL)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	stop, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = srv.Shutdown(stop)
	if serr := sim.Shutdown(stop); err == nil {
		err = serr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// localAddr is how a browser on this machine reaches a listener.
func localAddr(a *net.TCPAddr) string {
	host := a.IP.String()
	if a.IP.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, fmt.Sprint(a.Port))
}

// config checks the flags and makes the simulation's configuration; an
// empty public URL is filled in once the port is known.
func (c *stripeSimCmd) config() (stripesim.Config, error) {
	if _, _, err := net.SplitHostPort(c.ListenAddr); err != nil {
		return stripesim.Config{}, fmt.Errorf("LISTEN_ADDR %q is not host:port", c.ListenAddr)
	}
	// An empty key is made up once the configuration is known good.
	cfg := stripesim.Config{SecretKey: c.SecretKey, ShopURL: c.ShopURL, PublicURL: strings.TrimRight(c.PublicURL, "/"), WebhookURL: c.WebhookURL, DropWebhooks: c.DropWebhooks}
	if cfg.ShopURL == "" {
		// The shop receives the webhooks, so it lives where they go.
		u, err := url.Parse(cfg.WebhookURL)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return cfg, fmt.Errorf("STRIPE_SIM_SHOP_URL is required when STRIPE_SIM_WEBHOOK_URL (%q) names no shop", cfg.WebhookURL)
		}
		cfg.ShopURL = u.Scheme + "://" + u.Host
	}
	if rest, ok := strings.CutPrefix(cfg.SecretKey, "sk_test_"); cfg.SecretKey != "" && (!ok || rest == "") {
		return cfg, errors.New("STRIPE_SIM_SECRET_KEY must be a test secret key (sk_test_…)")
	}
	secret, _, _ := strings.Cut(c.WebhookSecrets, ",")
	cfg.WebhookSecret = strings.TrimSpace(secret)
	if cfg.WebhookSecret == "" && !cfg.DropWebhooks {
		return cfg, errors.New("STRIPE_WEBHOOK_SECRET is required: the simulated Stripe signs its webhooks with it")
	}
	for _, d := range []struct {
		env, in string
		out     *time.Duration
	}{
		{"STRIPE_SIM_RETRY_FOR", c.RetryFor, &cfg.RetryFor},
		{"STRIPE_SIM_RETRY_INITIAL", c.RetryInitial, &cfg.RetryInitial},
		{"STRIPE_SIM_RETRY_MAX", c.RetryMax, &cfg.RetryMax},
	} {
		v, err := time.ParseDuration(d.in)
		if err != nil || v <= 0 {
			return cfg, fmt.Errorf("%s must be a positive duration such as 1h or 200ms, not %q", d.env, d.in)
		}
		*d.out = v
	}
	if cfg.RetryMax < cfg.RetryInitial {
		return cfg, errors.New("STRIPE_SIM_RETRY_MAX must not be shorter than STRIPE_SIM_RETRY_INITIAL")
	}
	wait, err := time.ParseDuration(c.RedirectWait)
	if err != nil {
		return cfg, fmt.Errorf("STRIPE_SIM_REDIRECT_WAIT must be a duration such as 5s, not %q", c.RedirectWait)
	}
	// The simulation reads a zero wait as "the default"; zero asked for
	// here means no wait at all.
	cfg.RedirectWait = wait
	if wait == 0 {
		cfg.RedirectWait = -1
	}
	return cfg, nil
}
