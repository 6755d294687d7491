package memory

import (
	"context"
	"time"

	"upgrades/application"
	"upgrades/domain"
)

// refundRow is an owed refund in the outbox.
type refundRow struct {
	refund     application.OutboxRefund
	leaseUntil time.Time
	done       bool
	gaveUp     bool
	refundID   string
	lastError  string
}

type refunds DB

var _ application.RefundOutbox = (*refunds)(nil)

// add stores an owed refund; one per idempotency key, as in PostgreSQL.
func (r *refunds) add(o *application.OutboxRefund) error {
	db := (*DB)(r)
	for _, row := range db.refunds {
		if row.refund.Request.IdempotencyKey == o.Request.IdempotencyKey {
			return domain.Errorf(domain.KindConflict, "a refund with key %s is owed already", o.Request.IdempotencyKey)
		}
	}
	o.ID = db.id("refund_outbox")
	db.refunds = append(db.refunds, &refundRow{refund: *o, leaseUntil: o.CreatedAt})
	n := len(db.refunds) - 1
	db.onRollback(func() { db.refunds = db.refunds[:n] })
	return nil
}

func (r *refunds) Claim(_ context.Context, now, leaseUntil time.Time, limit int, key string) ([]application.OutboxRefund, error) {
	db := (*DB)(r)
	var out []application.OutboxRefund
	for _, row := range db.refunds {
		if len(out) == limit {
			break
		}
		if row.done || row.gaveUp || row.leaseUntil.After(now) || (key != "" && row.refund.Request.IdempotencyKey != key) {
			continue
		}
		prev, prevAttempts := row.leaseUntil, row.refund.Attempts
		row.leaseUntil = leaseUntil
		row.refund.Attempts++
		db.onRollback(func() { row.leaseUntil, row.refund.Attempts = prev, prevAttempts })
		out = append(out, row.refund)
	}
	return out, nil
}

func (r *refunds) Done(_ context.Context, id int64, refundID string, _ time.Time) error {
	row, err := (*DB)(r).refundRow(id)
	if err != nil {
		return err
	}
	prev := *row
	row.done, row.refundID = true, refundID
	(*DB)(r).onRollback(func() { *row = prev })
	return nil
}

func (r *refunds) Failed(_ context.Context, id int64, reason string, giveUp bool, _ time.Time) error {
	row, err := (*DB)(r).refundRow(id)
	if err != nil {
		return err
	}
	prev := *row
	row.lastError, row.gaveUp = reason, giveUp
	(*DB)(r).onRollback(func() { *row = prev })
	return nil
}

func (db *DB) refundRow(id int64) (*refundRow, error) {
	for _, row := range db.refunds {
		if row.refund.ID == id {
			return row, nil
		}
	}
	return nil, domain.Errorf(domain.KindNotFound, "owed refund %d not found", id)
}

// OwedRefund reports, for tests, the outbox row of an idempotency key:
// its attempts, whether it is done or given up.
func (db *DB) OwedRefund(key string) (attempts int, done, gaveUp, ok bool) {
	db.mu.Lock()
	defer db.mu.Unlock()
	for _, row := range db.refunds {
		if row.refund.Request.IdempotencyKey == key {
			return row.refund.Attempts, row.done, row.gaveUp, true
		}
	}
	return 0, false, false, false
}

func (r *refunds) Stuck(_ context.Context, createdBefore time.Time, limit int) ([]application.StuckRefund, error) {
	var out []application.StuckRefund
	for _, row := range (*DB)(r).refunds {
		if len(out) == limit {
			break
		}
		if !row.done && (row.gaveUp || row.refund.CreatedAt.Before(createdBefore)) {
			out = append(out, application.StuckRefund{OutboxRefund: row.refund, LastError: row.lastError, GaveUp: row.gaveUp})
		}
	}
	return out, nil
}
