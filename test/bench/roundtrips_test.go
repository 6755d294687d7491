package bench_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"upgrades/adapters/memory"
	"upgrades/adapters/postgres"
	"upgrades/adapters/secure"
	"upgrades/application"
	"upgrades/domain"
	"upgrades/test/dbtest"
)

// maxRoundTrips is what one fulfilment may cost, BEGIN and COMMIT
// included: BEGIN with the event recorded and the locks it needs, and the
// outcome saved with COMMIT, one query each.
const maxRoundTrips = 2

// TestFulfilmentRoundTrips counts, on the wire, the queries one webhook
// fulfilment sends PostgreSQL (a query is a round trip: the client waits
// for its answer), and holds test/bench/fulfil.sql to them. It runs in a
// plain go test, in a second, unlike the benchmark.
func TestFulfilmentRoundTrips(t *testing.T) {
	ctx := context.Background()
	gw := memory.NewGateway()
	app, wire := appOnTheWire(t, gw)
	buyer, err := app.CreateUser.Handle(ctx, application.CreateUser{Name: "pg1", Password: "password-pg1", Email: "pg1@example.com", Level: domain.LevelMember})
	if err != nil {
		t.Fatal(err)
	}
	started, err := app.StartUpgrade.Handle(ctx, application.StartUpgrade{PurchaserID: buyer.ID(), Type: "gold"})
	if err != nil {
		t.Fatal(err)
	}
	up := started.Upgrade
	pi := gw.Complete(up.SessionID(), memory.PaymentPaid)
	a, err := app.ApplyEvent.Handle(ctx, application.PaymentEvent{
		ID: "evt_roundtrips", Type: "checkout.session.completed", Source: "stripe", Payload: []byte(`{"id":"evt_roundtrips"}`),
		Payment: domain.Payment{
			Kind: domain.EventCheckoutPaid, UpgradeID: up.ID(), SessionID: up.SessionID(), PaymentIntentID: pi,
			Amount: up.Price().Amount(), Currency: up.Price().Currency(),
			// A real completed checkout reports its totals (total_details).
			Total: up.Price().Amount(), Discount: 0, Totals: true,
		},
	})
	if err != nil || !a.Result.Fulfilled {
		t.Fatalf("the fulfilment: %+v, %v", a, err)
	}

	tx := wire.transaction("insert into stripe_events")
	var shapes []string
	for _, s := range tx {
		if sh := shape(s); sh != "-- ping" {
			shapes = append(shapes, sh)
		}
	}
	t.Logf("one fulfilment, %d round trips:\n  %s", len(shapes), strings.Join(shapes, "\n  "))
	if len(shapes) == 0 || len(shapes) > maxRoundTrips {
		t.Errorf("a fulfilment took %d round trips, want 1 to %d", len(shapes), maxRoundTrips)
	}
	var script []string
	for _, s := range scriptStatements(embeddedScript) {
		script = append(script, shape(s))
	}
	if !slices.Equal(shapes, script) {
		t.Errorf("test/bench/fulfil.sql is not the SQL of a fulfilment any more; update it.\nthe application:\n  %s\nthe script:\n  %s",
			strings.Join(shapes, "\n  "), strings.Join(script, "\n  "))
	}
}

// appOnTheWire is the application, paying through gw, on a fresh database
// whose every statement is recorded on the wire; the database closes when
// the test ends.
func appOnTheWire(t *testing.T, gw *memory.Gateway) (*application.App, *pgWire) {
	t.Helper()
	direct := dbtest.New(t)
	u, err := urlHost(direct)
	if err != nil {
		t.Skipf("the SQL is recorded on a URL-form TEST_DATABASE_URL: %v", err)
	}
	wire := startPGWire(t, u)
	dbURL, err := wire.url(direct)
	if err != nil {
		t.Fatal(err)
	}
	db, err := postgres.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return application.New(application.Deps{
		UoW: db, Gateway: gw, Verifier: memory.Verifier{}, Clock: secure.SystemClock{},
		Tokens: &memory.Tokens{}, Passwords: memory.Passwords{}, Config: benchConfig(),
		Throttles: memory.NewThrottles(),
	}), wire
}

func benchConfig() application.Config {
	c := application.DefaultConfig()
	c.Installation = "bench"
	return c
}
