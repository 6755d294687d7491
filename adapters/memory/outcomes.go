package memory

import (
	"context"

	"upgrades/application"
)

type outcomes DB

var _ application.Outcomes = (*outcomes)(nil)

// Save stores each part in turn; the unit of work undoes them all if one
// fails.
func (r *outcomes) Save(ctx context.Context, c application.PaymentChanges) error {
	db := (*DB)(r)
	if err := (*upgrades)(db).Update(ctx, c.Upgrade); err != nil {
		return err
	}
	if c.Recipient != nil {
		if err := (*users)(db).Update(ctx, c.Recipient); err != nil {
			return err
		}
	}
	for _, m := range c.Messages {
		if err := (*messages)(db).Create(ctx, m); err != nil {
			return err
		}
	}
	if c.Refund != nil {
		if err := (*refunds)(db).add(c.Refund); err != nil {
			return err
		}
	}
	(*sales)(db).add(c.Sales)
	if c.Event != nil {
		return (*events)(db).Finish(ctx, c.Event.ID, c.Event.Outcome, c.Upgrade.ID(), c.Event.At)
	}
	return nil
}
