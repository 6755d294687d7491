package postgres

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"upgrades/application"
	"upgrades/domain"
)

// maxErrorLen bounds the stored reason of a failed attempt.
const maxErrorLen = 2000

// events is the PaymentEvents repository bound to one transaction.
type events struct{ db bun.IDB }

var _ application.PaymentEvents = events{}

// Record inserts the event, or counts one more attempt of an event that
// has not been processed yet. A row comes back exactly when the event is
// to be applied now: a processed event matches no row of the DO UPDATE.
// Concurrent deliveries of one id wait on its primary key until the first
// transaction ends, then see it processed (or, if it rolled back, insert).
func (r events) Record(ctx context.Context, e application.ReceivedEvent) (bool, error) {
	var ids []string
	err := r.db.NewRaw(`
		INSERT INTO stripe_events (id, type, livemode, payload, received_at, attempts)
		VALUES (?, ?, ?, ?, ?, 1)
		ON CONFLICT (id) DO UPDATE SET attempts = stripe_events.attempts + 1
		WHERE stripe_events.processed_at IS NULL
		RETURNING id`, e.ID, e.Type, e.Livemode, nullBytes(e.Payload), e.ReceivedAt).Scan(ctx, &ids)
	if err != nil {
		return false, translate(err, "record event")
	}
	return len(ids) == 1, nil
}

func (r events) Finish(ctx context.Context, id string, outcome domain.Outcome, upgrade domain.UpgradeID, at time.Time) error {
	var upgradeID *int64
	if upgrade != 0 {
		v := int64(upgrade)
		upgradeID = &v
	}
	res, err := r.db.NewRaw(`
		UPDATE stripe_events SET outcome = ?, upgrade_id = ?, processed_at = ?, last_error = NULL
		WHERE id = ?`, outcome.String(), upgradeID, at, id).Exec(ctx)
	if err != nil {
		return translate(err, "finish event")
	}
	return mustAffect(res, "event %s not recorded", id)
}

// Fail runs in its own unit of work after the event's own rolled back, so
// it may be the first to store the event. It never touches an event that
// a concurrent delivery has processed in the meantime.
func (r events) Fail(ctx context.Context, e application.ReceivedEvent, reason string) error {
	if len(reason) > maxErrorLen {
		reason = reason[:maxErrorLen]
	}
	_, err := r.db.NewRaw(`
		INSERT INTO stripe_events (id, type, livemode, payload, received_at, attempts, last_error)
		VALUES (?, ?, ?, ?, ?, 1, ?)
		ON CONFLICT (id) DO UPDATE SET attempts = stripe_events.attempts + 1, last_error = EXCLUDED.last_error
		WHERE stripe_events.processed_at IS NULL`,
		e.ID, e.Type, e.Livemode, nullBytes(e.Payload), e.ReceivedAt, reason).Exec(ctx)
	return translate(err, "record failed event")
}

// nullBytes stores an absent payload as NULL.
func nullBytes(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}

func (r events) CountUnprocessed(ctx context.Context) (int, error) {
	var n int
	err := r.db.NewRaw(`SELECT count(*) FROM stripe_events WHERE processed_at IS NULL`).Scan(ctx, &n)
	return n, translate(err, "count unprocessed events")
}
