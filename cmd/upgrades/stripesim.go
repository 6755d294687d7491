package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"upgrades/adapters/stripesim"
	"upgrades/cmd/upgrades/server"
)

const stripeSimUsage = "stripe-sim [flags]: run the simulated Stripe on its own (LISTEN_ADDR, STRIPE_SIM_PUBLIC_URL, STRIPE_SIM_WEBHOOK_URL, STRIPE_WEBHOOK_SECRET)"

// stripeSim serves the simulated Stripe as its own server, for tests that
// need Stripe in another process: point the shop's STRIPE_API_BASE at it
// (with any sk_test_ key) and it sends webhooks to STRIPE_SIM_WEBHOOK_URL.
func stripeSim(ctx context.Context, args []string) error {
	cfg, listen, err := stripeSimConfig(args, os.Getenv)
	if err != nil {
		return err
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
	fmt.Printf("simulated Stripe on %s (pages at %s/pay/…), webhooks to %s\n", ln.Addr(), cfg.PublicURL, cfg.WebhookURL)
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
		publicURL  = str("public-url", "STRIPE_SIM_PUBLIC_URL", "", "public URL of the simulation (its pay pages); default http://localhost:<port>")
		webhookURL = str("webhook-url", "STRIPE_SIM_WEBHOOK_URL", "http://localhost:3000/webhooks/receive", "where webhooks are sent")
		secrets    = str("stripe-webhook-secret", "STRIPE_WEBHOOK_SECRET", "", "webhook signing secrets, comma-separated; the first signs")
		drop       = fs.Bool("drop-webhooks", getenv("STRIPE_SIM_DROP_WEBHOOKS") == "true", "record events without delivering them (STRIPE_SIM_DROP_WEBHOOKS)")
		retryFor   = str("retry-for", "STRIPE_SIM_RETRY_FOR", "1h", "how long a failing webhook is retried")
	)
	if err := fs.Parse(args); err != nil {
		return stripesim.Config{}, "", err
	}
	if _, _, err := net.SplitHostPort(*listen); err != nil {
		return stripesim.Config{}, "", fmt.Errorf("LISTEN_ADDR %q is not host:port", *listen)
	}
	// An empty public URL is filled in once the port is known.
	cfg := stripesim.Config{PublicURL: strings.TrimRight(*publicURL, "/"), WebhookURL: *webhookURL, DropWebhooks: *drop}
	secret, _, _ := strings.Cut(*secrets, ",")
	cfg.WebhookSecret = strings.TrimSpace(secret)
	if cfg.WebhookSecret == "" && !cfg.DropWebhooks {
		return cfg, "", errors.New("STRIPE_WEBHOOK_SECRET is required: the simulated Stripe signs its webhooks with it")
	}
	var err error
	if cfg.RetryFor, err = time.ParseDuration(*retryFor); err != nil || cfg.RetryFor <= 0 {
		return cfg, "", fmt.Errorf("STRIPE_SIM_RETRY_FOR must be a duration such as 1h, not %q", *retryFor)
	}
	return cfg, *listen, nil
}
