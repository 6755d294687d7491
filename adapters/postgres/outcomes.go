package postgres

import (
	"context"

	"github.com/uptrace/bun"

	"upgrades/application"
)

// outcomes is the Outcomes repository bound to one transaction.
type outcomes struct {
	db bun.IDB
	w  *writes
}

var _ application.Outcomes = outcomes{}

func (r outcomes) Save(ctx context.Context, c application.PaymentChanges) error {
	if err := (upgrades{r.db, r.w}).Update(ctx, c.Upgrade); err != nil {
		return err
	}
	if c.Recipient != nil {
		if err := (users{r.db, r.w}).Update(ctx, c.Recipient); err != nil {
			return err
		}
	}
	for _, m := range c.Messages {
		if err := (messages{r.db, r.w}).Create(ctx, m); err != nil {
			return err
		}
	}
	if c.Event != nil {
		return (events{r.db, r.w}).Finish(ctx, c.Event.ID, c.Event.Outcome, c.Upgrade.ID(), c.Event.At)
	}
	return nil
}
