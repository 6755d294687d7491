package metrics

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"go.uber.org/fx"

	"upgrades/application"
)

// Module provides *Metrics and serves GET /metrics on addr, its own
// listener: what the metrics tell (volumes, errors, the backlog) is for the
// operator, not for the shop's visitors.
func Module(addr string) fx.Option {
	return fx.Module("metrics",
		fx.Provide(newMetrics),
		fx.Invoke(func(lc fx.Lifecycle, m *Metrics, l *slog.Logger) { Serve(lc, addr, m, l) }),
	)
}

type metricsIn struct {
	fx.In
	UoW    application.UnitOfWork
	DB     *sql.DB `optional:"true"` // the PostgreSQL pool, when there is one
	Logger *slog.Logger
}

func newMetrics(in metricsIn) *Metrics { return New(in.UoW, in.DB, in.Logger) }

// Serve binds addr when the app starts (a taken or bad address fails the
// start) and serves /metrics there until it stops.
func Serve(lc fx.Lifecycle, addr string, m *Metrics, log *slog.Logger) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		WriteTimeout:      30 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	lc.Append(fx.Hook{
		OnStart: func(ctx context.Context) error {
			ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
			if err != nil {
				return err
			}
			log.Info("metrics listening", "addr", ln.Addr().String())
			go func() {
				if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
					log.Error("metrics server stopped", "err", err)
				}
			}()
			return nil
		},
		OnStop: func(ctx context.Context) error { return srv.Shutdown(ctx) },
	})
}
