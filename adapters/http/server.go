// Package http is the web edge of the shop: Gin pages, the JSON API and
// the Stripe webhook endpoint.
package http

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"go.uber.org/fx"
)

// Pinger reports whether the database answers, for /readyz.
type Pinger interface {
	Ping(ctx context.Context) error
}

// ListenConfig is where the server listens.
type ListenConfig struct {
	Addr string
}

// Listener is the server's bound listener, known once it has started.
type Listener struct{ net.Listener }

// Serve binds addr synchronously (so a taken port fails the start) and
// serves h in the background until the fx app stops.
func Serve(lc fx.Lifecycle, cfg ListenConfig, h http.Handler, log *slog.Logger) *Listener {
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
		OnStop: func(ctx context.Context) error { return srv.Shutdown(ctx) },
	})
	return l
}
