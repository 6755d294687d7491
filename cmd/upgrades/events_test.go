package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"upgrades/adapters/postgres"
	"upgrades/application"
	"upgrades/domain"
	"upgrades/test/dbtest"
)

// A checkout completion whose first attempt failed is stored unprocessed;
// `events replay` applies it through the webhook's mapping and fulfilment,
// a second replay changes nothing, and an unknown id fails with status 1.
func TestEventsReplayAppliesAFailedEventOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("needs PostgreSQL")
	}
	ctx := context.Background()
	vars := map[string]string{"DATABASE_URL": dbtest.New(t)}
	db, err := postgres.Open(ctx, vars["DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	do := func(fn func(ctx context.Context, s application.Store) error) {
		t.Helper()
		if err := db.Do(ctx, fn); err != nil {
			t.Fatal(err)
		}
	}

	now := time.Now().UTC()
	alice, err := domain.NewUser("alice", "alice@example.com", "hash", "key-alice", domain.LevelMember, now)
	if err != nil {
		t.Fatal(err)
	}
	do(func(ctx context.Context, s application.Store) error { return s.Users.Create(ctx, alice) })
	up, err := domain.NewUpgrade(alice, alice, domain.UpgradeGold, domain.DefaultPrices(), now)
	if err != nil {
		t.Fatal(err)
	}
	do(func(ctx context.Context, s application.Store) error {
		if err := s.Upgrades.Create(ctx, up); err != nil {
			return err
		}
		if err := up.AttachCheckout("cs_test_replay", "https://checkout.test/pay", now.Add(time.Hour), now); err != nil {
			return err
		}
		return s.Upgrades.Update(ctx, up)
	})
	payload := fmt.Sprintf(`{"id":"evt_replay","object":"event","type":"checkout.session.completed","livemode":false,
		"data":{"object":{"id":"cs_test_replay","object":"checkout.session","payment_status":"paid","status":"complete",
		"client_reference_id":"user_upgrade_%d","metadata":{"user_upgrade_id":"%d"},
		"amount_subtotal":%d,"amount_total":%d,"currency":%q,"payment_intent":"pi_replay"}}}`,
		up.ID(), up.ID(), up.Price().Amount(), up.Price().Amount(), up.Price().Currency())
	do(func(ctx context.Context, s application.Store) error {
		return s.Events.Fail(ctx, application.ReceivedEvent{ID: "evt_replay", Type: "checkout.session.completed",
			Payload: []byte(payload), ReceivedAt: now}, "the database went away")
	})

	code, out, errOut := runCLI(t, vars, "", "events", "list", "--status", "failed", "--json")
	var listed struct{ ID, Status string }
	if code != 0 || json.Unmarshal([]byte(out), &listed) != nil || listed.ID != "evt_replay" || listed.Status != "failed" {
		t.Fatalf("events list --status failed --json: %d %q %q", code, out, errOut)
	}

	// Two operators replay it at once: it is applied exactly once.
	type result struct {
		code     int
		out, err string
	}
	results := make(chan result, 2)
	for range 2 {
		go func() {
			var r result
			r.code, r.out, r.err = runCLI(t, vars, "", "events", "replay", "evt_replay")
			results <- r
		}()
	}
	var appliedOnce, alreadyApplied int
	for range 2 {
		r := <-results
		switch {
		case r.code == 0 && strings.Contains(r.out, "evt_replay replayed: applied"):
			appliedOnce++
		case r.code == 0 && strings.Contains(r.out, "already applied"):
			alreadyApplied++
		default:
			t.Errorf("events replay: %d %q %q", r.code, r.out, r.err)
		}
	}
	if appliedOnce != 1 || alreadyApplied != 1 {
		t.Fatalf("two concurrent replays: %d applied it, %d found it applied", appliedOnce, alreadyApplied)
	}
	var after *domain.Upgrade
	var recipient *domain.User
	read := func() {
		do(func(ctx context.Context, s application.Store) (err error) {
			if after, err = s.Upgrades.ByID(ctx, up.ID(), true); err != nil {
				return err
			}
			recipient, err = s.Users.ByID(ctx, alice.ID())
			return err
		})
	}
	read()
	if after.Status() != domain.StatusComplete || recipient.Level() != domain.LevelGold {
		t.Fatalf("after the replay: upgrade %s, alice %s; want complete and gold", after.Status(), recipient.Level())
	}
	history := len(after.History())

	code, out, errOut = runCLI(t, vars, "", "events", "replay", "evt_replay")
	if code != 0 || !strings.Contains(out, "already applied") {
		t.Fatalf("a second replay: %d %q %q", code, out, errOut)
	}
	read()
	if after.Status() != domain.StatusComplete || len(after.History()) != history {
		t.Fatalf("a second replay changed the upgrade: %s, %d history entries (was %d)", after.Status(), len(after.History()), history)
	}
	code, out, _ = runCLI(t, vars, "", "events", "list")
	if code != 0 || !strings.Contains(out, "STATUS") || !strings.Contains(out, "evt_replay") || !strings.Contains(out, "applied") {
		t.Fatalf("events list: %d\n%s", code, out)
	}

	code, _, errOut = runCLI(t, vars, "", "events", "replay", "evt_unknown")
	if code != 1 || !strings.HasPrefix(errOut, `upgrades events replay: no stored event has the id "evt_unknown"`) || strings.Count(errOut, "\n") != 1 {
		t.Errorf("replay of an unknown id: status %d, stderr %q", code, errOut)
	}
	code, _, errOut = runCLI(t, vars, "", "events", "list", "--status", "lost")
	if code != 1 || !strings.Contains(errOut, "the status must be one of") {
		t.Errorf("list --status lost: status %d, stderr %q", code, errOut)
	}
}
