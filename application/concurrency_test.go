package application_test

import (
	"fmt"
	"sync"
	"testing"

	"upgrades/adapters/memory"
	"upgrades/application"
	"upgrades/domain"
)

const racers = 50

// race runs fn(i) in racers goroutines released together, so that they
// really contend, and waits for all of them.
func race(fn func(i int)) {
	ready := make(chan struct{})
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			<-ready
			fn(i)
		})
	}
	close(ready)
	wg.Wait()
}

// fulfilments counts the history entries that completed the upgrade.
func (f *fixture) fulfilments(id domain.UpgradeID) int {
	n := 0
	for _, e := range f.upgrade(id).History() {
		if e.To == domain.StatusComplete && e.From != domain.StatusComplete && e.Outcome == domain.OutcomeApplied {
			n++
		}
	}
	return n
}

func TestSameEventDeliveredConcurrently(t *testing.T) {
	f := newFixture(t)
	alice, bob := f.user("alice", domain.LevelMember), f.user("bob", domain.LevelMember)
	up := f.start(alice, bob, domain.UpgradeGold)
	ev := f.event(up, "evt_storm", domain.EventCheckoutPaid)

	results := make([]application.Applied, racers)
	errs := make([]error, racers)
	race(func(i int) { results[i], errs[i] = f.app.ApplyEvent.Handle(f.ctx, ev) })

	fulfilled, duplicates := 0, 0
	for i := range racers {
		if errs[i] != nil {
			t.Fatalf("delivery %d: %v", i, errs[i])
		}
		if results[i].Result.Fulfilled {
			fulfilled++
		}
		if results[i].Duplicate {
			duplicates++
		}
	}
	if fulfilled != 1 || duplicates != racers-1 {
		t.Fatalf("%d fulfilments and %d duplicates, want 1 and %d", fulfilled, duplicates, racers-1)
	}
	if st := f.upgrade(up.ID()).Status(); st != domain.StatusComplete {
		t.Fatalf("status %s", st)
	}
	if n := f.fulfilments(up.ID()); n != 1 {
		t.Fatalf("history shows %d fulfilments", n)
	}
	if got := f.messages(bob); len(got) != 1 {
		t.Fatalf("bob was told %d times: %q", len(got), got)
	}
	if got := f.messages(alice); len(got) != 1 {
		t.Fatalf("alice was told %d times: %q", len(got), got)
	}
	if f.level(bob) != domain.LevelGold {
		t.Fatalf("bob is %s", f.level(bob))
	}
}

func TestRelatedEventsDeliveredConcurrently(t *testing.T) {
	tests := []struct {
		desc string
		// before is applied first, in order.
		before []domain.EventKind
		// mix is dealt round-robin to the racers, each with its own event id.
		mix []domain.EventKind
	}{
		{
			"a checkout completing, from pending",
			nil,
			[]domain.EventKind{domain.EventCheckoutUnpaid, domain.EventCheckoutPaid, domain.EventAsyncSucceeded},
		},
		{
			// Once the checkout has completed, a stale expiry cannot win.
			"with a stale expiry, from processing",
			[]domain.EventKind{domain.EventCheckoutUnpaid},
			[]domain.EventKind{domain.EventCheckoutUnpaid, domain.EventCheckoutPaid, domain.EventAsyncSucceeded, domain.EventSessionExpired},
		},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			f := newFixture(t)
			alice, bob := f.user("alice", domain.LevelMember), f.user("bob", domain.LevelMember)
			up := f.start(alice, bob, domain.UpgradeGold)
			for i, k := range tc.before {
				f.apply(f.event(up, fmt.Sprintf("evt_before_%d", i), k))
			}
			results := make([]application.Applied, racers)
			errs := make([]error, racers)
			race(func(i int) {
				ev := f.event(up, fmt.Sprintf("evt_%d", i), tc.mix[i%len(tc.mix)])
				results[i], errs[i] = f.app.ApplyEvent.Handle(f.ctx, ev)
			})

			fulfilled := 0
			for i := range racers {
				if errs[i] != nil {
					t.Fatalf("delivery %d: %v", i, errs[i])
				}
				if results[i].Duplicate {
					t.Fatalf("delivery %d with its own id was a duplicate", i)
				}
				if results[i].Result.Fulfilled {
					fulfilled++
				}
			}
			if fulfilled != 1 {
				t.Fatalf("%d fulfilments, want 1", fulfilled)
			}
			if st := f.upgrade(up.ID()).Status(); st != domain.StatusComplete {
				t.Fatalf("final status %s, want complete", st)
			}
			if n := f.fulfilments(up.ID()); n != 1 {
				t.Fatalf("history shows %d fulfilments", n)
			}
			if got := f.messages(bob); len(got) != 1 {
				t.Fatalf("bob was told %d times: %q", len(got), got)
			}
			if got := f.messages(alice); len(got) != 1 {
				t.Fatalf("alice was told %d times: %q", len(got), got)
			}
			if f.level(bob) != domain.LevelGold {
				t.Fatalf("bob is %s", f.level(bob))
			}
			if got := len(f.upgrade(up.ID()).History()); got != 1+len(tc.before)+racers {
				t.Fatalf("%d history entries, want one per event", got)
			}
		})
	}
}

