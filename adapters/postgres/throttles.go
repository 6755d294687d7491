package postgres

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"upgrades/application"
)

// Throttles keeps the allowances in the throttles table, so that every
// replica draws on the same ones.
type Throttles struct {
	db    *DB
	takes atomic.Uint64
}

var _ application.Throttles = (*Throttles)(nil)

func NewThrottles(db *DB) *Throttles { return &Throttles{db: db} }

// Rows untouched for sweepAfter are full again under any limit the shop
// uses (the slowest refills in an hour), so they are deleted, on every
// sweepEvery-th Take.
const (
	sweepAfter = 24 * time.Hour
	sweepEvery = 512
)

type throttleRow struct {
	bun.BaseModel `bun:"table:throttles,alias:t"`

	Key       string    `bun:"key,pk"`
	Tokens    float64   `bun:"tokens,notnull"`
	UpdatedAt time.Time `bun:"updated_at,notnull"`
}

// Take costs four round trips: BEGIN, one upsert that creates the missing
// rows full and locks every row (returning what they held), the update of
// what was spent, and COMMIT. The rows are locked in key order, so two
// Takes of overlapping keys wait for each other instead of deadlocking.
func (t *Throttles) Take(ctx context.Context, now time.Time, keys []application.Allowance, decide func([]float64) time.Duration) (time.Duration, error) {
	if t.takes.Add(1)%sweepEvery == 0 {
		t.sweep(ctx, now)
	}
	sorted := slices.Clone(keys)
	slices.SortFunc(sorted, func(a, b application.Allowance) int { return strings.Compare(a.Key, b.Key) })
	sorted = slices.CompactFunc(sorted, func(a, b application.Allowance) bool { return a.Key == b.Key })
	fresh := make([]throttleRow, len(sorted))
	for i, k := range sorted {
		fresh[i] = throttleRow{Key: k.Key, Tokens: float64(k.Limit.Burst), UpdatedAt: now}
	}
	var wait time.Duration
	err := t.db.bun.RunInTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted}, func(ctx context.Context, tx bun.Tx) error {
		var held []throttleRow
		// The no-op update locks an existing row and returns it as it was.
		err := tx.NewInsert().Model(&fresh).
			On("CONFLICT (key) DO UPDATE").Set("tokens = t.tokens").
			Returning("key, tokens, updated_at").Scan(ctx, &held)
		if err != nil {
			return err
		}
		byKey := make(map[string]throttleRow, len(held))
		for _, r := range held {
			byKey[r.Key] = r
		}
		levels := make([]float64, len(keys))
		for i, k := range keys {
			r := byKey[k.Key]
			levels[i] = k.Limit.Level(r.Tokens, r.UpdatedAt, now)
		}
		if wait = decide(levels); wait > 0 {
			return nil
		}
		spent := make([]float64, len(sorted))
		for i, k := range sorted {
			r := byKey[k.Key]
			spent[i] = max(k.Limit.Level(r.Tokens, r.UpdatedAt, now)-1, 0)
		}
		_, err = tx.NewRaw(`UPDATE throttles SET tokens = v.tokens, updated_at = greatest(throttles.updated_at, ?)
			FROM unnest(?::text[], ?::float8[]) AS v(key, tokens) WHERE throttles.key = v.key`,
			now, pgdialect.Array(keysOf(sorted)), pgdialect.Array(spent)).Exec(ctx)
		return err
	})
	return wait, translate(err, "take a throttle's attempt")
}

// Return is one statement: the refill and the attempt given back are
// computed by PostgreSQL on the row as it is then.
func (t *Throttles) Return(ctx context.Context, now time.Time, keys []application.Allowance) error {
	bursts := make([]float64, len(keys))
	everys := make([]float64, len(keys))
	for i, k := range keys {
		bursts[i], everys[i] = float64(k.Limit.Burst), k.Limit.Every.Seconds()
	}
	_, err := t.db.bun.NewRaw(`UPDATE throttles SET
			tokens = least(v.burst, tokens + greatest(extract(epoch FROM ?::timestamptz - updated_at), 0) / v.every + 1),
			updated_at = greatest(updated_at, ?)
		FROM unnest(?::text[], ?::float8[], ?::float8[]) AS v(key, burst, every) WHERE throttles.key = v.key`,
		now, now, pgdialect.Array(keysOf(keys)), pgdialect.Array(bursts), pgdialect.Array(everys)).Exec(ctx)
	return translate(err, "give a throttle's attempt back")
}

// sweep is best effort: a failed sweep leaves rows for the next one.
func (t *Throttles) sweep(ctx context.Context, now time.Time) {
	_, _ = t.db.bun.NewDelete().Model((*throttleRow)(nil)).Where("updated_at < ?", now.Add(-sweepAfter)).Exec(ctx)
}

func keysOf(as []application.Allowance) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.Key
	}
	return out
}
