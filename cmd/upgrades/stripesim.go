package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"upgrades/adapters/stripesim"
	"upgrades/cmd/upgrades/server"
)

const stripeSimUsage = "stripe-sim [flags]: run the simulated Stripe on its own (LISTEN_ADDR, STRIPE_SIM_SECRET_KEY, STRIPE_SIM_SHOP_URL, STRIPE_SIM_PUBLIC_URL, STRIPE_SIM_WEBHOOK_URL, STRIPE_WEBHOOK_SECRET, STRIPE_SIM_DROP_WEBHOOKS, STRIPE_SIM_RETRY_INITIAL|MAX|FOR, STRIPE_SIM_REDIRECT_WAIT)"

// stripeSim serves the simulated Stripe as its own server, for tests that
// need Stripe in another process: point the shop's STRIPE_API_BASE at it
// (with its key, STRIPE_SIM_SECRET_KEY) and it sends webhooks to
// STRIPE_SIM_WEBHOOK_URL.
func stripeSim(ctx context.Context, args []string) error {
	return runStripeSim(ctx, args, os.Getenv, os.Stdout)
}

// runStripeSim is stripe-sim with its environment and its output given.
func runStripeSim(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	cfg, listen, err := stripeSimConfig(args, getenv)
	if err != nil {
		return err
	}
	generated := cfg.SecretKey == ""
	if generated {
		cfg.SecretKey = "sk_test_" + rand.Text()
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://" + localAddr(ln.Addr().(*net.TCPAddr))
	}
	cfg.Logger = server.NewLogger().With("component", "stripesim")
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
		fmt.Fprintf(out, "its secret key (STRIPE_SIM_SECRET_KEY was not set): %s\n", cfg.SecretKey)
	}
	fmt.Fprintf(out, "simulated Stripe on %s (pages at %s/pay/…), webhooks to %s\n", ln.Addr(), cfg.PublicURL, cfg.WebhookURL)
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

func stripeSimConfig(args []string, getenv func(string) string) (stripesim.Config, string, error) {
	fs := flag.NewFlagSet("stripe-sim", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	str := func(name, env, def, usage string) *string {
		v := getenv(env)
		if v == "" {
			v = def
		}
		return fs.String(name, v, usage+" ("+env+")")
	}
	var (
		listen     = str("listen-addr", "LISTEN_ADDR", ":12111", "address to listen on")
		key        = str("secret-key", "STRIPE_SIM_SECRET_KEY", "", "the only API key it accepts (sk_test_…); random and printed when unset")
		shopURL    = str("shop-url", "STRIPE_SIM_SHOP_URL", "", "the shop's BASE_URL: checkout sessions may return buyers only to pages under it; default the webhook URL's origin")
		publicURL  = str("public-url", "STRIPE_SIM_PUBLIC_URL", "", "public URL of the simulation (its pay pages); default http://localhost:<port>")
		webhookURL = str("webhook-url", "STRIPE_SIM_WEBHOOK_URL", "http://localhost:3000/webhooks/receive", "where webhooks are sent")
		secrets    = str("stripe-webhook-secret", "STRIPE_WEBHOOK_SECRET", "", "webhook signing secrets, comma-separated; the first signs")
		drop       = fs.Bool("drop-webhooks", getenv("STRIPE_SIM_DROP_WEBHOOKS") == "true", "record events without delivering them (STRIPE_SIM_DROP_WEBHOOKS)")
		retryFor   = str("retry-for", "STRIPE_SIM_RETRY_FOR", "1h", "how long a failing webhook is retried")
		retryFirst = str("retry-initial", "STRIPE_SIM_RETRY_INITIAL", stripesim.DefaultRetryInitial.String(), "wait before the first retry of a failed webhook; it doubles each time")
		retryMax   = str("retry-max", "STRIPE_SIM_RETRY_MAX", stripesim.DefaultRetryMax.String(), "longest wait between two retries of a webhook")
		redirect   = str("redirect-wait", "STRIPE_SIM_REDIRECT_WAIT", stripesim.DefaultRedirectWait.String(), "how long a payment waits for the webhook's answer before redirecting; 0: not at all")
	)
	if err := fs.Parse(args); err != nil {
		return stripesim.Config{}, "", err
	}
	if _, _, err := net.SplitHostPort(*listen); err != nil {
		return stripesim.Config{}, "", fmt.Errorf("LISTEN_ADDR %q is not host:port", *listen)
	}
	// An empty public URL is filled in once the port is known.
	// An empty key is made up once the configuration is known good.
	cfg := stripesim.Config{SecretKey: *key, ShopURL: *shopURL, PublicURL: strings.TrimRight(*publicURL, "/"), WebhookURL: *webhookURL, DropWebhooks: *drop}
	if cfg.ShopURL == "" {
		// The shop receives the webhooks, so it lives where they go.
		u, err := url.Parse(cfg.WebhookURL)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return cfg, "", fmt.Errorf("STRIPE_SIM_SHOP_URL is required when STRIPE_SIM_WEBHOOK_URL (%q) names no shop", cfg.WebhookURL)
		}
		cfg.ShopURL = u.Scheme + "://" + u.Host
	}
	if rest, ok := strings.CutPrefix(cfg.SecretKey, "sk_test_"); cfg.SecretKey != "" && (!ok || rest == "") {
		return cfg, "", errors.New("STRIPE_SIM_SECRET_KEY must be a test secret key (sk_test_…)")
	}
	secret, _, _ := strings.Cut(*secrets, ",")
	cfg.WebhookSecret = strings.TrimSpace(secret)
	if cfg.WebhookSecret == "" && !cfg.DropWebhooks {
		return cfg, "", errors.New("STRIPE_WEBHOOK_SECRET is required: the simulated Stripe signs its webhooks with it")
	}
	for _, d := range []struct {
		env, in string
		out     *time.Duration
	}{
		{"STRIPE_SIM_RETRY_FOR", *retryFor, &cfg.RetryFor},
		{"STRIPE_SIM_RETRY_INITIAL", *retryFirst, &cfg.RetryInitial},
		{"STRIPE_SIM_RETRY_MAX", *retryMax, &cfg.RetryMax},
	} {
		v, err := time.ParseDuration(d.in)
		if err != nil || v <= 0 {
			return cfg, "", fmt.Errorf("%s must be a positive duration such as 1h or 200ms, not %q", d.env, d.in)
		}
		*d.out = v
	}
	if cfg.RetryMax < cfg.RetryInitial {
		return cfg, "", errors.New("STRIPE_SIM_RETRY_MAX must not be shorter than STRIPE_SIM_RETRY_INITIAL")
	}
	wait, err := time.ParseDuration(*redirect)
	if err != nil {
		return cfg, "", fmt.Errorf("STRIPE_SIM_REDIRECT_WAIT must be a duration such as 5s, not %q", *redirect)
	}
	// The simulation reads a zero wait as "the default"; zero asked for
	// here means no wait at all.
	cfg.RedirectWait = wait
	if wait == 0 {
		cfg.RedirectWait = -1
	}
	return cfg, *listen, nil
}
