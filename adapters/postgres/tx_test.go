package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"upgrades/adapters/postgres"
	"upgrades/application"
	"upgrades/domain"
	"upgrades/test/dbtest"
)

// A payment's lock and save, as fulfilment sends them: BEGIN goes with the
// lock, the save is held and goes with the COMMIT. These tests hold the
// unit of work to its contract on that path: all or nothing, and a
// connection that goes back to the pool clean whatever happened.

var txAt = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// paidUpgrade stores alice and a pending Gold upgrade of hers with a
// checkout session, and returns the payment that completes it.
func paidUpgrade(t testing.TB, db *postgres.DB, name string) (*domain.Upgrade, domain.Payment) {
	t.Helper()
	ctx := context.Background()
	u, err := domain.NewUser(name, name+"@example.com", "hash", "key-"+name, domain.LevelMember, txAt)
	if err != nil {
		t.Fatal(err)
	}
	var up *domain.Upgrade
	err = db.Do(ctx, func(ctx context.Context, s application.Store) error {
		if err := s.Users.Create(ctx, u); err != nil {
			return err
		}
		if up, err = domain.NewUpgrade(u, u, domain.UpgradeGold, domain.DefaultPrices(), txAt); err != nil {
			return err
		}
		if err := up.AttachCheckout("cs_"+name, "https://checkout.test/"+name, txAt.Add(time.Hour), txAt); err != nil {
			return err
		}
		return s.Upgrades.Create(ctx, up)
	})
	if err != nil {
		t.Fatal(err)
	}
	return up, domain.Payment{Kind: domain.EventCheckoutPaid, SessionID: "cs_" + name, PaymentIntentID: "pi_" + name,
		Amount: up.Price().Amount(), Currency: up.Price().Currency(), Cause: "stripe evt_" + name}
}

// fulfil locks the upgrade with event evt, applies p and saves it; after
// runs between the save and the end of the unit of work.
func fulfil(ctx context.Context, db *postgres.DB, id domain.UpgradeID, evt string, p domain.Payment, after func(context.Context, application.Store) error) error {
	return db.Do(ctx, func(ctx context.Context, s application.Store) error {
		ev := application.ReceivedEvent{ID: evt, Type: "checkout.session.completed", Payload: []byte(`{}`), ReceivedAt: txAt}
		locked, err := s.Outcomes.Lock(ctx, application.PaymentLock{Event: &ev, UpgradeID: id})
		if err != nil {
			return err
		}
		if !locked.Fresh || locked.Upgrade == nil {
			return fmt.Errorf("lock: %+v", locked)
		}
		if _, err := locked.Upgrade.Apply(p, domain.Facts{Recipient: locked.Recipient}, txAt); err != nil {
			return err
		}
		err = s.Outcomes.Save(ctx, application.PaymentChanges{Upgrade: locked.Upgrade, Recipient: locked.Recipient,
			Event: &application.FinishedEvent{ID: evt, Outcome: domain.OutcomeApplied, At: txAt}})
		if err != nil || after == nil {
			return err
		}
		return after(ctx, s)
	})
}

