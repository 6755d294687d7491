package contract_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"upgrades/application"
	"upgrades/domain"
)

var rollbackCases = []testCase{
	{"unit of work/Read reads what is committed, and not inside Do", func(t *testing.T, s store) {
		alice := mustUser(t, s, "alice", domain.LevelMember)
		var got *domain.User
		if err := s.UoW.Read(ctx, func(ctx context.Context, st application.Store) (err error) {
			got, err = st.Users.ByName(ctx, "ALICE")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		sameUser(t, got, alice)
		err := s.UoW.Do(ctx, func(ctx context.Context, _ application.Store) error {
			return s.UoW.Read(ctx, func(context.Context, application.Store) error { return nil })
		})
		if err == nil {
			t.Fatal("a Read inside Do ran, on a connection of its own beside the transaction's")
		}
	}},
	{"unit of work/a failure inside Do writes nothing", func(t *testing.T, s store) {
		alice := mustUser(t, s, "alice", domain.LevelMember)
		up := mustUpgrade(t, s, alice, alice, domain.UpgradeGold, t0)
		before := read(t, s, up.ID(), true)

		boom := errors.New("boom")
		err := s.UoW.Do(ctx, func(ctx context.Context, st application.Store) error {
			bob := newUser(t, "bob", domain.LevelMember)
			if err := st.Users.Create(ctx, bob); err != nil {
				return err
			}
			other, err := domain.NewUpgrade(bob, bob, domain.UpgradeGold, domain.DefaultPrices(), t0)
			if err != nil {
				return err
			}
			if err := st.Upgrades.Create(ctx, other); err != nil {
				return err
			}
			locked, err := st.Upgrades.LockByID(ctx, up.ID())
			if err != nil {
				return err
			}
			recipient, err := st.Users.LockByID(ctx, alice.ID())
			if err != nil {
				return err
			}
			if err := locked.AttachCheckout("cs_1", "https://checkout.test/pay/cs_1", t0.Add(time.Hour), t0); err != nil {
				return err
			}
			paid := domain.Payment{Kind: domain.EventCheckoutPaid, PaymentIntentID: "pi_1", SessionID: "cs_1", Amount: 2000, Currency: "usd"}
			if _, err := locked.Apply(paid, domain.Facts{Recipient: recipient}, t0); err != nil {
				return err
			}
			if err := st.Upgrades.Update(ctx, locked); err != nil {
				return err
			}
			if err := st.Users.Update(ctx, recipient); err != nil {
				return err
			}
			m, err := domain.NewMessage(alice.ID(), "You have been upgraded to Gold!", t0)
			if err != nil {
				return err
			}
			if err := st.Messages.Create(ctx, m); err != nil {
				return err
			}
			if _, err := st.Events.Record(ctx, received("evt_1")); err != nil {
				return err
			}
			if _, err := st.Upgrades.ClaimStale(ctx, t0.Add(time.Second), t0.Add(time.Second), t0.Add(time.Minute), 10); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Do = %v, want the function's own error", err)
		}

		do(t, s, func(ctx context.Context, st application.Store) error {
			_, err := st.Users.ByName(ctx, "bob")
			wantKind(t, err, domain.KindNotFound)
			rows, err := st.Upgrades.List(ctx, application.UpgradeQuery{})
			if err != nil {
				return err
			}
			if len(rows) != 1 {
				t.Errorf("%d upgrades after the rollback, want 1", len(rows))
			}
			msgs, err := st.Messages.ForUser(ctx, alice.ID(), 0)
			if err != nil {
				return err
			}
			if len(msgs) != 0 {
				t.Errorf("the rolled back message is stored: %v", msgs)
			}
			return nil
		})
		after := read(t, s, up.ID(), true)
		sameUpgrade(t, after, before)
		sameHistory(t, after.History(), before.History())
		if readUser(t, s, alice.ID()).Level() != domain.LevelMember {
			t.Error("the rolled back level change is stored")
		}
		if _, _, stored := s.Event(t, "evt_1"); stored {
			t.Error("the rolled back event is stored")
		}
		// The lease taken inside the failed unit of work is gone too.
		if got := claim(t, s, t0.Add(time.Second), t0.Add(time.Second), t0.Add(time.Minute), 10); len(got) != 1 || got[0] != up.ID() {
			t.Errorf("claim after the rollback = %v, want #%d", got, up.ID())
		}
	}},
}
