// Package http is the web edge of the shop: Gin pages, the JSON API and
// the Stripe webhook endpoint.
package http

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"go.uber.org/fx"
)

// Pinger reports whether the database answers, for /readyz.
type Pinger interface {
	Ping(ctx context.Context) error
}

// ListenConfig is where the server listens, and how long it drains.
type ListenConfig struct {
	Addr string
	// DrainDelay is how long, once told to stop, the server keeps serving
	// while /readyz answers 503, before it stops taking connections.
	DrainDelay time.Duration
}

// Drain is whether the server is shutting down. The zero value, and nil,
// is not draining.
type Drain struct{ draining atomic.Bool }

func NewDrain() *Drain { return &Drain{} }

// Draining reports whether the server has begun to shut down.
func (d *Drain) Draining() bool { return d != nil && d.draining.Load() }

// Start marks the server as shutting down.
func (d *Drain) Start() { d.draining.Store(true) }

// Listener is the server's bound listener, known once it has started.
type Listener struct{ net.Listener }

// Serve binds addr synchronously (so a taken port fails the start) and
// serves h in the background until the fx app stops.
//
// On stop it drains first: /readyz answers 503 for cfg.DrainDelay while
// every request is still served, so that a load balancer takes the server
// out of rotation before it stops listening; then it shuts down, letting
// the requests in flight finish.
func Serve(lc fx.Lifecycle, cfg ListenConfig, h http.Handler, drain *Drain, log *slog.Logger) *Listener {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	l := &Listener{}
	lc.Append(fx.Hook{
		OnStart: func(ctx context.Context) error {
			ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", cfg.Addr)
			if err != nil {
				return err
			}
			l.Listener = ln
			log.Info("listening", "addr", ln.Addr().String())
			go func() {
				if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
					log.Error("server stopped", "err", err)
				}
			}()
			return nil
		},
		OnStop: func(ctx context.Context) error {
			drain.Start()
			log.Info("draining: /readyz answers 503", "drain_delay", cfg.DrainDelay.String())
			select {
			case <-time.After(cfg.DrainDelay):
			case <-ctx.Done():
			}
			log.Info("shutting down")
			return srv.Shutdown(ctx)
		},
	})
	return l
}
