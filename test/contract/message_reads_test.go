package contract_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"upgrades/application"
	"upgrades/domain"
)

// unread reads a user with their unread count, as every page does.
func unread(t *testing.T, s store, user domain.UserID) int {
	t.Helper()
	var n int
	do(t, s, func(ctx context.Context, st application.Store) error {
		u, count, err := st.Users.ByIDCountingUnread(ctx, user)
		if err == nil && u.ID() != user {
			t.Errorf("read user %d for %d", u.ID(), user)
		}
		n = count
		return err
	})
	return n
}

var messageReadCases = []testCase{
	{"message reads/counted with the user, marked read per user, kept on rollback", func(t *testing.T, s store) {
		alice := mustUser(t, s, "alice", domain.LevelMember)
		bob := mustUser(t, s, "bob", domain.LevelMember)
		if n := unread(t, s, alice.ID()); n != 0 {
			t.Fatalf("a new user has %d unread", n)
		}
		one := sendMessage(t, s, alice.ID(), "one", t0)
		two := sendMessage(t, s, alice.ID(), "two", t0.Add(time.Second))
		forBob := sendMessage(t, s, bob.ID(), "for bob", t0)
		shown := []domain.MessageID{one.ID, two.ID}
		if a, b := unread(t, s, alice.ID()), unread(t, s, bob.ID()); a != 2 || b != 1 {
			t.Fatalf("unread: alice %d bob %d, want 2 and 1", a, b)
		}
		// A failed unit of work leaves them unread.
		boom := errors.New("boom")
		err := s.UoW.Do(ctx, func(ctx context.Context, st application.Store) error {
			if err := st.Messages.MarkRead(ctx, alice.ID(), shown, t0.Add(time.Minute)); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("rolled back unit of work: %v", err)
		}
		if n := unread(t, s, alice.ID()); n != 2 {
			t.Fatalf("after a rollback alice has %d unread, want 2", n)
		}
		read := t0.Add(time.Minute)
		// Only the shown ones, only alice's: bob's id in the list is not hers.
		do(t, s, func(ctx context.Context, st application.Store) error {
			if err := st.Messages.MarkRead(ctx, alice.ID(), nil, read); err != nil {
				return err
			}
			return st.Messages.MarkRead(ctx, alice.ID(), append(shown, forBob.ID), read)
		})
		if a, b := unread(t, s, alice.ID()), unread(t, s, bob.ID()); a != 0 || b != 1 {
			t.Fatalf("after alice read hers: alice %d bob %d", a, b)
		}
		for _, m := range inbox(t, s, alice.ID(), 0) {
			if m.Unread() || !m.ReadAt.Equal(read) {
				t.Errorf("message %q read at %v, want %v", m.Body, m.ReadAt, read)
			}
		}
		// Reading again changes nothing; a new message is unread.
		do(t, s, func(ctx context.Context, st application.Store) error {
			return st.Messages.MarkRead(ctx, alice.ID(), shown, read.Add(time.Hour))
		})
		if m := inbox(t, s, alice.ID(), 1)[0]; !m.ReadAt.Equal(read) {
			t.Errorf("read again: read at %v, want the first time %v", m.ReadAt, read)
		}
		// One that arrived after the list was shown stays unread.
		three := sendMessage(t, s, alice.ID(), "three", t0.Add(2*time.Minute))
		do(t, s, func(ctx context.Context, st application.Store) error {
			return st.Messages.MarkRead(ctx, alice.ID(), shown, read.Add(2*time.Hour))
		})
		if n := unread(t, s, alice.ID()); n != 1 || !inbox(t, s, alice.ID(), 1)[0].Unread() || inbox(t, s, alice.ID(), 1)[0].ID != three.ID {
			t.Errorf("a message not shown yet: %d unread, want it", n)
		}
		do(t, s, func(ctx context.Context, st application.Store) error {
			_, _, err := st.Users.ByIDCountingUnread(ctx, bob.ID()+1000)
			wantKind(t, err, domain.KindNotFound)
			return nil
		})
	}},

	{"message reads/a message links to its upgrade, saved alone or with a payment's outcome", func(t *testing.T, s store) {
		alice := mustUser(t, s, "alice", domain.LevelMember)
		bob := mustUser(t, s, "bob", domain.LevelMember)
		up := mustUpgrade(t, s, alice, bob, domain.UpgradeGold, t0)
		m, err := domain.NewMessage(alice.ID(), "about it", t0)
		if err != nil {
			t.Fatal(err)
		}
		m.UpgradeID = up.ID()
		do(t, s, func(ctx context.Context, st application.Store) error { return st.Messages.Create(ctx, m) })
		sendMessage(t, s, alice.ID(), "about nothing", t0.Add(time.Second))
		got := inbox(t, s, alice.ID(), 0)
		if len(got) != 2 || got[0].UpgradeID != 0 || got[1].UpgradeID != up.ID() || !got[1].Unread() {
			t.Fatalf("inbox %+v %+v", *got[0], *got[1])
		}

		// Saved with a payment's outcome, in the same statement.
		do(t, s, func(ctx context.Context, st application.Store) error {
			locked, err := st.Upgrades.LockByID(ctx, up.ID())
			if err != nil {
				return err
			}
			var msgs []*domain.Message
			for _, to := range []domain.UserID{bob.ID(), alice.ID()} {
				m, err := domain.NewMessage(to, "paid", t0.Add(time.Minute))
				if err != nil {
					return err
				}
				m.UpgradeID = up.ID()
				msgs = append(msgs, m)
			}
			none, err := domain.NewMessage(alice.ID(), "a dispute on no upgrade", t0.Add(2*time.Minute))
			if err != nil {
				return err
			}
			return st.Outcomes.Save(ctx, application.PaymentChanges{Upgrade: locked, Messages: append(msgs, none)})
		})
		if latest := inbox(t, s, bob.ID(), 1); len(latest) != 1 || latest[0].UpgradeID != up.ID() {
			t.Errorf("bob's message %+v, want one about upgrade %d", latest, up.ID())
		}
		if latest := inbox(t, s, alice.ID(), 2); len(latest) != 2 || latest[0].UpgradeID != 0 || latest[1].UpgradeID != up.ID() {
			t.Errorf("alice's messages %+v %+v", *latest[0], *latest[1])
		}
	}},
}
