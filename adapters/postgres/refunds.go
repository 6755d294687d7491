package postgres

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"time"

	"upgrades/application"
	"upgrades/domain"
)

// refunds is the refund outbox bound to one transaction.
type refunds struct{ db conn }

var _ application.RefundOutbox = refunds{}

// Claim leases the owed rows in one statement; SKIP LOCKED passes over
// rows another transaction is claiming, and the lease keeps them from
// the next claims until it ends.
func (r refunds) Claim(ctx context.Context, now, leaseUntil time.Time, limit int, key string) ([]application.OutboxRefund, error) {
	filter := ""
	args := []any{leaseUntil, now}
	if key != "" {
		filter = "AND idempotency_key = ?"
		args = append(args, key)
	}
	args = append(args, limit)
	var rows []struct {
		ID              int64     `bun:"id"`
		UpgradeID       int64     `bun:"upgrade_id"`
		PaymentIntentID string    `bun:"payment_intent_id"`
		IdempotencyKey  string    `bun:"idempotency_key"`
		Attempts        int       `bun:"attempts"`
		CreatedAt       time.Time `bun:"created_at"`
	}
	err := r.db.NewRaw(`UPDATE refund_outbox SET lease_until = ?, attempts = attempts + 1
		WHERE id IN (SELECT id FROM refund_outbox
			WHERE done_at IS NULL AND gave_up_at IS NULL AND lease_until <= ? `+filter+`
			ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED)
		RETURNING id, upgrade_id, payment_intent_id, idempotency_key, attempts, created_at`, args...).Scan(ctx, &rows)
	if err != nil {
		return nil, translate(err, "claim owed refunds")
	}
	out := make([]application.OutboxRefund, len(rows))
	for i, o := range rows {
		out[i] = application.OutboxRefund{ID: o.ID, UpgradeID: domain.UpgradeID(o.UpgradeID), Attempts: o.Attempts, CreatedAt: o.CreatedAt,
			Request: application.RefundRequest{PaymentIntentID: o.PaymentIntentID, IdempotencyKey: o.IdempotencyKey}}
	}
	slices.SortFunc(out, func(a, b application.OutboxRefund) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

func (r refunds) Done(ctx context.Context, id int64, refundID string, at time.Time) error {
	return r.update(ctx, id, "UPDATE refund_outbox SET done_at = ?, refund_id = ?, last_error = NULL WHERE id = ?", at, nullString(refundID), id)
}

func (r refunds) Failed(ctx context.Context, id int64, reason string, giveUp bool, at time.Time) error {
	var gaveUp any
	if giveUp {
		gaveUp = at
	}
	return r.update(ctx, id, "UPDATE refund_outbox SET last_error = ?, gave_up_at = ? WHERE id = ?", reason, gaveUp, id)
}

func (r refunds) update(ctx context.Context, id int64, q string, args ...any) error {
	res, err := r.db.NewRaw(q, args...).Exec(ctx)
	if err != nil {
		return translate(err, "record an owed refund")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("owed refund %d not found", id)
	}
	return nil
}

// Stuck reads the rows not done that were given up or are older than
// createdBefore, along the index of owed rows and the primary key.
func (r refunds) Stuck(ctx context.Context, createdBefore time.Time, limit int) ([]application.StuckRefund, error) {
	var rows []struct {
		ID              int64          `bun:"id"`
		UpgradeID       int64          `bun:"upgrade_id"`
		PaymentIntentID string         `bun:"payment_intent_id"`
		IdempotencyKey  string         `bun:"idempotency_key"`
		Attempts        int            `bun:"attempts"`
		CreatedAt       time.Time      `bun:"created_at"`
		LastError       sql.NullString `bun:"last_error"`
		GaveUp          bool           `bun:"gave_up"`
	}
	err := r.db.NewRaw(`SELECT id, upgrade_id, payment_intent_id, idempotency_key, attempts, created_at, last_error, gave_up_at IS NOT NULL AS gave_up
		FROM refund_outbox WHERE done_at IS NULL AND (gave_up_at IS NOT NULL OR created_at < ?)
		ORDER BY id LIMIT ?`, createdBefore, limit).Scan(ctx, &rows)
	if err != nil {
		return nil, translate(err, "read stuck refunds")
	}
	out := make([]application.StuckRefund, len(rows))
	for i, o := range rows {
		out[i] = application.StuckRefund{LastError: o.LastError.String, GaveUp: o.GaveUp, OutboxRefund: application.OutboxRefund{
			ID: o.ID, UpgradeID: domain.UpgradeID(o.UpgradeID), Attempts: o.Attempts, CreatedAt: o.CreatedAt.UTC(),
			Request: application.RefundRequest{PaymentIntentID: o.PaymentIntentID, IdempotencyKey: o.IdempotencyKey}}}
	}
	return out, nil
}
