package postgres

import (
	"context"
	"errors"

	"upgrades/application"
)

var _ application.UnitOfWork = (*DB)(nil)

type txKey struct{}

// Do runs fn in one transaction with repositories bound to it: committed
// when fn returns nil, rolled back otherwise (and when fn panics). A
// payment's save (Outcomes.Save) ends fn: it is sent with the COMMIT, and
// its error is Do's.
func (db *DB) Do(ctx context.Context, fn func(ctx context.Context, s application.Store) error) error {
	if ctx.Value(txKey{}) != nil {
		// A nested unit of work would run on another connection and could
		// wait for the locks its own caller holds.
		return errors.New("postgres: nested unit of work")
	}
	ctx = context.WithValue(ctx, txKey{}, true)
	c, err := db.bun.DB.Conn(ctx)
	if err != nil {
		return translate(err, "transaction")
	}
	t := &tx{db: db, conn: c}
	committed := false
	defer func() {
		if !committed {
			_ = t.end(ctx, false) // fn failed or panicked
		}
	}()
	if err := fn(ctx, store(t)); err != nil {
		return err // already in the application's terms
	}
	committed = true
	return t.end(ctx, true)
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
func store(tx conn) application.Store {
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
