package contract_test

import (
	"context"
	"testing"
	"time"

	"upgrades/application"
	"upgrades/domain"
)

func sendMessage(t *testing.T, s store, to domain.UserID, body string, at time.Time) *domain.Message {
	t.Helper()
	m, err := domain.NewMessage(to, body, at)
	if err != nil {
		t.Fatal(err)
	}
	do(t, s, func(ctx context.Context, st application.Store) error { return st.Messages.Create(ctx, m) })
	return m
}

func inbox(t *testing.T, s store, user domain.UserID, limit int) []*domain.Message {
	t.Helper()
	var got []*domain.Message
	do(t, s, func(ctx context.Context, st application.Store) (err error) {
		got, err = st.Messages.ForUser(ctx, user, limit)
		return err
	})
	return got
}

var messageCases = []testCase{
	{"messages/newest first, per user, limited", func(t *testing.T, s store) {
		alice := mustUser(t, s, "alice", domain.LevelMember)
		bob := mustUser(t, s, "bob", domain.LevelMember)
		first := sendMessage(t, s, alice.ID(), "first", t0)
		sendMessage(t, s, bob.ID(), "for bob", t0.Add(time.Second))
		second := sendMessage(t, s, alice.ID(), "second", t0.Add(2*time.Second))
		third := sendMessage(t, s, alice.ID(), "third", t0.Add(3*time.Second))
		got := inbox(t, s, alice.ID(), 0)
		want := []*domain.Message{third, second, first}
		if len(got) != len(want) {
			t.Fatalf("alice has %d messages, want %d", len(got), len(want))
		}
		for i := range want {
			g, w := got[i], want[i]
			if g.UserID != w.UserID || g.Body != w.Body || !g.CreatedAt.Equal(w.CreatedAt) {
				t.Errorf("message %d = %+v, want %+v", i, *g, *w)
			}
		}
		if got[0].ID == 0 || got[0].ID == got[1].ID || got[1].ID == got[2].ID {
			t.Errorf("message ids %d, %d, %d", got[0].ID, got[1].ID, got[2].ID)
		}
		// A message is in the inbox at once, for the unit of work that sent it.
		do(t, s, func(ctx context.Context, st application.Store) error {
			m, err := domain.NewMessage(bob.ID(), "just sent", t0.Add(4*time.Second))
			if err != nil {
				return err
			}
			if err := st.Messages.Create(ctx, m); err != nil {
				return err
			}
			box, err := st.Messages.ForUser(ctx, bob.ID(), 1)
			if err == nil && (len(box) != 1 || box[0].Body != "just sent") {
				t.Errorf("bob's inbox in the unit of work that wrote to him: %v", box)
			}
			return err
		})
		if got := inbox(t, s, alice.ID(), 2); len(got) != 2 || got[0].Body != "third" || got[1].Body != "second" {
			t.Errorf("the 2 newest = %v", got)
		}
		if got := inbox(t, s, bob.ID(), 10); len(got) != 2 || got[1].Body != "for bob" {
			t.Errorf("bob's messages = %v", got)
		}
		m, err := domain.NewMessage(bob.ID()+1000, "to nobody", t0)
		if err != nil {
			t.Fatal(err)
		}
		err = s.UoW.Do(ctx, func(ctx context.Context, st application.Store) error { return st.Messages.Create(ctx, m) })
		wantKind(t, err, domain.KindNotFound)
	}},
}
