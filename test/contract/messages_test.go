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
		if first.ID == 0 || first.ID == second.ID {
			t.Fatalf("message ids %d, %d", first.ID, second.ID)
		}

		got := inbox(t, s, alice.ID(), 0)
		want := []*domain.Message{third, second, first}
		if len(got) != len(want) {
			t.Fatalf("alice has %d messages, want %d", len(got), len(want))
		}
		for i := range want {
			g, w := got[i], want[i]
			if g.ID != w.ID || g.UserID != w.UserID || g.Body != w.Body || !g.CreatedAt.Equal(w.CreatedAt) {
				t.Errorf("message %d = %+v, want %+v", i, *g, *w)
			}
		}
		if got := inbox(t, s, alice.ID(), 2); len(got) != 2 || got[0].Body != "third" || got[1].Body != "second" {
			t.Errorf("the 2 newest = %v", got)
		}
		if got := inbox(t, s, bob.ID(), 10); len(got) != 1 || got[0].Body != "for bob" {
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