func status(t *testing.T, db *postgres.DB, id domain.UpgradeID) domain.Status {
	t.Helper()
	var st domain.Status
	err := db.Read(context.Background(), func(ctx context.Context, s application.Store) error {
		up, err := s.Upgrades.ByID(ctx, id, false)
		if err == nil {
			st = up.Status()
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestSaveIsCommittedWithTheUnitOfWork(t *testing.T) {
	db := open(t, dbtest.New(t))
	up, paid := paidUpgrade(t, db, "alice")
	if err := fulfil(context.Background(), db, up.ID(), "evt_ok", paid, nil); err != nil {
		t.Fatal(err)
	}
	if got := status(t, db, up.ID()); got != domain.StatusComplete {
		t.Fatalf("status %s after the save, want complete", got)
	}
}

// Save ends its unit of work: a statement after it is refused, and the
// unit of work, save included, is rolled back.
func TestStatementAfterSaveIsRefused(t *testing.T) {
	db := open(t, dbtest.New(t))
	up, paid := paidUpgrade(t, db, "alice")
	err := fulfil(context.Background(), db, up.ID(), "evt_after", paid, func(ctx context.Context, s application.Store) error {
		_, err := s.Users.ByName(ctx, "alice")
		return err
	})
	if err == nil || !errors.Is(err, postgres.ErrAfterSave) {
		t.Fatalf("a read after Save: %v, want it refused", err)
	}
	if got := status(t, db, up.ID()); got != domain.StatusPending {
		t.Fatalf("status %s, want the unit of work rolled back", got)
	}
}

// A unit of work that fails after its held save, or panics, commits
// nothing, and its connection is rolled back and kept: the pool is kept to
// one connection so that the next unit of work gets the same (a
// connection left in a transaction would be closed by the driver, and a
// new backend started for the next).
func TestFailedOrPanickedUnitOfWorkLeavesAUsableConnection(t *testing.T) {
	db := open(t, dbtest.New(t))
	db.SQL().SetMaxOpenConns(1)
	ctx := context.Background()
	up, paid := paidUpgrade(t, db, "alice")
	boom := errors.New("boom")
	pid := postgres.BackendPID(t, db)

	// The save is refused by PostgreSQL (its upgrade is gone, so
	// must_save fails it), and the COMMIT sent with it never runs.
	err := db.Do(ctx, func(ctx context.Context, s application.Store) error {
		ev := application.ReceivedEvent{ID: "evt_gone", Type: "checkout.session.completed", Payload: []byte(`{}`), ReceivedAt: txAt}
		locked, err := s.Outcomes.Lock(ctx, application.PaymentLock{Event: &ev, UpgradeID: up.ID()})
		if err != nil {
			return err
		}
		if _, err := locked.Upgrade.Apply(paid, domain.Facts{Recipient: locked.Recipient}, txAt); err != nil {
			return err
		}
		ghost := locked.Upgrade.Snapshot()
		ghost.ID += 1000
		return s.Outcomes.Save(ctx, application.PaymentChanges{Upgrade: domain.UnmarshalUpgradeFromDatabase(ghost, nil),
			Event: &application.FinishedEvent{ID: "evt_gone", Outcome: domain.OutcomeApplied, At: txAt}})
	})
	if !domain.IsKind(err, domain.KindNotFound) {
		t.Fatalf("a save of an upgrade that is not there: %v (%s), want not found", err, domain.KindOf(err))
	}

	// fn fails after its statements.
	if err := fulfil(ctx, db, up.ID(), "evt_fails", paid, func(context.Context, application.Store) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("Do = %v, want fn's error", err)
	}

	// fn panics after the lock.
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the panic did not reach the caller")
			}
		}()
		_ = db.Do(ctx, func(ctx context.Context, s application.Store) error {
			ev := application.ReceivedEvent{ID: "evt_panics", Type: "checkout.session.completed", Payload: []byte(`{}`), ReceivedAt: txAt}
			if _, err := s.Outcomes.Lock(ctx, application.PaymentLock{Event: &ev, UpgradeID: up.ID()}); err != nil {
				return err
			}
			panic("in the middle of a fulfilment")
		})
	}()

	// The same connection, clean: nothing above was kept, and a whole
	// fulfilment commits.
	if got := status(t, db, up.ID()); got != domain.StatusPending {
		t.Fatalf("status %s, want pending after three failed units of work", got)
	}
	for _, id := range []string{"evt_gone", "evt_fails", "evt_panics"} {
		if fresh := recordFresh(t, db, id); !fresh {
			t.Errorf("event %s was kept by a unit of work that failed", id)
		}
	}
	if got := postgres.BackendPID(t, db); got != pid {
		t.Errorf("backend %d after the failures, want the connection kept (%d)", got, pid)
	}
	if err := fulfil(ctx, db, up.ID(), "evt_last", paid, nil); err != nil {
		t.Fatal(err)
	}
	if got := status(t, db, up.ID()); got != domain.StatusComplete {
		t.Fatalf("status %s, want complete", got)
	}
}

// recordFresh records event id in a unit of work that rolls back, and
// says whether it was new.
func recordFresh(t *testing.T, db *postgres.DB, id string) bool {
	t.Helper()
	var fresh bool
	rollback := errors.New("rollback")
	err := db.Do(context.Background(), func(ctx context.Context, s application.Store) (err error) {
		fresh, err = s.Events.Record(ctx, application.ReceivedEvent{ID: id, Type: "x", Payload: []byte(`{}`), ReceivedAt: txAt})
		if err != nil {
			return err
		}
		return rollback
	})
	if !errors.Is(err, rollback) {
		t.Fatal(err)
	}
	return fresh
}

// A unit of work whose context is cancelled before its COMMIT commits
// nothing (the held save is never sent), and the pool's one connection
// serves the next.
func TestCancelledUnitOfWorkCommitsNothing(t *testing.T) {
	db := open(t, dbtest.New(t))
	db.SQL().SetMaxOpenConns(1)
	up, paid := paidUpgrade(t, db, "alice")
	pid := postgres.BackendPID(t, db)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	err := fulfil(ctx, db, up.ID(), "evt_cancelled", paid, func(context.Context, application.Store) error {
		cancel() // the request went away after its save was held
		return nil
	})
	if err == nil {
		t.Fatal("a unit of work cancelled before its commit succeeded")
	}
	if got := status(t, db, up.ID()); got != domain.StatusPending {
		t.Fatalf("status %s, want pending", got)
	}
	if got := postgres.BackendPID(t, db); got != pid {
		t.Errorf("backend %d after the cancel, want the connection kept (%d)", got, pid)
	}
	if err := fulfil(context.Background(), db, up.ID(), "evt_after_cancel", paid, nil); err != nil {
		t.Fatalf("the next unit of work: %v", err)
	}
	if got := status(t, db, up.ID()); got != domain.StatusComplete {
		t.Fatalf("status %s, want complete", got)
	}
}

// The lock reads its row from the text of the answer, not through
// database/sql: what it returns is what the repositories read, NULLs
// (a pending upgrade's payment) and all.
func TestLockReadsWhatTheRepositoriesRead(t *testing.T) {
	db := open(t, dbtest.New(t))
	ctx := context.Background()
	up, paid := paidUpgrade(t, db, "alice")
	compare := func(when, evt string) {
		t.Helper()
		err := db.Do(ctx, func(ctx context.Context, s application.Store) error {
			ev := application.ReceivedEvent{ID: evt, Type: "checkout.session.completed", Payload: []byte(`{}`), ReceivedAt: txAt}
			locked, err := s.Outcomes.Lock(ctx, application.PaymentLock{Event: &ev, UpgradeID: up.ID()})
			if err != nil {
				return err
			}
			want, err := s.Upgrades.ByID(ctx, up.ID(), false)
			if err != nil {
				return err
			}
			recipient, err := s.Users.ByID(ctx, want.RecipientID())
			if err != nil {
				return err
			}
			if !locked.Fresh || !reflect.DeepEqual(locked.Upgrade, want) || !reflect.DeepEqual(locked.Recipient, recipient) {
				t.Errorf("%s: the lock read\n%+v\n%+v\nthe repositories\n%+v\n%+v", when, locked.Upgrade.Snapshot(), locked.Recipient, want.Snapshot(), recipient)
			}
			return errors.New("rollback")
		})
		if err == nil || err.Error() != "rollback" {
			t.Fatalf("%s: %v", when, err)
		}
	}
	compare("pending", "evt_pending")
	paid.Total, paid.Discount, paid.Totals = paid.Amount-500, 500, true
	if err := fulfil(ctx, db, up.ID(), "evt_paid", paid, nil); err != nil {
		t.Fatal(err)
	}
	compare("complete", "evt_after")
}

// BenchmarkFulfilment locks, applies and saves one paid upgrade per
// operation, one at a time, as a webhook does: its time is mostly
// PostgreSQL's, its allocations are the adapter's.
func BenchmarkFulfilment(b *testing.B) {
	db := open(b, dbtest.New(b))
	ctx := context.Background()
	ups := make([]*domain.Upgrade, b.N)
	paid := make([]domain.Payment, b.N)
	for i := range b.N {
		ups[i], paid[i] = paidUpgrade(b, db, fmt.Sprintf("m%d", i))
		paid[i].Total, paid[i].Discount, paid[i].Totals = paid[i].Amount, 0, true
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if err := fulfil(ctx, db, ups[i].ID(), fmt.Sprintf("evt_m%d", i), paid[i], nil); err != nil {
			b.Fatal(err)
		}
	}
}
