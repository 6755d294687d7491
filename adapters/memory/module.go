package memory

import (
	"go.uber.org/fx"

	"upgrades/application"
)

// Module provides the in-memory store as *DB and as the application's unit
// of work: the demo's store, and the one the component tests run on.
func Module() fx.Option {
	return fx.Module("memory",
		fx.Provide(NewDB, func(db *DB) application.UnitOfWork { return db }),
	)
}
