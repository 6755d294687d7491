package main

import (
	"context"
	"fmt"

	"upgrades/application"
	"upgrades/cmd/upgrades/server"
)

type reconcileCmd struct {
	server.Flags `embed:""`
}

func (c *reconcileCmd) Run(ctx context.Context, e env) error {
	cfg, err := c.Config()
	if err == nil {
		err = cfg.CheckStripe()
	}
	if err != nil {
		return err
	}
	return withApp(ctx, cfg, e, func(app *application.App) error {
		r, err := app.Reconcile.Handle(ctx, application.Reconcile{Limit: 10_000})
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "checked %d open upgrades: %d changed, %d failed\n", r.Checked, r.Changed, r.Failed)
		if r.Failed > 0 {
			return fmt.Errorf("%d upgrades could not be checked", r.Failed)
		}
		return nil
	})
}
