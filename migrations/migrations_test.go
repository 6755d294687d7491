package migrations_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"upgrades/adapters/postgres"
	"upgrades/migrations"
	"upgrades/test/dbtest"
)

var tables = []string{"users", "messages", "upgrades", "upgrade_history", "stripe_events"}

func open(t *testing.T, url string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func tableExists(t *testing.T, conn *sql.DB, name string) bool {
	t.Helper()
	var exists bool
	if err := conn.QueryRow("SELECT to_regclass($1) IS NOT NULL", name).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	return exists
}

func countApplied(t *testing.T, db *postgres.DB) (applied, pending int) {
	t.Helper()
	states, err := db.MigrationStatus(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(states) != len(migrations.Migrations.Sorted()) {
		t.Fatalf("status lists %d migrations, the binary has %d", len(states), len(migrations.Migrations.Sorted()))
	}
	for _, s := range states {
		if s.Applied {
			applied++
			if s.MigratedAt.IsZero() {
				t.Errorf("%s is applied but has no time", s.Name)
			}
		} else {
			pending++
		}
	}
	return applied, pending
}

func TestEveryMigrationIsTransactionalAndReversible(t *testing.T) {
	for _, m := range migrations.Migrations.Sorted() {
		if m.Up == nil || m.Down == nil {
			t.Errorf("migration %s needs both an up and a down file", m)
		}
	}
	if len(migrations.Migrations.Sorted()) == 0 {
		t.Fatal("no migrations embedded")
	}
}

func TestUpOnAnEmptyDatabase(t *testing.T) {
	ctx := context.Background()
	url := dbtest.NewEmpty(t)
	db, conn := open(t, url), dbtest.SQL(t, url)
	total := len(migrations.Migrations.Sorted())

	if applied, pending := countApplied(t, db); applied != 0 || pending != total {
		t.Fatalf("fresh database: %d applied, %d pending", applied, pending)
	}
	if tableExists(t, conn, "bun_migrations") {
		t.Error("reading the status created the migrations table; it should change nothing")
	}
	err := db.RequireMigrated(ctx)
	if err == nil || !strings.Contains(err.Error(), "upgrades migrate up") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("RequireMigrated on an empty database = %v, want one line that says to run migrate up", err)
	}

	names, err := db.MigrateUp(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != total {
		t.Errorf("up applied %v, want all %d", names, total)
	}
	if applied, pending := countApplied(t, db); applied != total || pending != 0 {
		t.Errorf("after up: %d applied, %d pending", applied, pending)
	}
	if err := db.RequireMigrated(ctx); err != nil {
		t.Errorf("RequireMigrated after up: %v", err)
	}
	for _, table := range tables {
		if !tableExists(t, conn, table) {
			t.Errorf("table %s is missing after up", table)
		}
	}
	again, err := db.MigrateUp(ctx)
	if err != nil || len(again) != 0 {
		t.Errorf("a second up = %v, %v; want nothing to do", again, err)
	}
}

func TestDownToZeroAndUpAgain(t *testing.T) {
	ctx := context.Background()
	url := dbtest.New(t)
	db, conn := open(t, url), dbtest.SQL(t, url)
	total := len(migrations.Migrations.Sorted())

	rolledBack := 0
	for i := 0; i <= total; i++ {
		names, err := db.MigrateDown(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(names) == 0 {
			break
		}
		rolledBack += len(names)
	}
	if rolledBack != total {
		t.Fatalf("down rolled back %d migrations, want %d", rolledBack, total)
	}
	if applied, _ := countApplied(t, db); applied != 0 {
		t.Fatalf("%d migrations still applied after rolling everything back", applied)
	}
	for _, table := range tables {
		if tableExists(t, conn, table) {
			t.Errorf("table %s is left after rolling everything back", table)
		}
	}

	if _, err := db.MigrateUp(ctx); err != nil {
		t.Fatalf("up again: %v", err)
	}
	if applied, _ := countApplied(t, db); applied != total {
		t.Fatalf("%d of %d applied after up again", applied, total)
	}
	if _, err := conn.Exec(`INSERT INTO users (name, password_hash, api_key, level) VALUES ('alice', 'h', 'k', 20)`); err != nil {
		t.Errorf("the schema built again does not take a user: %v", err)
	}
}

func TestFailedMigrationIsRolledBackAndNotMarkedApplied(t *testing.T) {
	ctx := context.Background()
	url := dbtest.NewEmpty(t)
	db, conn := open(t, url), dbtest.SQL(t, url)
	sorted := migrations.Migrations.Sorted()
	if len(sorted) < 2 {
		t.Skip("needs two migrations")
	}
	// A table in the way makes the second migration fail halfway, after
	// it has created tables of its own.
	if _, err := conn.Exec(`CREATE TABLE stripe_events (id int)`); err != nil {
		t.Fatal(err)
	}
	names, err := db.MigrateUp(ctx)
	if err == nil {
		t.Fatal("up succeeded over a conflicting table")
	}
	if len(names) != 1 || names[0] != sorted[0].String() {
		t.Errorf("up reported %v as applied, want only %s", names, sorted[0])
	}
	if applied, pending := countApplied(t, db); applied != 1 || pending != len(sorted)-1 {
		t.Errorf("after the failure: %d applied, %d pending", applied, pending)
	}
	if tableExists(t, conn, "upgrades") {
		t.Error("the failed migration left the upgrades table behind")
	}
	if err := db.RequireMigrated(ctx); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("(%d migration", len(sorted)-1)) {
		t.Errorf("RequireMigrated on a partly migrated database = %v", err)
	}

	if _, err := conn.Exec(`DROP TABLE stripe_events`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.MigrateUp(ctx); err != nil {
		t.Fatalf("up after removing the obstacle: %v", err)
	}
	if err := db.RequireMigrated(ctx); err != nil {
		t.Error(err)
	}
}

func TestConcurrentUpRunsApplyEachMigrationOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	url := dbtest.NewEmpty(t)
	const runs = 4
	dbs := make([]*postgres.DB, runs)
	for i := range dbs {
		dbs[i] = open(t, url) // separate pools, like separate processes
	}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		applied = map[string]int{}
		errs    []error
	)
	for _, db := range dbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			names, err := db.MigrateUp(ctx)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
			}
			for _, n := range names {
				applied[n]++
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("concurrent runs failed: %v", errs)
	}
	for _, m := range migrations.Migrations.Sorted() {
		if applied[m.String()] != 1 {
			t.Errorf("%s applied %d times, want once", m, applied[m.String()])
		}
	}
	var rows int
	if err := dbtest.SQL(t, url).QueryRow("SELECT count(*) FROM bun_migrations").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != len(migrations.Migrations.Sorted()) {
		t.Errorf("bun_migrations has %d rows, want %d", rows, len(migrations.Migrations.Sorted()))
	}
}
