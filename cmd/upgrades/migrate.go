package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"upgrades/adapters/postgres"
	"upgrades/cmd/upgrades/server"
)

// migrateCmd manages the schema of the PostgreSQL database. The server
// does not migrate by itself: it refuses to start until this has run.
type migrateCmd struct {
	server.Store `embed:""`

	Up     migrateUp     `cmd:"" help:"Apply the pending migrations."`
	Down   migrateDown   `cmd:"" help:"Roll back what the last 'migrate up' applied."`
	Status migrateStatus `cmd:"" help:"List the migrations, applied and pending."`
}

type (
	migrateUp     struct{}
	migrateDown   struct{}
	migrateStatus struct{}
)

func (m *migrateCmd) open(ctx context.Context) (*postgres.DB, error) {
	if m.DatabaseURL == "" {
		return nil, errors.New("DATABASE_URL is not set: migrations run against a PostgreSQL database")
	}
	return postgres.Open(ctx, m.DatabaseURL)
}

func (*migrateUp) Run(ctx context.Context, e env, m *migrateCmd) error {
	db, err := m.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	names, err := db.MigrateUp(ctx)
	for _, n := range names {
		fmt.Fprintln(e.stdout, "applied", n)
	}
	if err != nil {
		return err
	}
	if len(names) == 0 {
		fmt.Fprintln(e.stdout, "nothing to apply: the database is up to date")
	}
	return nil
}

func (*migrateDown) Run(ctx context.Context, e env, m *migrateCmd) error {
	db, err := m.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	names, err := db.MigrateDown(ctx)
	if err != nil {
		return err
	}
	for _, n := range names {
		fmt.Fprintln(e.stdout, "rolled back", n)
	}
	if len(names) == 0 {
		fmt.Fprintln(e.stdout, "nothing to roll back")
	}
	return nil
}

func (*migrateStatus) Run(ctx context.Context, e env, m *migrateCmd) error {
	db, err := m.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	states, err := db.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	pending := 0
	for _, s := range states {
		if s.Applied {
			fmt.Fprintf(e.stdout, "applied  %s  %s\n", s.MigratedAt.Format(time.RFC3339), s.Name)
		} else {
			pending++
			fmt.Fprintf(e.stdout, "pending  %-20s  %s\n", "", s.Name)
		}
	}
	fmt.Fprintf(e.stdout, "%d applied, %d pending\n", len(states)-pending, pending)
	return nil
}
