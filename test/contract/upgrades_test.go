package contract_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"upgrades/application"
	"upgrades/domain"
)

var upgradeCases = []testCase{
	{"upgrades/create and read back with and without history", func(t *testing.T, s store) {
		alice := mustUser(t, s, "alice", domain.LevelMember)
		bob := mustUser(t, s, "bob", domain.LevelMember)
		up, err := domain.NewUpgrade(alice, bob, domain.UpgradePlatinum, domain.DefaultPrices(), t0)
		if err != nil {
			t.Fatal(err)
		}
		created := up.History()
		do(t, s, func(ctx context.Context, st application.Store) error { return st.Upgrades.Create(ctx, up) })
		if up.ID() == 0 {
			t.Fatal("Create assigned no id")
		}
		if len(up.UnsavedHistory()) != 0 {
			t.Error("Create left history unsaved")
		}

		bare := read(t, s, up.ID(), false)
		sameUpgrade(t, bare, up)
		if len(bare.History()) != 0 {
			t.Errorf("ByID without history loaded %d entries", len(bare.History()))
		}
		if !bare.IsGifted() || bare.Price() != domain.DefaultPrices().Of(domain.UpgradePlatinum) {
			t.Errorf("read back gifted=%t price=%v", bare.IsGifted(), bare.Price())
		}
		full := read(t, s, up.ID(), true)
		sameUpgrade(t, full, up)
		sameHistory(t, full.History(), created)

		err = s.UoW.Do(ctx, func(ctx context.Context, st application.Store) error {
			_, err := st.Upgrades.ByID(ctx, up.ID()+1000, true)
			return err
		})
		wantKind(t, err, domain.KindNotFound)
	}},

	{"upgrades/create for an unknown user is not found", func(t *testing.T, s store) {
		alice := mustUser(t, s, "alice", domain.LevelMember)
		ghost := domain.UnmarshalUserFromDatabase(alice.ID()+1000, "ghost", "", "h", "k", domain.LevelMember, false, t0)
		for _, pair := range [][2]*domain.User{{alice, ghost}, {ghost, alice}} {
			up, err := domain.NewUpgrade(pair[0], pair[1], domain.UpgradeGold, domain.DefaultPrices(), t0)
			if err != nil {
				t.Fatal(err)
			}
			err = s.UoW.Do(ctx, func(ctx context.Context, st application.Store) error { return st.Upgrades.Create(ctx, up) })
			wantKind(t, err, domain.KindNotFound)
		}
	}},

	{"upgrades/Update stores the fields and appends the history", func(t *testing.T, s store) {
		alice := mustUser(t, s, "alice", domain.LevelMember)
		up := mustUpgrade(t, s, alice, alice, domain.UpgradeGold, t0)
		want := up.History()

		attached := attach(t, s, up.ID(), "cs_1", t0.Add(time.Second))
		sameUpgrade(t, read(t, s, up.ID(), false), attached)

		unpaid, _ := apply(t, s, up.ID(), domain.Payment{Kind: domain.EventCheckoutUnpaid, Cause: "stripe evt_1", PaymentIntentID: "pi_1"}, t0.Add(2*time.Second))
		want = append(want, unpaid.History()...)
		paid, res := apply(t, s, up.ID(), domain.Payment{Kind: domain.EventAsyncSucceeded, Cause: "stripe evt_2"}, t0.Add(3*time.Second))
		want = append(want, paid.History()...)
		if !res.Fulfilled {
			t.Fatalf("async success did not fulfil: %+v", res)
		}
		late, _ := apply(t, s, up.ID(), domain.Payment{Kind: domain.EventCheckoutUnpaid, Cause: "stripe evt_3"}, t0.Add(4*time.Second))
		want = append(want, late.History()...)

		got := read(t, s, up.ID(), true)
		sameUpgrade(t, got, late)
		if got.Status() != domain.StatusComplete || got.PaymentIntentID() != "pi_1" || got.LevelBefore() != domain.LevelMember {
			t.Fatalf("after the events: %s, pi %q, level before %s", got.Status(), got.PaymentIntentID(), got.LevelBefore())
		}
		sameHistory(t, got.History(), want)
		if n := len(got.History()); n != 4 {
			t.Fatalf("history has %d entries, want created, processing, complete and the ignored late event", n)
		}
		if readUser(t, s, alice.ID()).Level() != domain.LevelGold {
			t.Error("the recipient's new level was not stored")
		}

	}},

	{"upgrades/a checkout session belongs to one upgrade: a second is a conflict and rolls back", func(t *testing.T, s store) {
		alice := mustUser(t, s, "alice", domain.LevelMember)
		first := mustUpgrade(t, s, alice, alice, domain.UpgradeGold, t0)
		second := mustUpgrade(t, s, alice, alice, domain.UpgradePlatinum, t0)
		attach(t, s, first.ID(), "cs_shared", t0)
		err := s.UoW.Do(ctx, func(ctx context.Context, st application.Store) error {
			up, err := st.Upgrades.LockByID(ctx, second.ID())
			if err != nil {
				return err
			}
			if err := up.AttachCheckout("cs_shared", "https://checkout.test/pay/cs_shared", t0.Add(time.Hour), t0); err != nil {
				return err
			}
			return st.Upgrades.Update(ctx, up)
		})
		wantKind(t, err, domain.KindConflict)
		if got := domain.MessageOf(err); got != "checkout session cs_shared belongs to another upgrade" {
			t.Errorf("message %q", got)
		}
		if got := read(t, s, second.ID(), true); got.SessionID() != "" || len(got.History()) != 1 {
			t.Errorf("the refused update left session %q and %d history entries", got.SessionID(), len(got.History()))
		}
	}},

	{"upgrades/LockByID makes a second lock wait for the first unit of work", func(t *testing.T, s store) {
		alice := mustUser(t, s, "alice", domain.LevelMember)
		up := mustUpgrade(t, s, alice, alice, domain.UpgradeGold, t0)
		var (
			firstLocked  = make(chan struct{})
			secondLocked = make(chan struct{})
			firstOpen    atomic.Bool // the first unit of work has not returned yet
			seen         = make(chan string, 1)
			secondErr    = make(chan error, 1)
		)
		firstOpen.Store(true)
		go func() {
			<-firstLocked
			secondErr <- s.UoW.Do(ctx, func(ctx context.Context, st application.Store) error {
				locked, err := st.Upgrades.LockByID(ctx, up.ID())
				if err != nil {
					return err
				}
				early := firstOpen.Load()
				close(secondLocked)
				if early {
					return errors.New("the second lock returned while the first unit of work was still open")
				}
				seen <- locked.SessionID()
				return nil
			})
		}()
		err := s.UoW.Do(ctx, func(ctx context.Context, st application.Store) error {
			locked, err := st.Upgrades.LockByID(ctx, up.ID())
			if err != nil {
				return err
			}
			if err := locked.AttachCheckout("cs_first", "https://checkout.test/pay/cs_first", t0.Add(time.Hour), t0); err != nil {
				return err
			}
			if err := st.Upgrades.Update(ctx, locked); err != nil {
				return err
			}
			close(firstLocked)
			if !s.Serial { // a serial store's second unit of work cannot start yet
				if err := waitForLockOr(s, secondLocked); err != nil {
					return err
				}
			}
			firstOpen.Store(false)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := <-secondErr; err != nil {
			t.Fatal(err)
		}
		// A lock that waited reads what the first committed; a read that
		// did not wait sees the row as it was before.
		if got := <-seen; got != "cs_first" {
			t.Fatalf("the second lock read session %q, want the first unit of work's %q", got, "cs_first")
		}
	}},

	{"upgrades/LockByID serialises concurrent appends to the history", func(t *testing.T, s store) {
		alice := mustUser(t, s, "alice", domain.LevelMember)
		up := mustUpgrade(t, s, alice, alice, domain.UpgradeGold, t0)
		const workers = 12
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for i := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- s.UoW.Do(ctx, func(ctx context.Context, st application.Store) error {
					locked, err := st.Upgrades.LockByID(ctx, up.ID())
					if err != nil {
						return err
					}
					locked.RecordAnomaly(fmt.Sprintf("worker %d", i), "noted", t0.Add(time.Minute))
					return st.Upgrades.Update(ctx, locked)
				})
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if n := len(read(t, s, up.ID(), true).History()); n != 1+workers {
			t.Fatalf("history has %d entries, want %d: appends were lost", n, 1+workers)
		}
	}},

	{"upgrades/LatestPending finds the newest pending one of its kind", func(t *testing.T, s store) {
		alice := mustUser(t, s, "alice", domain.LevelMember)
		bob := mustUser(t, s, "bob", domain.LevelMember)
		older := mustUpgrade(t, s, alice, bob, domain.UpgradeGold, t0)
		newer := mustUpgrade(t, s, alice, bob, domain.UpgradeGold, t0.Add(time.Minute))
		mustUpgrade(t, s, alice, bob, domain.UpgradePlatinum, t0.Add(2*time.Minute)) // another type
		mustUpgrade(t, s, bob, bob, domain.UpgradeGold, t0.Add(3*time.Minute))       // another purchaser
		mustUpgrade(t, s, alice, alice, domain.UpgradeGold, t0.Add(4*time.Minute))   // another recipient
		expired := mustUpgrade(t, s, alice, bob, domain.UpgradeGold, t0.Add(5*time.Minute))
		apply(t, s, expired.ID(), domain.Payment{Kind: domain.EventSessionExpired}, t0.Add(6*time.Minute))

		do(t, s, func(ctx context.Context, st application.Store) error {
			got, err := st.Upgrades.LatestPending(ctx, alice.ID(), bob.ID(), domain.UpgradeGold)
			if err != nil {
				return err
			}
			if got.ID() != newer.ID() || got.ID() == older.ID() {
				t.Fatalf("LatestPending = #%d, want the newer pending #%d", got.ID(), newer.ID())
			}
			sameUpgrade(t, got, newer)
			_, err = st.Upgrades.LatestPending(ctx, bob.ID(), alice.ID(), domain.UpgradeGold)
			wantKind(t, err, domain.KindNotFound)
			_, err = st.Upgrades.LatestPending(ctx, alice.ID(), bob.ID(), domain.UpgradeGoldToPlatinum)
			wantKind(t, err, domain.KindNotFound)
			return nil
		})
	}},

	{"upgrades/LockByPaymentIntent finds the upgrade a payment belongs to", func(t *testing.T, s store) {
		alice := mustUser(t, s, "alice", domain.LevelMember)
		bob := mustUser(t, s, "bob", domain.LevelMember)
		mine := mustUpgrade(t, s, alice, alice, domain.UpgradeGold, t0)
		other := mustUpgrade(t, s, bob, bob, domain.UpgradeGold, t0)
		attach(t, s, mine.ID(), "cs_mine", t0)
		attach(t, s, other.ID(), "cs_other", t0)
		paid, _ := apply(t, s, mine.ID(), domain.Payment{Kind: domain.EventCheckoutPaid, PaymentIntentID: "pi_mine"}, t0.Add(time.Minute))
		apply(t, s, other.ID(), domain.Payment{Kind: domain.EventCheckoutPaid, PaymentIntentID: "pi_other"}, t0.Add(time.Minute))

		do(t, s, func(ctx context.Context, st application.Store) error {
			got, err := st.Upgrades.LockByPaymentIntent(ctx, "pi_mine")
			if err != nil {
				return err
			}
			sameUpgrade(t, got, paid)
			for _, pi := range []string{"pi_nobody", ""} {
				_, err = st.Upgrades.LockByPaymentIntent(ctx, pi)
				wantKind(t, err, domain.KindNotFound)
			}
			return nil
		})
	}},
}
