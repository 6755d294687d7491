package postgres

import (
	"context"
	"database/sql"
	"errors"

	"github.com/uptrace/bun"

	"upgrades/application"
)

var _ application.UnitOfWork = (*DB)(nil)

type txKey struct{}

// txOptions: read committed is enough because every decision is taken on
// rows locked with SELECT ... FOR UPDATE, and it never aborts a
// transaction for a serialization conflict.
var txOptions = &sql.TxOptions{Isolation: sql.LevelReadCommitted}

// Do runs fn in one transaction with repositories bound to it: committed
// when fn returns nil, rolled back otherwise (and when fn panics).
func (db *DB) Do(ctx context.Context, fn func(ctx context.Context, s application.Store) error) error {
	if ctx.Value(txKey{}) != nil {
		// A nested unit of work would run on another connection and could
		// wait for the locks its own caller holds.
		return errors.New("postgres: nested unit of work")
	}
	ctx = context.WithValue(ctx, txKey{}, true)
	var fnErr error
	err := db.bun.RunInTx(ctx, txOptions, func(ctx context.Context, tx bun.Tx) error {
		fnErr = fn(ctx, store(tx))
		return fnErr
	})
	if fnErr != nil {
		return fnErr // already in the application's terms
	}
	return translate(err, "transaction") // begin or commit failed
}

// Read runs fn on the pool, without a transaction: each query is its own
// statement and round trip.
func (db *DB) Read(ctx context.Context, fn func(ctx context.Context, s application.Store) error) error {
	if ctx.Value(txKey{}) != nil {
		return errors.New("postgres: a read inside a unit of work")
	}
	return fn(context.WithValue(ctx, txKey{}, true), store(db.bun))
}

// store binds every repository to tx, a transaction or, for Read, the
// pool. Neither leaves this package.
func store(tx bun.IDB) application.Store {
	return application.Store{
		Users:    users{tx},
		Upgrades: upgrades{tx},
		Events:   events{tx},
		Messages: messages{tx},
		Outcomes: outcomes{tx},
		Refunds:  refunds{tx},
		Sales:    sales{tx},
		Codes:    codes{tx},
		Audit:    audit{tx},
		Resolved: resolutions{tx},
	}
}
