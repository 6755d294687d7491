package main

import (
	"context"
	"runtime/debug"
	"time"

	"go.uber.org/fx"

	"upgrades/cmd/upgrades/server"
)

// gcPercent is the collector's target when GOGC is not set. The server's
// live heap is a few megabytes, while bun allocates a 4 KB buffer for every
// statement it builds: at Go's default of 100 the collector runs some thirty
// times a second under load and takes an eighth of the server's CPU, which
// on a small machine is taken from PostgreSQL. Letting the heap grow to
// five times what is live costs some tens of megabytes.
const gcPercent = 400

type serveCmd struct {
	server.Flags `embed:""`
	PprofAddr    string `name:"pprof-addr" envvar:"PPROF_ADDR" placeholder:"HOST:PORT" help:"Serve Go's profiles on this loopback address; off when empty."`
}

func (c *serveCmd) Run(ctx context.Context, e env) error {
	if e.getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	cfg, err := c.Config()
	if err == nil {
		err = cfg.CheckServe()
	}
	if err != nil {
		return err
	}
	logger, err := server.NewLogger(e.stderr, cfg.Logging())
	if err != nil {
		return err
	}
	logger.Info(cfg.Describe(), "mode", cfg.Mode.String(), "base_url", cfg.App.BaseURL)
	if cfg.SaleOver(time.Now()) {
		logger.Info("the sale is over: list prices apply", "sale_ends", cfg.App.Prices.Sale().Ends())
	}
	if c.PprofAddr != "" {
		stop, err := startProfiler(c.PprofAddr, logger)
		if err != nil {
			return err
		}
		defer stop()
	}
	app := fx.New(server.Serve(cfg, logger, e.stdout))
	// The start does not end at a signal: fx would return at once while
	// its hooks still run, and roll back without stopping the ones that had
	// started (the listener among them). A signal during the start is acted
	// on once the start is over, by the same drain and stop as any other.
	startCtx, cancelStart := context.WithTimeout(context.WithoutCancel(ctx), app.StartTimeout())
	defer cancelStart()
	if err := app.Start(startCtx); err != nil {
		return err
	}
	<-ctx.Done()
	// The drain comes first, then the requests in flight get their time.
	stopCtx, cancel := context.WithTimeout(context.Background(), cfg.DrainDelay+15*time.Second)
	defer cancel()
	return app.Stop(stopCtx)
}
