// Package dbtest gives each test its own PostgreSQL database, created from
// TEST_DATABASE_URL and dropped when the test ends, so that tests neither
// see each other's rows nor depend on the order they run in.
//
// When PostgreSQL does not answer, a test is skipped with a clear message,
// except under CI (CI=true), where it fails: CI must never pass by skipping.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"upgrades/adapters/postgres"
)

// DefaultURL is the server the tests use when TEST_DATABASE_URL is unset.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// ServerURL is the URL of the server the tests create their databases on.
func ServerURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultURL
}

var (
	adminOnce sync.Once
	admin     *sql.DB
	adminErr  error
)

// server returns one pool to the server for the whole test binary.
func server(t testing.TB) *sql.DB {
	t.Helper()
	adminOnce.Do(func() {
		admin, adminErr = sql.Open("pgx", ServerURL())
		if adminErr != nil {
			return
		}
		admin.SetMaxOpenConns(4)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		adminErr = admin.PingContext(ctx)
	})
	if adminErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL at TEST_DATABASE_URL does not answer (CI=true, so this fails): %v", adminErr)
		}
		t.Skipf("PostgreSQL at TEST_DATABASE_URL does not answer; start it or set TEST_DATABASE_URL: %v", adminErr)
	}
	return admin
}

// NewEmpty creates a database with nothing in it for t and returns its URL.
func NewEmpty(t testing.TB) string {
	t.Helper()
	srv := server(t)
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	name := "test_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := srv.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("creating database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// FORCE ends connections a failed test left open.
		if _, err := srv.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("dropping database %s: %v", name, err)
		}
	})
	return withDatabase(t, ServerURL(), name)
}

// New creates a database for t with every migration applied and returns
// its URL.
func New(t testing.TB) string {
	t.Helper()
	u := NewEmpty(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := postgres.Open(ctx, u)
	if err != nil {
		t.Fatalf("connecting to the test database: %v", err)
	}
	defer db.Close()
	if _, err := db.MigrateUp(ctx); err != nil {
		t.Fatalf("migrating the test database: %v", err)
	}
	return u
}

// SQL opens a plain connection pool to the database at u for the test to
// look at rows directly; it is closed when the test ends.
func SQL(t testing.TB, u string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// withDatabase returns serverURL pointed at database name.
func withDatabase(t testing.TB, serverURL, name string) string {
	t.Helper()
	if !strings.Contains(serverURL, "://") {
		return serverURL + " dbname=" + name // a keyword/value connection string
	}
	u, err := url.Parse(serverURL)
	if err != nil {
		t.Fatalf("TEST_DATABASE_URL is not a URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}
