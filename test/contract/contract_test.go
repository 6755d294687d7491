// Package contract_test runs one suite of cases against every store the
// application can run on: the in-memory adapter and PostgreSQL. A case
// that passes on one and fails on the other is a difference the use-case
// tests (which run on memory) would never see.
package contract_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"upgrades/adapters/memory"
	"upgrades/adapters/postgres"
	"upgrades/application"
	"upgrades/test/dbtest"
)

// store is one fresh, empty store under test.
type store struct {
	UoW application.UnitOfWork
	// Event reads back a stored provider event: its outcome ("" while not
	// processed) and how many attempts were counted. The ports have no
	// read for it; each adapter's test looks at its own data.
	Event func(t *testing.T, id string) (outcome string, attempts int, stored bool)
	// Serial is set for a store whose units of work never overlap (they
	// hold one lock): a test cannot make two of them wait for each other.
	Serial bool
	// Waiting counts the store's units of work that wait for a lock
	// another one holds, for tests that prove a lock keeps them apart.
	Waiting func() (int, error)
	// Throttles are the store's throttles; NewThrottles, where set, opens
	// another handle on the same ones, as another process would.
	Throttles    application.Throttles
	NewThrottles func(t *testing.T) application.Throttles
	// Installation reads the store's installation id.
	Installation func(ctx context.Context) (string, error)
}

// factory makes a fresh store for one test.
type factory func(t *testing.T) store

func TestMemory(t *testing.T) {
	suite(t, func(t *testing.T) store {
		db := memory.NewDB()
		return store{UoW: db, Serial: true, Waiting: func() (int, error) { return 0, nil }, Throttles: memory.NewThrottles(), Installation: db.Installation,
			Event: func(t *testing.T, id string) (string, int, bool) { return db.EventOutcome(id) }}
	})
}

func TestPostgres(t *testing.T) {
	suite(t, func(t *testing.T) store {
		url := dbtest.New(t)
		db, err := postgres.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		conn := dbtest.SQL(t, url)
		waiting := func() (n int, err error) {
			err = conn.QueryRow(`SELECT count(*) FROM pg_stat_activity
				WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n)
			return n, err
		}
		other := func(t *testing.T) application.Throttles {
			db, err := postgres.Open(context.Background(), url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return postgres.NewThrottles(db)
		}
		return store{UoW: db, Waiting: waiting, Throttles: postgres.NewThrottles(db), NewThrottles: other, Installation: db.Installation,
			Event: func(t *testing.T, id string) (string, int, bool) {
				t.Helper()
				var (
					outcome  sql.NullString
					attempts int
				)
				err := conn.QueryRow(`SELECT outcome, attempts FROM stripe_events WHERE id = $1`, id).Scan(&outcome, &attempts)
				if errors.Is(err, sql.ErrNoRows) {
					return "", 0, false
				}
				if err != nil {
					t.Fatal(err)
				}
				return outcome.String, attempts, true
			}}
	})
}

// suite runs every case on a fresh store from newStore.
func suite(t *testing.T, newStore factory) {
	for _, group := range [][]testCase{userCases, upgradeCases, listCases, claimCases, eventCases, messageCases, rollbackCases, useCaseCases, lockCases, throttleCases, outcomeCases, backlogCases, installationCases, refundCases, priceCases, giftNoteCases, salesCases, messageReadCases, codeCases, codePurchaseCases, auditCases, anomalyCases} {
		for _, c := range group {
			t.Run(c.name, func(t *testing.T) { c.run(t, newStore(t)) })
		}
	}
}

type testCase struct {
	name string
	run  func(t *testing.T, s store)
}
