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

// SPEC §2: a redundant payment is refunded exactly once, however many
// deliveries of it race; the owed refund is stored with the outcome.
var refundCases = []testCase{
	{"a redundant payment delivered many times at once is refunded once", func(t *testing.T, s store) {
		sh := newShop(t, s)
		alice, carol, bob := sh.user(t, "r_alice", domain.LevelMember), sh.user(t, "r_carol", domain.LevelMember), sh.user(t, "r_bob", domain.LevelMember)
		first, second := sh.start(t, alice, bob, domain.UpgradeGold), sh.start(t, carol, bob, domain.UpgradeGold)
		if _, err := sh.app.ApplyEvent.Handle(ctx, event("evt_first", domain.EventCheckoutPaid, first, "pi_first")); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Go(func() {
				_, errs[i] = sh.app.ApplyEvent.Handle(ctx, event(fmt.Sprintf("evt_second_%d", i%2), domain.EventCheckoutPaid, second, "pi_second"))
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if n := sh.gw.CallCount("refund pi_second"); n != 1 {
			t.Fatalf("%d refund calls", n)
		}
		if got := read(t, s, second.ID(), true); got.Status() != domain.StatusRefunded {
			t.Fatalf("the second gift is %s", got.Status())
		}
		if l := readUser(t, s, bob.ID()).Level(); l != domain.LevelGold {
			t.Fatalf("bob is %s", l)
		}
		// Nothing is owed any more, whatever the time.
		r, err := sh.app.Reconcile.Handle(ctx, application.Reconcile{})
		if err != nil || r.Refunded != 0 || sh.gw.CallCount("refund") != 1 {
			t.Fatalf("reconcile: %+v, %v", r, err)
		}
	}},
	{"a claimed refund is skipped by other claims until its lease ends", func(t *testing.T, s store) {
		sh := newShop(t, s)
		alice, carol, bob := sh.user(t, "l_alice", domain.LevelMember), sh.user(t, "l_carol", domain.LevelMember), sh.user(t, "l_bob", domain.LevelMember)
		first, second := sh.start(t, alice, bob, domain.UpgradeGold), sh.start(t, carol, bob, domain.UpgradeGold)
		sh.gw.FailWith(fmt.Errorf("down"))
		for i, up := range []*domain.Upgrade{first, second} {
			if _, err := sh.app.ApplyEvent.Handle(ctx, event(fmt.Sprintf("evt_%d", i), domain.EventCheckoutPaid, up, fmt.Sprintf("pi_%d", i))); err != nil {
				t.Fatal(err)
			}
		}
		now := t0.Add(time.Hour)
		claim := func(st application.Store) []application.OutboxRefund {
			got, err := st.Refunds.Claim(ctx, now, now.Add(time.Minute), 10, "")
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		var first1, during, after []application.OutboxRefund
		if s.Serial {
			do(t, s, func(_ context.Context, st application.Store) error { first1 = claim(st); return nil })
		} else {
			// A second claim while the first is still open passes over its row.
			do(t, s, func(_ context.Context, st application.Store) error {
				first1 = claim(st)
				do(t, s, func(_ context.Context, st2 application.Store) error { during = claim(st2); return nil })
				return nil
			})
		}
		do(t, s, func(_ context.Context, st application.Store) error { after = claim(st); return nil })
		if len(first1) != 1 || first1[0].Request.IdempotencyKey != fmt.Sprintf("contract:user_upgrade_%d:refund", second.ID()) || first1[0].Attempts != 2 {
			t.Fatalf("first claim %+v", first1)
		}
		if len(during) != 0 || len(after) != 0 {
			t.Fatalf("claims during %+v and after %+v the first", during, after)
		}
		do(t, s, func(ctx context.Context, st application.Store) error {
			return st.Refunds.Done(ctx, first1[0].ID, "re_1", now)
		})
		var later []application.OutboxRefund
		do(t, s, func(ctx context.Context, st application.Store) error {
			var err error
			later, err = st.Refunds.Claim(ctx, now.Add(time.Hour), now.Add(2*time.Hour), 10, "")
			return err
		})
		if len(later) != 0 {
			t.Fatalf("a done refund was claimed again: %+v", later)
		}
	}},
}
