package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"upgrades/application"
	"upgrades/cmd/upgrades/server"
	"upgrades/domain"
)

// codesCmd makes upgrade codes in the database.
type codesCmd struct {
	server.Store   `embed:""`
	server.Logging `embed:""`

	Mint codesMint `cmd:"" help:"Mint upgrade codes to give away and print them as JSON."`
}

type codesMint struct {
	Type     string `required:"" placeholder:"TYPE" help:"gold or platinum."`
	Quantity int    `required:"" aliases:"count" placeholder:"N" help:"How many codes, 1 to 100 (--count is the same)."`
	Note     string `placeholder:"TEXT" help:"Why they were made, for the owners (one line, at most 280 characters)."`
	Owner    string `placeholder:"NAME" help:"The owner recorded as their maker; the first owner when not given."`
}

func (c *codesMint) Run(ctx context.Context, e env, cc *codesCmd) error {
	u := usersCmd{Store: cc.Store, Logging: cc.Logging}
	return u.withApp(ctx, e, func(app *application.App) error {
		codes, err := app.MintCodes.Handle(ctx, application.MintCodes{OwnerName: c.Owner, Type: c.Type, Quantity: c.Quantity, Note: c.Note})
		if err != nil {
			return errors.New(domain.MessageOf(err))
		}
		out := make([]map[string]any, len(codes))
		for i, code := range codes {
			out[i] = map[string]any{"code": code.Value().Display(), "upgrade_type": code.Type().String(), "status": code.Status().String()}
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return fmt.Errorf("printing the codes: %w", err)
		}
		return nil
	})
}
