package memory

import (
	"context"

	"upgrades/application"
	"upgrades/domain"
)

type outcomes DB

var _ application.Outcomes = (*outcomes)(nil)

// Lock does in turn what the database does in one statement.
func (r *outcomes) Lock(ctx context.Context, l application.PaymentLock) (application.LockedPayment, error) {
	db := (*DB)(r)
	if l.Event != nil {
		if fresh, err := (*events)(db).Record(ctx, *l.Event); err != nil || !fresh {
			return application.LockedPayment{}, err
		}
	}
	out := application.LockedPayment{Fresh: true}
	var err error
	switch {
	case l.UpgradeID != 0:
		out.Upgrade, err = (*upgrades)(db).LockByID(ctx, l.UpgradeID)
	case l.PaymentIntentID != "":
		out.Upgrade, err = (*upgrades)(db).LockByPaymentIntent(ctx, l.PaymentIntentID)
	default:
		return out, nil
	}
	if domain.IsKind(err, domain.KindNotFound) {
		return out, nil
	}
	if err != nil || out.Upgrade.IsCodes() { // a purchase of codes has no recipient
		return out, err
	}
	out.Recipient, err = (*users)(db).LockByID(ctx, out.Upgrade.RecipientID())
	return out, err
}

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
