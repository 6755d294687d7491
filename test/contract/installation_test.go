package contract_test

import (
	"testing"

	"upgrades/application"
	"upgrades/domain"
)

// SPEC §3: each database is an installation of its own; another
// installation's events touch nothing.
var installationCases = []testCase{
	{"each store is an installation of its own", func(t *testing.T, s store) {
		first, err := s.Installation(ctx)
		if err != nil || first == "" {
			t.Fatalf("installation %q, %v", first, err)
		}
		again, err := s.Installation(ctx)
		if err != nil || again != first {
			t.Fatalf("read again: %q, %v; want %q", again, err, first)
		}
	}},
	{"another installation's event is foreign and touches nothing", func(t *testing.T, s store) {
		sh := newShop(t, s)
		buyer := sh.user(t, "foreign_buyer", domain.LevelMember)
		up := sh.start(t, buyer, buyer, domain.UpgradeGold)
		ev := event("evt_foreign", domain.EventCheckoutPaid, up, "pi_foreign")
		ev.Installation = "someone-else"
		a, err := sh.app.ApplyEvent.Handle(ctx, ev)
		if err != nil || a.Outcome != application.OutcomeForeign {
			t.Fatalf("applied %+v, %v; want foreign", a, err)
		}
		if outcome, _, _ := s.Event(t, "evt_foreign"); outcome != "foreign" {
			t.Fatalf("event recorded as %q", outcome)
		}
		if got := read(t, s, up.ID(), true); got.Status() != domain.StatusPending || got.PaymentIntentID() != "" || len(got.History()) != 1 {
			t.Fatalf("the upgrade changed: %+v, %d history entries", got.Snapshot(), len(got.History()))
		}
		if got := readUser(t, s, buyer.ID()); got.Level() != domain.LevelMember {
			t.Fatalf("the buyer is %s", got.Level())
		}

		// The same payment naming this installation, or none, is ours.
		for i, inst := range []string{"contract", ""} {
			ev := event([]string{"evt_ours", "evt_unnamed"}[i], domain.EventCheckoutPaid, up, "pi_foreign")
			ev.Installation = inst
			if a, err := sh.app.ApplyEvent.Handle(ctx, ev); err != nil || (i == 0) != (a.Outcome == domain.OutcomeApplied) {
				t.Fatalf("installation %q: %+v, %v", inst, a, err)
			}
		}
	}},
}
