package contract_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"upgrades/adapters/memory"
	"upgrades/application"
	"upgrades/domain"
)

// Cases about the locks that make one decision of two racing requests:
// each would pass on a store without the lock if the requests happened
// not to overlap, so holdFirst makes them overlap.
var lockCases = []testCase{
	{"use cases/a refund and a lost dispute at once revert once and tell once", func(t *testing.T, s store) {
		sh := newShop(t, s)
		alice := sh.user(t, "alice", domain.LevelMember)
		bob := sh.user(t, "bob", domain.LevelMember)
		owner := sh.user(t, "owner", domain.LevelOwner)
		up := sh.start(t, alice, bob, domain.UpgradeGold)
		pi := sh.gw.Complete(up.SessionID(), memory.PaymentPaid)
		if a, err := sh.app.ApplyEvent.Handle(ctx, event("evt_paid", domain.EventCheckoutPaid, up, pi)); err != nil || !a.Result.Fulfilled {
			t.Fatalf("paying: %+v, %v", a, err)
		}
		before := map[domain.UserID]int{}
		for _, u := range []*domain.User{alice, bob, owner} {
			before[u.ID()] = len(sh.messages(t, u))
		}

		// Both name the upgrade by its payment only, as Stripe's charge
		// and dispute events do.
		charge := func(id, typ string, kind domain.EventKind) application.PaymentEvent {
			return application.PaymentEvent{Payment: domain.Payment{Kind: kind, PaymentIntentID: pi, Amount: up.Price().Amount(), Currency: up.Price().Currency()}, ID: id, Type: typ, Payload: []byte(`{"id":"` + id + `"}`), Source: "stripe"}
		}
		events := []application.PaymentEvent{charge("evt_refunded", "charge.refunded", domain.EventRefunded), charge("evt_lost", "charge.dispute.closed", domain.EventDisputeLost)}
		sh.uow.afterPaymentLock = newHoldFirst(s).pass
		var wg sync.WaitGroup
		errs := make([]error, len(events))
		outcomes := make([]string, len(events))
		for i, ev := range events {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a, err := sh.app.ApplyEvent.Handle(ctx, ev)
				errs[i], outcomes[i] = err, a.Outcome.String()
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("%s: %v", events[i].ID, err)
			}
		}

		got := read(t, s, up.ID(), true)
		transitions := 0
		for _, e := range got.History() {
			if e.To == domain.StatusRefunded && e.From != domain.StatusRefunded {
				transitions++
			}
		}
		if got.Status() != domain.StatusRefunded || transitions != 1 {
			t.Fatalf("upgrade is %s after %d transitions to refunded (outcomes %v), want one:\n%+v", got.Status(), transitions, outcomes, got.History())
		}
		if l := readUser(t, s, bob.ID()).Level(); l != domain.LevelMember {
			t.Errorf("bob is %s, want member again", l)
		}
		told := func(u *domain.User, about string) int {
			msgs := sh.messages(t, u)
			n := 0
			for _, m := range msgs[:len(msgs)-before[u.ID()]] { // newest first
				if strings.Contains(m.Body, about) {
					n++
				}
			}
			return n
		}
		if n := told(alice, "was refunded"); n != 1 {
			t.Errorf("alice, who paid, was told of %d refunds, want 1", n)
		}
		if n := told(bob, "was refunded"); n != 1 {
			t.Errorf("bob was told %d times that his gift was refunded, want 1", n)
		}
		if n := len(sh.messages(t, owner)) - before[owner.ID()]; n > 1 {
			t.Errorf("the owner got %d messages, want at most the lost dispute's", n)
		}
	}},

	{"use cases/concurrent starts for one buyer make one upgrade and one checkout", func(t *testing.T, s store) {
		sh := newShop(t, s)
		alice := sh.user(t, "alice", domain.LevelMember)
		bob := sh.user(t, "bob", domain.LevelMember)
		// Two starts that both looked for a pending upgrade before either
		// made one would both make one: the buyer's lock keeps them apart.
		sh.uow.afterLatestPending = newHoldFirst(s).pass
		const clicks = 6
		var wg sync.WaitGroup
		started := make([]application.StartedUpgrade, clicks)
		errs := make([]error, clicks)
		for i := range clicks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				started[i], errs[i] = sh.app.StartUpgrade.Handle(ctx, application.StartUpgrade{PurchaserID: alice.ID(), RecipientID: bob.ID(), Type: "gold"})
			}()
		}
		wg.Wait()
		for i := range clicks {
			if errs[i] != nil {
				t.Fatalf("click %d: %v", i, errs[i])
			}
			if started[i].Upgrade.ID() != started[0].Upgrade.ID() {
				t.Errorf("click %d got upgrade #%d, click 0 #%d", i, started[i].Upgrade.ID(), started[0].Upgrade.ID())
			}
		}
		var rows []application.UpgradeRow
		do(t, s, func(ctx context.Context, st application.Store) (err error) {
			rows, err = st.Upgrades.List(ctx, application.UpgradeQuery{VisibleTo: alice.ID(), Window: application.Window{Limit: 100}})
			return err
		})
		if len(rows) != 1 {
			t.Errorf("%d upgrades stored, want 1: %v", len(rows), ids(rows))
		}
		if n := sh.gw.CallCount("create"); n != 1 {
			t.Errorf("%d checkouts created, want 1", n)
		}
	}},
}
