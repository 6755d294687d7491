package contract_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"upgrades/application"
	"upgrades/domain"
)

// The port's plain meaning, on both stores: every call reaches the store
// when it is made and answers for itself.
var outcomeCases = []testCase{
	{"parity/a message has its id once created", func(t *testing.T, s store) {
		alice := mustUser(t, s, "alice", domain.LevelMember)
		m := sendMessage(t, s, alice.ID(), "hello", t0)
		got := inbox(t, s, alice.ID(), 0)
		if m.ID == 0 || len(got) != 1 || got[0].ID != m.ID {
			t.Fatalf("created with id %d, stored %+v", m.ID, got)
		}
	}},

	{"parity/updating or finishing what does not exist is not found, at the call", func(t *testing.T, s store) {
		alice := mustUser(t, s, "alice", domain.LevelMember)
		up := mustUpgrade(t, s, alice, alice, domain.UpgradeGold, t0)
		ghostUser := domain.UnmarshalUserFromDatabase(alice.ID()+1000, "ghost", "", "hash", "key-ghost", domain.LevelMember, false, t0)
		ghostSnap := up.Snapshot()
		ghostSnap.ID += 1000
		ghostUpgrade := domain.UnmarshalUpgradeFromDatabase(ghostSnap, nil)
		for name, call := range map[string]func(ctx context.Context, st application.Store) error{
			"Users.Update":    func(ctx context.Context, st application.Store) error { return st.Users.Update(ctx, ghostUser) },
			"Upgrades.Update": func(ctx context.Context, st application.Store) error { return st.Upgrades.Update(ctx, ghostUpgrade) },
			"Events.Finish": func(ctx context.Context, st application.Store) error {
				return st.Events.Finish(ctx, "evt_never", domain.OutcomeApplied, up.ID(), t0)
			},
			"Messages.Create": func(ctx context.Context, st application.Store) error {
				m, err := domain.NewMessage(ghostUser.ID(), "to nobody", t0)
				if err != nil {
					return err
				}
				return st.Messages.Create(ctx, m)
			},
		} {
			err := s.UoW.Do(ctx, func(ctx context.Context, st application.Store) error {
				err := call(ctx, st)
				wantKind(t, err, domain.KindNotFound) // from the call itself, not from a later one
				return err
			})
			if !domain.IsKind(err, domain.KindNotFound) {
				t.Errorf("%s: Do = %v, want not found", name, err)
			}
		}
	}},

	{"outcomes/Save stores the upgrade, its history, the level, the messages and the event at once", func(t *testing.T, s store) {
		alice := mustUser(t, s, "alice", domain.LevelMember)
		bob := mustUser(t, s, "bob", domain.LevelMember)
		owner := mustUser(t, s, "olivia", domain.LevelOwner)
		up := attach(t, s, mustUpgrade(t, s, alice, bob, domain.UpgradeGold, t0).ID(), "cs_save", t0)
		var msgs []*domain.Message
		var saved *domain.Upgrade
		do(t, s, func(ctx context.Context, st application.Store) error {
			if _, err := st.Events.Record(ctx, received("evt_save")); err != nil {
				return err
			}
			locked, err := st.Upgrades.LockByID(ctx, up.ID())
			if err != nil {
				return err
			}
			recipient, err := st.Users.LockByID(ctx, bob.ID())
			if err != nil {
				return err
			}
			paid := domain.Payment{Kind: domain.EventCheckoutPaid, SessionID: "cs_save", PaymentIntentID: "pi_save", Amount: 2000, Currency: "usd", Cause: "stripe evt_save"}
			if _, err := locked.Apply(paid, domain.Facts{Recipient: recipient}, t0.Add(time.Minute)); err != nil {
				return err
			}
			for _, to := range []domain.UserID{bob.ID(), alice.ID(), owner.ID()} {
				m, err := domain.NewMessage(to, "told, a question? mark", t0.Add(time.Minute))
				if err != nil {
					return err
				}
				msgs = append(msgs, m)
			}
			saved = locked
			return st.Outcomes.Save(ctx, application.PaymentChanges{
				Upgrade: locked, Recipient: recipient, Messages: msgs,
				Event: &application.FinishedEvent{ID: "evt_save", Outcome: domain.OutcomeApplied, At: t0.Add(time.Minute)},
			})
		})
		// Save may be sent with the commit: what it assigns is there once
		// the unit of work has committed.
		if len(saved.UnsavedHistory()) != 0 {
			t.Error("the saved history is still unsaved")
		}
		got := read(t, s, up.ID(), true)
		if got.Status() != domain.StatusComplete || got.PaymentIntentID() != "pi_save" || got.LevelBefore() != domain.LevelMember {
			t.Errorf("upgrade %+v", got.Snapshot())
		}
		if h := got.History(); len(h) != 2 || h[1].To != domain.StatusComplete || h[1].Cause != "stripe evt_save" {
			t.Errorf("history %+v", h)
		}
		if l := readUser(t, s, bob.ID()).Level(); l != domain.LevelGold {
			t.Errorf("bob is %s", l)
		}
		wantEvent(t, s, "evt_save", "applied", 1)
		for i, m := range msgs {
			in := inbox(t, s, m.UserID, 0)
			if m.ID == 0 || len(in) != 1 || in[0].ID != m.ID || in[0].Body != m.Body {
				t.Errorf("message %d: id %d, inbox %+v", i, m.ID, in)
			}
		}
	}},

	{"outcomes/Save of what does not exist is not found, and saves nothing", func(t *testing.T, s store) {
		alice := mustUser(t, s, "alice", domain.LevelMember)
		up := attach(t, s, mustUpgrade(t, s, alice, alice, domain.UpgradeGold, t0).ID(), "cs_missing", t0)
		ghostSnap := up.Snapshot()
		ghostSnap.ID += 1000
		for name, changes := range map[string]func(up *domain.Upgrade, recipient *domain.User) application.PaymentChanges{
			"upgrade": func(_ *domain.Upgrade, recipient *domain.User) application.PaymentChanges {
				return application.PaymentChanges{Upgrade: domain.UnmarshalUpgradeFromDatabase(ghostSnap, nil), Recipient: recipient}
			},
			"event": func(up *domain.Upgrade, recipient *domain.User) application.PaymentChanges {
				return application.PaymentChanges{Upgrade: up, Recipient: recipient, Event: &application.FinishedEvent{ID: "evt_never", Outcome: domain.OutcomeApplied, At: t0}}
			},
			"message's user": func(up *domain.Upgrade, recipient *domain.User) application.PaymentChanges {
				m, _ := domain.NewMessage(alice.ID()+1000, "to nobody", t0)
				return application.PaymentChanges{Upgrade: up, Recipient: recipient, Messages: []*domain.Message{m}}
			},
		} {
			err := s.UoW.Do(ctx, func(ctx context.Context, st application.Store) error {
				locked, err := st.Upgrades.LockByID(ctx, up.ID())
				if err != nil {
					return err
				}
				recipient, err := st.Users.LockByID(ctx, alice.ID())
				if err != nil {
					return err
				}
				if err := recipient.SetLevel(domain.LevelGold); err != nil {
					return err
				}
				locked.RecordAnomaly("test", "noted", t0)
				// The error is Save's or, when the save is sent with the
				// commit, Do's.
				return st.Outcomes.Save(ctx, changes(locked, recipient))
			})
			if !domain.IsKind(err, domain.KindNotFound) {
				t.Errorf("%s: Do = %v", name, err)
			}
			if l := readUser(t, s, alice.ID()).Level(); l != domain.LevelMember {
				t.Errorf("%s: alice is %s after a failed save", name, l)
			}
			if h := read(t, s, up.ID(), true).History(); len(h) != 1 {
				t.Errorf("%s: %d history entries after a failed save", name, len(h))
			}
		}
	}},

	{"upgrades/ByRecipient lists a recipient's upgrades in the statuses asked, oldest first", func(t *testing.T, s store) {
		alice := mustUser(t, s, "alice", domain.LevelMember)
		bob := mustUser(t, s, "bob", domain.LevelMember)
		first := mustUpgrade(t, s, alice, bob, domain.UpgradeGold, t0)
		mustUpgrade(t, s, bob, bob, domain.UpgradeGold, t0)           // pending
		mustUpgrade(t, s, alice, alice, domain.UpgradePlatinum, t0)   // another recipient
		second := mustUpgrade(t, s, bob, bob, domain.UpgradeGold, t0) // redundant, complete
		apply(t, s, first.ID(), domain.Payment{Kind: domain.EventCheckoutPaid, PaymentIntentID: "pi_first"}, t0.Add(time.Minute))
		apply(t, s, second.ID(), domain.Payment{Kind: domain.EventCheckoutPaid, PaymentIntentID: "pi_second"}, t0.Add(2*time.Minute))
		apply(t, s, first.ID(), domain.Payment{Kind: domain.EventRefunded}, t0.Add(3*time.Minute))
		var got []*domain.Upgrade
		do(t, s, func(ctx context.Context, st application.Store) (err error) {
			got, err = st.Upgrades.ByRecipient(ctx, bob.ID(), domain.StatusComplete, domain.StatusRefunded)
			return err
		})
		if len(got) != 2 || got[0].ID() != first.ID() || got[1].ID() != second.ID() ||
			got[0].Status() != domain.StatusRefunded || got[1].Status() != domain.StatusComplete ||
			got[0].LevelBefore() != domain.LevelMember || got[1].LevelBefore() != domain.LevelGold {
			t.Fatalf("fulfilled for bob: %v", got)
		}
	}},
	{"outcomes/Lock records a fresh event and finds its upgrade and recipient, and nothing for a duplicate", func(t *testing.T, s store) {
		alice := mustUser(t, s, "alice", domain.LevelMember)
		bob := mustUser(t, s, "bob", domain.LevelMember)
		up := attach(t, s, mustUpgrade(t, s, alice, bob, domain.UpgradeGold, t0).ID(), "cs_lock", t0)
		paid, _ := apply(t, s, up.ID(), domain.Payment{Kind: domain.EventCheckoutPaid, PaymentIntentID: "pi_lock"}, t0)
		lock := func(l application.PaymentLock) (got application.LockedPayment) {
			t.Helper()
			do(t, s, func(ctx context.Context, st application.Store) (err error) {
				got, err = st.Outcomes.Lock(ctx, l)
				return err
			})
			return got
		}
		ev := received("evt_lock")
		for _, c := range []struct {
			name string
			l    application.PaymentLock
		}{
			{"by id", application.PaymentLock{Event: &ev, UpgradeID: up.ID()}},
			{"by id again, the event not finished", application.PaymentLock{Event: &ev, UpgradeID: up.ID()}},
			{"by payment", application.PaymentLock{Event: &ev, PaymentIntentID: "pi_lock"}},
			{"without an event", application.PaymentLock{UpgradeID: up.ID()}},
		} {
			got := lock(c.l)
			if !got.Fresh || got.Upgrade == nil || got.Recipient == nil {
				t.Fatalf("%s: %+v", c.name, got)
			}
			sameUpgrade(t, got.Upgrade, paid)
			sameUser(t, got.Recipient, readUser(t, s, bob.ID()))
		}
		wantEvent(t, s, "evt_lock", "", 3)

		for name, l := range map[string]application.PaymentLock{
			"an unknown upgrade": {Event: ptr(received("evt_nothing")), UpgradeID: up.ID() + 100},
			"an unknown payment": {Event: ptr(received("evt_nothing_paid")), PaymentIntentID: "pi_nobody"},
			"no upgrade named":   {Event: ptr(received("evt_no_name"))},
		} {
			if got := lock(l); !got.Fresh || got.Upgrade != nil {
				t.Errorf("%s: %+v, want fresh and no upgrade", name, got)
			}
			wantEvent(t, s, l.Event.ID, "", 1)
		}

		do(t, s, func(ctx context.Context, st application.Store) error {
			return st.Events.Finish(ctx, "evt_lock", domain.OutcomeApplied, up.ID(), t0)
		})
		if got := lock(application.PaymentLock{Event: &ev, UpgradeID: up.ID()}); got.Fresh || got.Upgrade != nil || got.Recipient != nil {
			t.Fatalf("a processed event: %+v, want a duplicate that locks nothing", got)
		}
		wantEvent(t, s, "evt_lock", "applied", 3)
	}},
	{"outcomes/Lock holds the upgrade until its unit of work ends", func(t *testing.T, s store) {
		if s.Serial {
			t.Skip("the memory store runs one unit of work at a time")
		}
		alice := mustUser(t, s, "alice", domain.LevelMember)
		up := attach(t, s, mustUpgrade(t, s, alice, alice, domain.UpgradeGold, t0).ID(), "cs_held", t0)
		locked, release := make(chan struct{}), make(chan struct{})
		first := make(chan error, 1)
		go func() {
			first <- s.UoW.Do(ctx, func(ctx context.Context, st application.Store) error {
				got, err := st.Outcomes.Lock(ctx, application.PaymentLock{Event: ptr(received("evt_first")), UpgradeID: up.ID()})
				if err == nil && got.Upgrade == nil {
					err = errors.New("the first Lock found no upgrade")
				}
				close(locked)
				<-release
				return err
			})
		}()
		<-locked
		second := make(chan error, 1)
		go func() {
			second <- s.UoW.Do(ctx, func(ctx context.Context, st application.Store) error {
				_, err := st.Outcomes.Lock(ctx, application.PaymentLock{Event: ptr(received("evt_second")), UpgradeID: up.ID()})
				return err
			})
		}()
		for n := 0; n == 0; {
			select {
			case err := <-second:
				t.Fatalf("the second Lock returned while the first held the upgrade: %v", err)
			default:
			}
			var err error
			if n, err = s.Waiting(); err != nil {
				t.Fatal(err)
			}
		}
		close(release)
		if err := <-first; err != nil {
			t.Fatal(err)
		}
		if err := <-second; err != nil {
			t.Fatal(err)
		}
	}},
}

func ptr[T any](v T) *T { return &v }
