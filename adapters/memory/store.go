// Package memory implements every port of the application in memory, for
// tests and the demo. A unit of work holds one lock for its whole length,
// so units of work are serialised: the strongest isolation there is.
package memory

import (
	"context"
	"crypto/rand"
	"errors"
	"sync"
	"time"

	"upgrades/application"
	"upgrades/domain"
)

// DB is the in-memory database.
type DB struct {
	mu sync.Mutex

	users       map[domain.UserID]*domain.User
	upgrades    map[domain.UpgradeID]*upgradeRecord
	events      map[string]*eventRecord
	messages    []*domain.Message
	refunds     []*refundRow
	audit       []domain.AuditEntry
	resolutions map[string]application.Resolution
	sales       map[salesKey]domain.DailySales
	codes       map[domain.CodeID]domain.CodeSnapshot
	nextIDs     map[string]int64 // per table, as PostgreSQL's sequences

	installation string

	down    bool  // simulate an outage
	failOn  error // returned by the next commit, to test rollback
	undo    []func()
	txDepth int
}

type upgradeRecord struct {
	snap       domain.UpgradeSnapshot
	history    []domain.HistoryEntry
	leaseUntil time.Time
}

type eventRecord struct {
	event       application.ReceivedEvent
	outcome     string
	upgrade     domain.UpgradeID
	processedAt time.Time
	lastError   string
	attempts    int
}

// NewDB returns an empty database.
func NewDB() *DB {
	return &DB{
		users:    map[domain.UserID]*domain.User{},
		upgrades: map[domain.UpgradeID]*upgradeRecord{},
		events:   map[string]*eventRecord{},
		// A new one per process: a restarted demo is a new database.
		installation: rand.Text(),
	}
}

// Installation returns this database's installation id, random per DB.
func (db *DB) Installation(context.Context) (string, error) { return db.installation, nil }

var _ application.UnitOfWork = (*DB)(nil)

type txKey struct{}

// Read is Do: one unit of work at a time reads nothing half done.
func (db *DB) Read(ctx context.Context, fn func(ctx context.Context, s application.Store) error) error {
	return db.Do(ctx, fn)
}

// Do runs fn as one transaction: every change is undone when fn fails.
func (db *DB) Do(ctx context.Context, fn func(ctx context.Context, s application.Store) error) error {
	if ctx.Value(txKey{}) != nil {
		return errors.New("memory: nested unit of work")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.down {
		return domain.Errorf(domain.KindUnavailable, "the database is unavailable")
	}
	db.undo = db.undo[:0]
	err := fn(context.WithValue(ctx, txKey{}, true), db.store())
	if err == nil && db.failOn != nil {
		err, db.failOn = db.failOn, nil
	}
	if err != nil {
		for i := len(db.undo) - 1; i >= 0; i-- {
			db.undo[i]()
		}
	}
	db.undo = db.undo[:0]
	return err
}

// Ping reports whether the database answers.
func (db *DB) Ping(context.Context) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.down {
		return domain.Errorf(domain.KindUnavailable, "the database is unavailable")
	}
	return nil
}

// SetDown makes every unit of work fail as unavailable until set back.
func (db *DB) SetDown(down bool) {
	db.mu.Lock()
	defer db.mu.Unlock()
	db.down = down
}

// FailNextCommit makes the next unit of work roll back with err after fn
// has run successfully.
func (db *DB) FailNextCommit(err error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	db.failOn = err
}

func (db *DB) store() application.Store {
	return application.Store{
		Users:    (*users)(db),
		Upgrades: (*upgrades)(db),
		Events:   (*events)(db),
		Messages: (*messages)(db),
		Outcomes: (*outcomes)(db),
		Refunds:  (*refunds)(db),
		Sales:    (*sales)(db),
		Codes:    (*codes)(db),
		Audit:    (*audit)(db),
		Resolved: (*resolutions)(db),
	}
}

// id numbers the rows of each table from 1, like a sequence: users,
// upgrades and messages each have their own, so the demo's numbers do
// not jump.
func (db *DB) id(table string) int64 {
	if db.nextIDs == nil {
		db.nextIDs = map[string]int64{}
	}
	db.nextIDs[table]++
	return db.nextIDs[table]
}

// onRollback registers how to undo a change just made.
func (db *DB) onRollback(f func()) { db.undo = append(db.undo, f) }
