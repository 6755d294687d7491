package contract_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"upgrades/application"
	"upgrades/domain"
)

var anomalyCases = []testCase{
	{"anomalies/a refund owed past the hour is listed until an owner resolves it, which the trail keeps", func(t *testing.T, s store) {
		sh := newShop(t, s)
		owner := sh.user(t, "a_owner", domain.LevelOwner)
		alice, carol, bob := sh.user(t, "a_alice", domain.LevelMember), sh.user(t, "a_carol", domain.LevelMember), sh.user(t, "a_bob", domain.LevelMember)
		first, second := sh.start(t, alice, bob, domain.UpgradeGold), sh.start(t, carol, bob, domain.UpgradeGold)
		if _, err := sh.app.ApplyEvent.Handle(ctx, event("evt_a1", domain.EventCheckoutPaid, first, "pi_a1")); err != nil {
			t.Fatal(err)
		}
		sh.gw.FailWith(fmt.Errorf("stripe is down"))
		// The second gift raises nothing: its refund is owed, and fails.
		if _, err := sh.app.ApplyEvent.Handle(ctx, event("evt_a2", domain.EventCheckoutPaid, second, "pi_a2")); err != nil {
			t.Fatal(err)
		}
		list := func() []application.Anomaly {
			t.Helper()
			got, err := sh.app.ListAnomalies.Handle(ctx, application.ListAnomalies{ViewerID: owner.ID()})
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		if got := list(); len(got) != 0 {
			t.Fatalf("a refund owed for a moment is listed: %+v", got)
		}
		sh.clock.Advance(application.StuckRefundAfter + time.Minute)
		got := list()
		if len(got) != 1 || got[0].Kind != application.AnomalyRefund || got[0].UpgradeID != second.ID() || got[0].Detail == "" {
			t.Fatalf("anomalies %+v, want the stuck refund of #%d with its error", got, second.ID())
		}
		if _, err := sh.app.ListAnomalies.Handle(ctx, application.ListAnomalies{ViewerID: bob.ID()}); !domain.IsKind(err, domain.KindForbidden) {
			t.Fatalf("a member's list: %v, want forbidden", err)
		}
		subject := got[0].Subject
		if err := sh.app.ResolveAnomaly.Handle(ctx, application.ResolveAnomaly{By: application.Actor{ID: bob.ID()}, Subject: subject, Note: "mine"}); !domain.IsKind(err, domain.KindForbidden) {
			t.Fatalf("a member's resolution: %v, want forbidden", err)
		}
		if err := sh.app.ResolveAnomaly.Handle(ctx, application.ResolveAnomaly{By: application.Actor{ID: owner.ID()}, Subject: subject}); !domain.IsKind(err, domain.KindInvalid) {
			t.Fatalf("a resolution without a note: %v, want invalid", err)
		}
		if err := sh.app.ResolveAnomaly.Handle(ctx, application.ResolveAnomaly{By: application.Actor{ID: owner.ID()}, Subject: subject, Note: "refunded by hand in the dashboard"}); err != nil {
			t.Fatal(err)
		}
		if got := list(); len(got) != 0 {
			t.Fatalf("resolved, still listed: %+v", got)
		}
		err := sh.app.ResolveAnomaly.Handle(ctx, application.ResolveAnomaly{By: application.Actor{ID: owner.ID()}, Subject: subject, Note: "again"})
		if !domain.IsKind(err, domain.KindConflict) {
			t.Fatalf("resolving twice: %v, want conflict", err)
		}
		trail := auditTrail(t, s, application.AuditQuery{Action: domain.AuditAnomalyResolution})
		if len(trail) != 1 || trail[0].Entry.Subject() != subject || trail[0].ActorName != "a_owner" || trail[0].Entry.Reason() != "refunded by hand in the dashboard" {
			t.Fatalf("trail %+v", trail)
		}
	}},
	{"anomalies/eight owners resolving one anomaly at once: one wins, one entry in the trail", func(t *testing.T, s store) {
		sh := newShop(t, s)
		owners := make([]*domain.User, 8)
		for i := range owners {
			owners[i] = sh.user(t, fmt.Sprintf("owner%d", i), domain.LevelOwner)
		}
		errs := make([]error, len(owners))
		var wg sync.WaitGroup
		for i, o := range owners {
			wg.Go(func() {
				errs[i] = sh.app.ResolveAnomaly.Handle(ctx, application.ResolveAnomaly{By: application.Actor{ID: o.ID()}, Subject: "event:evt_race", Note: "mine"})
			})
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !domain.IsKind(err, domain.KindConflict):
				t.Fatalf("a losing resolution: %v, want conflict", err)
			}
		}
		if won != 1 {
			t.Fatalf("%d resolutions won", won)
		}
		if trail := auditTrail(t, s, application.AuditQuery{Subject: "event:evt_race"}); len(trail) != 1 {
			t.Fatalf("%d entries in the trail, want the winner's", len(trail))
		}
	}},
	{"anomalies/resolutions round-trip by subject; a subject is resolved once", func(t *testing.T, s store) {
		owner := mustUser(t, s, "olivia", domain.LevelOwner)
		do(t, s, func(ctx context.Context, st application.Store) error {
			return st.Resolved.Resolve(ctx, application.Resolution{Subject: "event:evt_1", Note: "replayed", By: owner.ID(), At: t0})
		})
		do(t, s, func(ctx context.Context, st application.Store) error {
			return st.Resolved.Resolve(ctx, application.Resolution{Subject: "refund:3", Note: "by hand", At: t0})
		})
		err := s.UoW.Do(ctx, func(ctx context.Context, st application.Store) error {
			return st.Resolved.Resolve(ctx, application.Resolution{Subject: "event:evt_1", Note: "twice", At: t0})
		})
		if !domain.IsKind(err, domain.KindConflict) {
			t.Fatalf("twice: %v", err)
		}
		var got map[string]application.Resolution
		do(t, s, func(ctx context.Context, st application.Store) (err error) {
			got, err = st.Resolved.Resolved(ctx, []string{"event:evt_1", "refund:3", "event:evt_other"})
			return err
		})
		want := map[string]application.Resolution{
			"event:evt_1": {Subject: "event:evt_1", Note: "replayed", By: owner.ID(), At: t0},
			"refund:3":    {Subject: "refund:3", Note: "by hand", At: t0},
		}
		if len(got) != len(want) {
			t.Fatalf("resolved %+v", got)
		}
		for k, w := range want {
			if g := got[k]; g.Subject != w.Subject || g.Note != w.Note || g.By != w.By || !g.At.Equal(w.At) {
				t.Errorf("%s: %+v, want %+v", k, g, w)
			}
		}
	}},
}
