package postgres

import (
	"context"
	"fmt"

	"go.uber.org/fx"

	"upgrades/application"
)

// Module provides the store of the database at url as *DB, as the
// application's unit of work, and its throttles.
func Module(url string) fx.Option {
	return fx.Module("postgres",
		fx.Provide(
			func(lc fx.Lifecycle) (*DB, error) { return NewDB(lc, url) },
			func(db *DB) application.UnitOfWork { return db },
			// Replicas share the throttles through the database.
			func(db *DB) application.Throttles { return NewThrottles(db) },
		),
	)
}

// NewDB prepares the pool for url and ties it to the app's lifecycle: the
// start fails, with one line saying why, when the database does not answer
// or lacks a migration; the stop closes the pool.
func NewDB(lc fx.Lifecycle, url string) (*DB, error) {
	db, err := New(url)
	if err != nil {
		return nil, err
	}
	lc.Append(fx.Hook{
		OnStart: func(ctx context.Context) error {
			if err := db.Ping(ctx); err != nil {
				return fmt.Errorf("the database at DATABASE_URL does not answer: %w", err)
			}
			return db.RequireMigrated(ctx)
		},
		OnStop: func(context.Context) error { return db.Close() },
	})
	return db, nil
}
