package contract_test

import (
	"context"
	"maps"
	"testing"

	"upgrades/application"
	"upgrades/domain"
)

// backlog counts what the metrics' gauges show, through the use case.
func backlog(t *testing.T, s store) application.Backlog {
	t.Helper()
	b, err := application.NewCountBacklogHandler(s.UoW).Handle(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var backlogCases = []testCase{
	{"backlog/counts open upgrades by status and unprocessed events", func(t *testing.T, s store) {
		b := backlog(t, s)
		want := map[domain.Status]int{domain.StatusPending: 0, domain.StatusProcessing: 0}
		if b.UnprocessedEvents != 0 || !maps.Equal(b.OpenUpgrades, want) {
			t.Fatalf("empty store: %+v; want no events and %v", b, want)
		}
		alice := mustUser(t, s, "alice", domain.LevelMember)
		bob := mustUser(t, s, "bob", domain.LevelMember)
		mustUpgrade(t, s, alice, alice, domain.UpgradeGold, t0)
		up := mustUpgrade(t, s, alice, bob, domain.UpgradeGold, t0)
		record(t, s, "evt_open")
		record(t, s, "evt_done")
		do(t, s, func(ctx context.Context, st application.Store) error {
			return st.Events.Finish(ctx, "evt_done", domain.OutcomeApplied, up.ID(), t0)
		})
		do(t, s, func(ctx context.Context, st application.Store) error {
			return st.Events.Fail(ctx, received("evt_failed"), "database went away")
		})
		b = backlog(t, s)
		want[domain.StatusPending] = 2
		if b.UnprocessedEvents != 2 || !maps.Equal(b.OpenUpgrades, want) {
			t.Fatalf("got %+v; want 2 unprocessed events (one open, one failed) and %v", b, want)
		}
	}},
}
