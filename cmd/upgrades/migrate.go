package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"upgrades/adapters/postgres"
)

const migrateUsage = "migrate [--database-url URL] up|down|status: apply the pending migrations, roll back the last `migrate up`, or list them (DATABASE_URL)"

// migrate manages the schema of the PostgreSQL database. The server does
// not migrate by itself: it refuses to start until this has run.
func migrate(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dbURL := fs.String("database-url", os.Getenv("DATABASE_URL"), "PostgreSQL URL (DATABASE_URL)")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		return errors.New("usage: upgrades " + migrateUsage)
	}
	if *dbURL == "" {
		return errors.New("DATABASE_URL is not set: migrations run against a PostgreSQL database")
	}
	db, err := postgres.Open(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()

	switch fs.Arg(0) {
	case "up":
		names, err := db.MigrateUp(ctx)
		for _, n := range names {
			fmt.Println("applied", n)
		}
		if err != nil {
			return err
		}
		if len(names) == 0 {
			fmt.Println("nothing to apply: the database is up to date")
		}
	case "down":
		names, err := db.MigrateDown(ctx)
		if err != nil {
			return err
		}
		for _, n := range names {
			fmt.Println("rolled back", n)
		}
		if len(names) == 0 {
			fmt.Println("nothing to roll back")
		}
	case "status":
		states, err := db.MigrationStatus(ctx)
		if err != nil {
			return err
		}
		pending := 0
		for _, s := range states {
			if s.Applied {
				fmt.Printf("applied  %s  %s\n", s.MigratedAt.Format(time.RFC3339), s.Name)
			} else {
				pending++
				fmt.Printf("pending  %-20s  %s\n", "", s.Name)
			}
		}
		fmt.Printf("%d applied, %d pending\n", len(states)-pending, pending)
	default:
		return errors.New("usage: upgrades " + migrateUsage)
	}
	return nil
}
