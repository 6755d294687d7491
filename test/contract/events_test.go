package contract_test

import (
	"context"
	"errors"
	"testing"

	"upgrades/application"
	"upgrades/domain"
)

func received(id string) application.ReceivedEvent {
	return application.ReceivedEvent{ID: id, Type: "checkout.session.completed", Payload: []byte(`{"id":"` + id + `"}`), ReceivedAt: t0}
}

// record runs Record in its own unit of work.
func record(t *testing.T, s store, id string) bool {
	t.Helper()
	var fresh bool
	do(t, s, func(ctx context.Context, st application.Store) (err error) {
		fresh, err = st.Events.Record(ctx, received(id))
		return err
	})
	return fresh
}

func wantEvent(t *testing.T, s store, id, outcome string, attempts int) {
	t.Helper()
	gotOutcome, gotAttempts, stored := s.Event(t, id)
	if !stored || gotOutcome != outcome || gotAttempts != attempts {
		t.Fatalf("event %s: stored=%t outcome=%q attempts=%d; want outcome %q after %d attempts",
			id, stored, gotOutcome, gotAttempts, outcome, attempts)
	}
}

var eventCases = []testCase{
	{"events/Record is fresh until Finish", func(t *testing.T, s store) {
		alice := mustUser(t, s, "alice", domain.LevelMember)
		up := mustUpgrade(t, s, alice, alice, domain.UpgradeGold, t0)
		if !record(t, s, "evt_1") {
			t.Fatal("a new event is not fresh")
		}
		wantEvent(t, s, "evt_1", "", 1)
		// Recorded but never finished (the process died): still to apply.
		if !record(t, s, "evt_1") {
			t.Fatal("an unfinished event is not fresh again")
		}
		wantEvent(t, s, "evt_1", "", 2)
		do(t, s, func(ctx context.Context, st application.Store) error {
			fresh, err := st.Events.Record(ctx, received("evt_1"))
			if err != nil || !fresh {
				t.Fatalf("Record = %t, %v", fresh, err)
			}
			return st.Events.Finish(ctx, "evt_1", domain.OutcomeApplied, up.ID(), t0)
		})
		wantEvent(t, s, "evt_1", "applied", 3)
		if record(t, s, "evt_1") {
			t.Fatal("a processed event is fresh again")
		}
		wantEvent(t, s, "evt_1", "applied", 3)
	}},

	{"events/Finish without an upgrade, seen by the same unit of work", func(t *testing.T, s store) {
		do(t, s, func(ctx context.Context, st application.Store) error {
			if _, err := st.Events.Record(ctx, received("evt_other")); err != nil {
				return err
			}
			if err := st.Events.Finish(ctx, "evt_other", application.OutcomeUnhandled, 0, t0); err != nil {
				return err
			}
			fresh, err := st.Events.Record(ctx, received("evt_other"))
			if err == nil && fresh {
				t.Error("an event finished in this unit of work is fresh again")
			}
			return err
		})
		wantEvent(t, s, "evt_other", application.OutcomeUnhandled.String(), 1)
	}},

	{"events/a rolled back Record leaves nothing", func(t *testing.T, s store) {
		boom := errors.New("boom")
		err := s.UoW.Do(ctx, func(ctx context.Context, st application.Store) error {
			if _, err := st.Events.Record(ctx, received("evt_1")); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Do = %v, want the function's error", err)
		}
		if _, _, stored := s.Event(t, "evt_1"); stored {
			t.Fatal("the rolled back event is stored")
		}
		if !record(t, s, "evt_1") {
			t.Fatal("the event is not fresh after a rollback")
		}
	}},

	{"events/Fail keeps the event to apply and never undoes a processed one", func(t *testing.T, s store) {
		fail := func(id, reason string) {
			t.Helper()
			do(t, s, func(ctx context.Context, st application.Store) error {
				return st.Events.Fail(ctx, received(id), reason)
			})
		}
		// The failed attempt's own Record was rolled back: Fail stores it.
		fail("evt_1", "the database went away")
		wantEvent(t, s, "evt_1", "", 1)
		fail("evt_1", "again")
		wantEvent(t, s, "evt_1", "", 2)
		if !record(t, s, "evt_1") {
			t.Fatal("a failed event is not fresh")
		}
		wantEvent(t, s, "evt_1", "", 3)
		do(t, s, func(ctx context.Context, st application.Store) error {
			return st.Events.Finish(ctx, "evt_1", domain.OutcomeIgnored, 0, t0)
		})
		fail("evt_1", "a late failure of a concurrent delivery")
		wantEvent(t, s, "evt_1", "ignored", 3)
		if record(t, s, "evt_1") {
			t.Fatal("Fail made a processed event fresh again")
		}
	}},
}
