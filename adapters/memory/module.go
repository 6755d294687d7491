package memory

import (
	"go.uber.org/fx"

	"upgrades/application"
)

// Module provides the in-memory store as *DB, as the application's unit
// of work, and its throttles (one process, so they live in memory too):
// the demo's store, and the one the component tests run on.
func Module() fx.Option {
	return fx.Module("memory",
		fx.Provide(
			NewDB,
			func(db *DB) application.UnitOfWork { return db },
			func() application.Throttles { return NewThrottles() },
		),
	)
}
