package main

import (
	"context"
	"errors"
	"fmt"

	"upgrades/application"
	"upgrades/cmd/upgrades/server"
	"upgrades/domain"
)

// refundCmd refunds an upgrade as an owner would on the web: through
// Stripe, so it needs the server's Stripe configuration, and recorded in
// the audit trail as the command line's.
type refundCmd struct {
	server.Flags `embed:""`

	ID     int64  `arg:"" name:"upgrade-id" help:"The upgrade to refund in full (it must be complete)."`
	Reason string `placeholder:"TEXT" help:"Why, kept in the audit trail."`
}

func (c *refundCmd) Run(ctx context.Context, e env) error {
	cfg, err := c.Config()
	if err == nil {
		err = cfg.CheckStripe()
	}
	if err != nil {
		return err
	}
	return withApp(ctx, cfg, e, func(app *application.App) error {
		a, err := app.Refund.Handle(ctx, application.RefundUpgrade{By: application.CommandLine, UpgradeID: domain.UpgradeID(c.ID), Reason: c.Reason})
		if err != nil {
			return errors.New(domain.MessageOf(err))
		}
		fmt.Fprintf(e.stdout, "upgrade %d refunded: %s\n", c.ID, a.Outcome)
		return nil
	})
}
