// Package migrations holds the database schema as SQL migrations embedded
// in the binary, so that `upgrades migrate up` needs nothing but the binary.
//
// Every migration is transactional (`.tx.up.sql` / `.tx.down.sql`): a
// migration that fails leaves no half-built schema behind, and it is only
// marked applied once it has succeeded.
package migrations

import (
	"embed"

	"github.com/uptrace/bun/migrate"
)

//go:embed *.sql
var files embed.FS

// Migrations is every migration of the schema, in the order they apply.
var Migrations = migrate.NewMigrations()

func init() {
	if err := Migrations.Discover(files); err != nil {
		panic(err)
	}
}
