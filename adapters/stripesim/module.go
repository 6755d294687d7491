package stripesim

import (
	"log/slog"
	"net/http"

	"go.uber.org/fx"
)

// Module provides the simulated Stripe configured by cfg as an http.Handler
// named "stripesim", for the server to mount; it logs through the graph's
// logger and stops its webhook deliveries when the app stops.
func Module(cfg Config) fx.Option {
	return fx.Module("stripesim",
		fx.Supply(cfg),
		fx.Provide(newHandler),
	)
}

type handler struct {
	fx.Out
	Handler http.Handler `name:"stripesim"`
}

func newHandler(lc fx.Lifecycle, l *slog.Logger, cfg Config) (handler, error) {
	cfg.Logger = l.With("component", "stripesim")
	sim, err := New(cfg)
	if err != nil {
		return handler{}, err
	}
	lc.Append(fx.Hook{OnStop: sim.Shutdown})
	return handler{Handler: sim}, nil
}
