package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"

	"upgrades/migrations"
)

// migrationLockKey names the advisory lock that keeps migration runs
// apart (any constant would do; this one spells "upgrades").
const migrationLockKey int64 = 0x7570677261646573

// migrationsTable is where bun's migrator records applied migrations.
const migrationsTable = "bun_migrations"

// MigrationState is one migration and whether the database has it.
type MigrationState struct {
	Name       string // e.g. 20260301000001_users
	Applied    bool
	MigratedAt time.Time // zero while not applied
}

// migrator marks a migration applied only once it has succeeded; each
// migration runs in its own transaction, so a failure leaves nothing
// half-done and the same run can simply be tried again.
func (db *DB) migrator() *migrate.Migrator {
	return migrate.NewMigrator(db.bun, migrations.Migrations, migrate.WithMarkAppliedOnSuccess(true))
}

// MigrateUp applies every pending migration and returns their names.
func (db *DB) MigrateUp(ctx context.Context) ([]string, error) {
	var names []string
	err := db.withMigrationLock(ctx, func(m *migrate.Migrator) error {
		group, err := m.Migrate(ctx)
		done := group.Migrations
		if err != nil && len(done) > 0 {
			done = done[:len(done)-1] // the last one failed and was rolled back
		}
		for _, mig := range done {
			names = append(names, mig.String())
		}
		return err
	})
	return names, err
}

// MigrateDown rolls back the migrations of the last `migrate up` that
// applied any, newest first, and returns their names.
func (db *DB) MigrateDown(ctx context.Context) ([]string, error) {
	var names []string
	err := db.withMigrationLock(ctx, func(m *migrate.Migrator) error {
		group, err := m.Rollback(ctx)
		if err != nil {
			return err
		}
		for i := len(group.Migrations) - 1; i >= 0; i-- {
			names = append(names, group.Migrations[i].String())
		}
		return nil
	})
	return names, err
}

// withMigrationLock runs fn while holding a session advisory lock, so that
// two runs started at once (replicas migrating on deploy) take turns: the
// second waits, then finds nothing left to do. Unlike a lock row, the lock
// goes away with its session if the process dies.
func (db *DB) withMigrationLock(ctx context.Context, fn func(*migrate.Migrator) error) error {
	conn, err := db.bun.Conn(ctx)
	if err != nil {
		return translate(err, "connect")
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", migrationLockKey); err != nil {
		return translate(err, "lock migrations")
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?)", migrationLockKey)
	m := db.migrator()
	if err := m.Init(ctx); err != nil {
		return translate(err, "create the migrations table")
	}
	return fn(m)
}

// MigrationStatus lists every migration the binary has, oldest first,
// with whether the database has applied it. It changes nothing.
func (db *DB) MigrationStatus(ctx context.Context) ([]MigrationState, error) {
	applied, err := db.appliedMigrations(ctx)
	if err != nil {
		return nil, err
	}
	var out []MigrationState
	for _, m := range migrations.Migrations.Sorted() {
		at, ok := applied[m.Name]
		out = append(out, MigrationState{Name: m.String(), Applied: ok, MigratedAt: at})
	}
	return out, nil
}

// appliedMigrations maps each applied migration to when it was applied.
// A database that was never migrated has no migrations table: none.
func (db *DB) appliedMigrations(ctx context.Context) (map[string]time.Time, error) {
	var exists bool
	if err := db.bun.NewRaw("SELECT to_regclass(?) IS NOT NULL", migrationsTable).Scan(ctx, &exists); err != nil {
		return nil, translate(err, "read migrations")
	}
	applied := map[string]time.Time{}
	if !exists {
		return applied, nil
	}
	var rows []struct {
		Name       string    `bun:"name"`
		MigratedAt time.Time `bun:"migrated_at"`
	}
	if err := db.bun.NewRaw("SELECT name, migrated_at FROM ?", bun.Ident(migrationsTable)).Scan(ctx, &rows); err != nil {
		return nil, translate(err, "read migrations")
	}
	for _, r := range rows {
		applied[r.Name] = r.MigratedAt.UTC()
	}
	return applied, nil
}

// RequireMigrated fails with one line an operator can act on unless every
// migration the binary knows is applied.
func (db *DB) RequireMigrated(ctx context.Context) error {
	states, err := db.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	pending := 0
	for _, s := range states {
		if !s.Applied {
			pending++
		}
	}
	switch pending {
	case 0:
		return nil
	case 1:
		return NotMigratedError{"database is not migrated: run `upgrades migrate up` (1 migration pending)"}
	default:
		return NotMigratedError{fmt.Sprintf("database is not migrated: run `upgrades migrate up` (%d migrations pending)", pending)}
	}
}

// NotMigratedError says that migrations are pending, in one line.
type NotMigratedError struct{ msg string }

func (e NotMigratedError) Error() string { return e.msg }

// Installation returns the installation id the migrations made. It
// checks the migrations first, so that a database that is not migrated
// is reported as such.
func (db *DB) Installation(ctx context.Context) (string, error) {
	if err := db.RequireMigrated(ctx); err != nil {
		return "", err
	}
	var id string
	if err := db.bun.NewRaw("SELECT id FROM installation").Scan(ctx, &id); err != nil {
		return "", translate(err, "read the installation")
	}
	return id, nil
}
