// Package postgres stores the shop's data in PostgreSQL: bun models kept
// private to this package, their mappers to the domain, the repositories
// and the unit of work that binds them to one transaction.
//
// It talks to PostgreSQL through pgx's database/sql driver: pgx is
// maintained, its *pgconn.PgError carries the SQLSTATE and the constraint
// name that errors are translated by, and database/sql pools connections.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// Pool limits, chosen for a small server: PostgreSQL's default of 100
// connections leaves room for several replicas and the operator tools.
// Every connection the pool has opened may stay idle: one closed after a
// burst is a new PostgreSQL backend (a fork and an authentication) to
// start in the middle of the next, a stall of milliseconds for the
// request that waits for it. Idle ones still go after connMaxIdleTime.
const (
	maxOpenConns    = 20
	maxIdleConns    = maxOpenConns
	connMaxIdleTime = 5 * time.Minute
	connMaxLifetime = time.Hour
	// connectTimeout bounds a connection attempt when the URL does not say,
	// so that a database that does not answer is reported as unavailable
	// instead of hanging a request.
	connectTimeout = 5 * time.Second
)

// DB is the PostgreSQL store. It is the application's unit of work.
type DB struct {
	bun  *bun.DB
	slow *slowQueries // nil logs none
}

// New prepares a pool for the database at url without connecting: the
// first query connects. A malformed url is an error.
func New(url string) (*DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		// The parser's message repeats the URL, password included.
		return nil, errors.New("DATABASE_URL is not a valid PostgreSQL URL")
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = connectTimeout
	}
	// bun writes the arguments into the SQL text itself, so every query is
	// new to the server: preparing and caching each one would cost a round
	// trip and fill the statement cache for nothing. The simple protocol
	// also works behind PgBouncer in transaction mode.
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	sqldb := stdlib.OpenDB(*cfg)
	sqldb.SetMaxOpenConns(maxOpenConns)
	sqldb.SetMaxIdleConns(maxIdleConns)
	sqldb.SetConnMaxIdleTime(connMaxIdleTime)
	sqldb.SetConnMaxLifetime(connMaxLifetime)
	return &DB{bun: bun.NewDB(sqldb, pgdialect.New())}, nil
}

// Open connects to the database at url and checks that it answers.
func Open(ctx context.Context, url string) (*DB, error) {
	db, err := New(url)
	if err != nil {
		return nil, err
	}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Ping reports whether the database answers; an unreachable database is a
// domain.KindUnavailable error.
func (db *DB) Ping(ctx context.Context) error {
	return translate(db.bun.PingContext(ctx), "ping")
}

// Close closes every connection of the pool.
func (db *DB) Close() error { return db.bun.Close() }

// SQL is the pool underneath, for its statistics (open, in use, waits).
func (db *DB) SQL() *sql.DB { return db.bun.DB }
