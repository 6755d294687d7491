package bench_test

import (
	"context"
	"strings"
	"testing"

	"upgrades/adapters/memory"
	"upgrades/application"
	"upgrades/domain"
)

// TestLoginRoundTrips counts, on the wire, what finding the user of an
// authenticated request costs: one query, by API key or by session, not
// a transaction around it.
func TestLoginRoundTrips(t *testing.T) {
	ctx := context.Background()
	app, wire := appOnTheWire(t, memory.NewGateway())
	user, err := app.CreateUser.Handle(ctx, application.CreateUser{Name: "alice", Password: "password-alice", Level: domain.LevelMember})
	if err != nil {
		t.Fatal(err)
	}
	for name, login := range map[string]func() (*domain.User, error){
		"an API key": func() (*domain.User, error) {
			return app.AuthenticateAPIKey.Handle(ctx, application.AuthenticateAPIKey{Name: "alice", Key: user.APIKey()})
		},
		"a session": func() (*domain.User, error) {
			su, err := app.CurrentUser.Handle(ctx, application.CurrentUser{ID: user.ID(), Generation: user.SessionGeneration()})
			return su.User, err
		},
	} {
		mark := wire.mark()
		if got, err := login(); err != nil || got.ID() != user.ID() {
			t.Fatalf("%s: %v, %v", name, got, err)
		}
		sent := wire.queriesSince(mark)
		t.Logf("%s: %d round trips:\n  %s", name, len(sent), strings.Join(sent, "\n  "))
		if len(sent) != 1 {
			t.Errorf("finding the user of %s took %d round trips, want 1", name, len(sent))
		}
	}
}

// queriesSince are the shapes of the statements sent after mark, by any
// connection, pings aside.
func (w *pgWire) queriesSince(mark []int) []string {
	var out []string
	for _, s := range w.since(mark) {
		if shape(s) != "-- ping" {
			out = append(out, shape(s))
		}
	}
	return out
}

// TestCheckoutRoundTrips counts what a checkout sends PostgreSQL, from
// the purchaser's lock to the session attached, a new one for oneself.
func TestCheckoutRoundTrips(t *testing.T) {
	ctx := context.Background()
	app, wire := appOnTheWire(t, memory.NewGateway())
	buyer, err := app.CreateUser.Handle(ctx, application.CreateUser{Name: "alice", Password: "password-alice", Level: domain.LevelMember})
	if err != nil {
		t.Fatal(err)
	}
	mark := wire.mark()
	if _, err := app.StartUpgrade.Handle(ctx, application.StartUpgrade{PurchaserID: buyer.ID(), Type: "gold"}); err != nil {
		t.Fatal(err)
	}
	sent := wire.queriesSince(mark)
	t.Logf("a checkout: %d round trips:\n  %s", len(sent), strings.Join(sent, "\n  "))
	if len(sent) > maxCheckoutRoundTrips {
		t.Errorf("a checkout took %d round trips, want at most %d", len(sent), maxCheckoutRoundTrips)
	}
}

// maxCheckoutRoundTrips: the reservation (BEGIN, the purchaser locked,
// the recipient's processing upgrades, the latest pending one, the open
// checkouts by the purchaser's id, the upgrade inserted with its history,
// COMMIT) and attaching the session (BEGIN, the upgrade locked, the
// update, COMMIT). It was 13: the open checkouts looked the purchaser up
// by name first, and the history was an insert of its own.
const maxCheckoutRoundTrips = 11
