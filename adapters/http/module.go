package http

import (
	"log/slog"
	"net/http"
	"time"

	"go.uber.org/fx"

	"upgrades/application"
)

// Module provides the web edge configured by cfg as an http.Handler named
// "shop": the router over the application, with the database's readiness
// (a Pinger the store's wiring provides).
func Module(cfg Config) fx.Option {
	return fx.Module("http",
		fx.Supply(cfg),
		fx.Provide(newShop, NewDrain),
	)
}

type shopIn struct {
	fx.In
	App    *application.App
	DB     Pinger
	Clock  application.Clock
	Logger *slog.Logger
	Config Config
	// Observer is the metrics' when the server exports them.
	Observer RequestObserver `optional:"true"`
	Drain    *Drain
}

type shopOut struct {
	fx.Out
	Handler http.Handler `name:"shop"`
}

func newShop(in shopIn) (shopOut, error) {
	h, err := NewRouter(Deps{App: in.App, DB: in.DB, Clock: in.Clock, Logger: in.Logger, Config: in.Config, Observer: in.Observer, Drain: in.Drain})
	return shopOut{Handler: h}, err
}

// Listen serves the graph's root http.Handler on addr while the app runs:
// it listens when the app starts, so that a taken port fails the start,
// and drains for drainDelay when it stops (see Serve).
func Listen(addr string, drainDelay time.Duration) fx.Option {
	return fx.Options(
		fx.Supply(ListenConfig{Addr: addr, DrainDelay: drainDelay}),
		fx.Provide(Serve),
		fx.Invoke(func(*Listener) {}),
	)
}