// An expiry racing the payment from pending may win: then the payment is
// refunded as redundant, the owners are told and nobody is upgraded. Either way the
// upgrade ends in a legal state and is fulfilled at most once.
func TestExpiryRacingThePayment(t *testing.T) {
	f := newFixture(t)
	alice := f.user("alice", domain.LevelMember)
	up := f.start(alice, alice, domain.UpgradeGold)
	mix := []domain.EventKind{domain.EventCheckoutPaid, domain.EventSessionExpired, domain.EventAsyncSucceeded, domain.EventCheckoutUnpaid}
	results := make([]application.Applied, racers)
	errs := make([]error, racers)
	race(func(i int) {
		results[i], errs[i] = f.app.ApplyEvent.Handle(f.ctx, f.event(up, fmt.Sprintf("evt_%d", i), mix[i%len(mix)]))
	})
	fulfilled := 0
	for i := range racers {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if results[i].Result.Fulfilled {
			fulfilled++
		}
	}
	switch st := f.upgrade(up.ID()).Status(); st {
	case domain.StatusComplete:
		if fulfilled != 1 || f.level(alice) != domain.LevelGold || len(f.messages(alice)) != 1 {
			t.Fatalf("complete with %d fulfilments, alice %s", fulfilled, f.level(alice))
		}
	case domain.StatusRefunded:
		if fulfilled != 0 || f.level(alice) != domain.LevelMember || len(f.messages(alice)) != 1 {
			t.Fatalf("refunded with %d fulfilments, alice %s, told %q", fulfilled, f.level(alice), f.messages(alice))
		}
		if len(f.messages(f.owner)) != 1 || len(f.gw.refundRequests()) != 1 {
			t.Fatalf("owners told %q, %d refund requests", f.messages(f.owner), len(f.gw.refundRequests()))
		}
	default:
		t.Fatalf("final status %s", st)
	}
}

// The success page and the webhook racing each other fulfil once.
func TestSuccessPageRacingTheWebhook(t *testing.T) {
	f := newFixture(t)
	alice, bob := f.user("alice", domain.LevelMember), f.user("bob", domain.LevelMember)
	up := f.start(alice, bob, domain.UpgradeGold)
	pi := f.gw.Complete(up.SessionID(), memory.PaymentPaid)
	ev := f.event(up, "evt_paid", domain.EventCheckoutPaid)
	ev.PaymentIntentID = pi
	errs := make([]error, racers)
	race(func(i int) {
		if i%2 == 0 {
			_, errs[i] = f.app.ApplyEvent.Handle(f.ctx, ev)
		} else {
			_, errs[i] = f.app.ShowUpgrade.Handle(f.ctx, application.ShowUpgrade{ViewerID: alice.ID(), UpgradeID: up.ID(), Refresh: true, SessionID: up.SessionID()})
		}
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("racer %d: %v", i, err)
		}
	}
	if n := f.fulfilments(up.ID()); n != 1 || f.upgrade(up.ID()).Status() != domain.StatusComplete {
		t.Fatalf("%d fulfilments, status %s", n, f.upgrade(up.ID()).Status())
	}
	if got := f.messages(bob); len(got) != 1 {
		t.Fatalf("bob was told %d times", len(got))
	}
}

// A burst of clicks on the buy button makes one checkout.
func TestStartUpgradeClickedConcurrently(t *testing.T) {
	f := newFixture(t)
	alice, bob := f.user("alice", domain.LevelMember), f.user("bob", domain.LevelMember)
	results := make([]application.StartedUpgrade, racers)
	errs := make([]error, racers)
	race(func(i int) {
		results[i], errs[i] = f.app.StartUpgrade.Handle(f.ctx, application.StartUpgrade{PurchaserID: alice.ID(), RecipientID: bob.ID(), Type: "gold"})
	})
	var id domain.UpgradeID
	for i := range racers {
		// Clicks that arrive while the checkout is being created wait for
		// it and get it too.
		if errs[i] != nil {
			t.Fatalf("click %d: %v", i, errs[i])
		}
		if id == 0 {
			id = results[i].Upgrade.ID()
		}
		if results[i].Upgrade.ID() != id {
			t.Fatalf("two checkouts: #%d and #%d", id, results[i].Upgrade.ID())
		}
	}
	if id == 0 {
		t.Fatal("no click succeeded")
	}
	if n := f.gw.CallCount("create"); n != 1 {
		t.Fatalf("%d gateway create calls, want 1", n)
	}
	if n := f.upgradeCount(); n != 1 {
		t.Fatalf("%d upgrades, want 1", n)
	}
}

// Owners clicking refund at once refund once and revert once.
func TestRefundClickedConcurrently(t *testing.T) {
	f := newFixture(t)
	alice := f.user("alice", domain.LevelMember)
	up := f.start(alice, alice, domain.UpgradeGold)
	f.pay(up)
	results := make([]application.Applied, racers)
	errs := make([]error, racers)
	race(func(i int) {
		results[i], errs[i] = f.app.Refund.Handle(f.ctx, application.RefundUpgrade{By: application.Actor{ID: f.owner.ID()}, UpgradeID: up.ID()})
	})
	applied, reverted := 0, 0
	for i := range racers {
		if errs[i] != nil {
			wantKind(t, errs[i], domain.KindConflict)
			continue
		}
		if results[i].Outcome.String() == "applied" {
			applied++
		}
		if results[i].Result.Reverted {
			reverted++
		}
	}
	if applied != 1 || reverted != 1 {
		t.Fatalf("%d refunds applied, %d reverts; want 1 and 1", applied, reverted)
	}
	keys := map[string]bool{}
	for _, r := range f.gw.refundRequests() {
		keys[r.IdempotencyKey] = true
	}
	if len(keys) != 1 {
		t.Fatalf("refunds used %d idempotency keys", len(keys))
	}
	if f.upgrade(up.ID()).Status() != domain.StatusRefunded || f.level(alice) != domain.LevelMember {
		t.Fatal("not refunded")
	}
	refundMsgs := 0
	for _, m := range f.messages(alice) {
		if hasMessage([]string{m}, "Your payment for upgrade") {
			refundMsgs++
		}
	}
	if refundMsgs != 1 {
		t.Fatalf("alice was told of %d refunds", refundMsgs)
	}
}
