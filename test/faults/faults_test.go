package faults

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"upgrades/test/dbtest"
	"upgrades/test/proc"
)

func skipShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary and runs it against PostgreSQL")
	}
}

// Three replicas share one database. Stripe's webhooks for 200 payments
// each reach every replica ten times, all at once, together with a second,
// related event for each payment (its async_payment_succeeded, which a
// delayed method would send): each payment is fulfilled once.
func TestThreeReplicasFulfilEachPaymentOnce(t *testing.T) {
	skipShort(t)
	dbURL := dbtest.New(t)
	db := dbtest.SQL(t, dbURL)
	sim := startStripeSim(t, "", true) // the test delivers the webhooks itself
	replicas := []*shop{startShop(t, "", dbURL, sim), startShop(t, "", dbURL, sim), startShop(t, "", dbURL, sim)}
	b := newBuyer(t, replicas[0])
	cs := giftGold(t, b, newRecipients(t, db, 200), replicas...)
	payAll(t, cs)

	completed := sim.events(t, "checkout.session.completed")
	if len(completed) != len(cs) {
		t.Fatalf("the simulated Stripe emitted %d checkout.session.completed events for %d payments", len(completed), len(cs))
	}
	// Each payment's sixty deliveries are next to each other, so that they
	// are in flight together on the 32 workers.
	const copies = 10
	type delivery struct {
		event []byte
		to    *shop
	}
	var ds []delivery
	for _, e := range completed {
		related := relatedEvent(t, e, "checkout.session.async_payment_succeeded")
		for range copies {
			for _, r := range replicas {
				ds = append(ds, delivery{e, r}, delivery{related, r})
			}
		}
	}
	parallel(t, len(ds), 32, func(i int) error {
		status, err := deliver(ds[i].to, ds[i].event)
		if err == nil && status != http.StatusOK {
			err = fmt.Errorf("a webhook was answered %d", status)
		}
		return err
	})

	checkFulfilledOnce(t, db, b, cs)
	// Of each payment's two events one fulfilled it and the other, later,
	// changed nothing; each was processed at its first delivery.
	outcomes := map[string]int{}
	rows, err := db.Query(`SELECT outcome, count(*) FROM stripe_events WHERE attempts = 1 GROUP BY outcome`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var o string
		var n int
		if err := rows.Scan(&o, &n); err != nil {
			t.Fatal(err)
		}
		outcomes[o] = n
	}
	if want := map[string]int{"applied": len(cs), "ignored": len(cs)}; !maps.Equal(outcomes, want) {
		t.Errorf("events processed at their first delivery, by outcome: %v, want %v", outcomes, want)
	}
	for _, r := range replicas {
		if n := r.webhookAnswers(http.StatusOK); n != 2*len(cs)*copies {
			t.Errorf("%s answered %d webhooks with 200, want %d", r.Name, n, 2*len(cs)*copies)
		}
	}
}

// relatedEvent is another event about the same object: a new id and type.
func relatedEvent(t *testing.T, event []byte, typ string) []byte {
	t.Helper()
	var e map[string]any
	if err := json.Unmarshal(event, &e); err != nil {
		t.Fatal(err)
	}
	e["id"] = e["id"].(string) + "_related"
	e["type"] = typ
	out, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// PostgreSQL stops while payments come in: webhooks are answered 503, the
// simulated Stripe retries them, and once the database is back every paid
// upgrade is complete.
func TestWebhooksAreRetriedThroughADatabaseOutage(t *testing.T) {
	skipShort(t)
	pg := startPostgres(t)
	dbURL := pg.URL()
	migrate(t, dbURL)
	db := dbtest.SQL(t, dbURL)
	shopAddr := proc.FreeAddr(t)
	sim := startStripeSim(t, "http://"+shopAddr+"/webhooks/receive", false)
	s := startShop(t, shopAddr, dbURL, sim)
	b := newBuyer(t, s)
	cs := giftGold(t, b, newRecipients(t, db, 120), s)
	before, during := cs[:40], cs[40:]
	payAll(t, before)
	waitComplete(t, db, before, 30*time.Second)

	// The database stops after the first ten of the next payments.
	payAllBreaking(t, during, 10, func() { pg.stop(t) })
	waitFor(t, 30*time.Second, "webhooks answered 503 while the database is down", func() (bool, string) {
		n := s.webhookAnswers(http.StatusServiceUnavailable)
		return n > 0, fmt.Sprintf("%d answered 503", n)
	})
	if res, err := client.Get(s.base + "/readyz"); err != nil || res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("/readyz with the database down: %v %v", res, err)
	}
	if s.Exited() {
		t.Fatal("the server exited when the database went away")
	}

	pg.start(t)
	waitComplete(t, db, cs, 60*time.Second)
	checkFulfilledOnce(t, db, b, cs)
	var retried int
	if err := db.QueryRow(`SELECT count(*) FROM stripe_events WHERE attempts > 1 OR last_error IS NOT NULL`).Scan(&retried); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d webhooks answered 503 during the outage; %d events needed more than one attempt", s.webhookAnswers(http.StatusServiceUnavailable), retried)
	if res, err := client.Get(s.base + "/readyz"); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("/readyz once the database is back: %v %v", res, err)
	}
}

// The server is killed (SIGKILL: no shutdown, transactions cut short)
// while webhooks are being applied, and started again: nothing is lost and
// nothing is applied twice.
func TestNothingIsLostOrDoubledWhenTheServerIsKilled(t *testing.T) {
	skipShort(t)
	dbURL := dbtest.New(t)
	db := dbtest.SQL(t, dbURL)
	shopAddr := proc.FreeAddr(t)
	sim := startStripeSim(t, "http://"+shopAddr+"/webhooks/receive", false)
	s := startShop(t, shopAddr, dbURL, sim)
	b := newBuyer(t, s)
	cs := giftGold(t, b, newRecipients(t, db, 150), s)

	payAllBreaking(t, cs, 50, func() { s.Kill(t) })
	waitFor(t, 30*time.Second, "a webhook failing while the server is down", func() (bool, string) {
		return strings.Contains(sim.Logs(), "webhook delivery failed; retrying"), ""
	})
	s.restart(t)
	waitComplete(t, db, cs, 60*time.Second)
	checkFulfilledOnce(t, db, b, cs)
}

// No webhook ever arrives. `upgrades reconcile`, and the reconciler inside
// two replicas, ask the simulated Stripe about each open upgrade and bring
// it to the state its checkout is in, each upgrade checked by one replica.
func TestTheReconcilerCompletesPaymentsWhoseWebhooksWereLost(t *testing.T) {
	skipShort(t)
	dbURL := dbtest.New(t)
	db := dbtest.SQL(t, dbURL)
	sim := startStripeSim(t, "", true)
	s := startShop(t, "", dbURL, sim)
	b := newBuyer(t, s)
	recipients := newRecipients(t, db, 75)

	// On demand: the operator's command. The other upgrades are started
	// only afterwards: the command leases every open upgrade it looks at.
	byCommand := giftGold(t, b, recipients[:20], s)
	payAll(t, byCommand)
	out := proc.MustRun(t, proc.Binary(t), append(s.env, "RECONCILE_AFTER=1ms"), "reconcile")
	if !strings.Contains(out, "checked 20 open upgrades: 20 changed, 0 failed") {
		t.Fatalf("upgrades reconcile printed %q", out)
	}
	waitComplete(t, db, byCommand, time.Second)
	cs := append(byCommand, giftGold(t, b, recipients[20:], s)...)

	// In the servers: card payments, delayed payments that settle either
	// way or not yet, and checkouts nobody paid.
	card, settled, failed, unsettled, unpaid := cs[20:45], cs[45:55], cs[55:60], cs[60:65], cs[65:]
	payAll(t, card)
	for _, c := range cs[45:65] {
		must(t, pay(c, "delayed"))
	}
	for _, c := range settled {
		must(t, settle(c, "succeeded"))
	}
	for _, c := range failed {
		must(t, settle(c, "failed"))
	}
	// The reconcilers start only now, so that none looks at a checkout
	// before it is paid and then leaves it for its lease.
	s.Stop(t)
	reconciling := []string{"RECONCILE_INTERVAL=200ms", "RECONCILE_AFTER=1s"}
	startShop(t, "", dbURL, sim, reconciling...)
	startShop(t, "", dbURL, sim, reconciling...)

	waitComplete(t, db, append(card, settled...), 30*time.Second)
	waitStatus(t, db, failed, "failed")
	waitStatus(t, db, unsettled, "processing")
	checkFulfilledOnce(t, db, b, append(append(byCommand, card...), settled...))
	if n := countStatus(t, db, unpaid, "pending"); n != len(unpaid) {
		t.Errorf("%d of %d unpaid checkouts are still pending", n, len(unpaid))
	}
	// One replica looked at each paid upgrade, once.
	var doubled int
	if err := db.QueryRow(`SELECT count(*) FROM (
			SELECT upgrade_id FROM upgrade_history WHERE cause LIKE 'reconciler%' AND upgrade_id = ANY($1)
			GROUP BY upgrade_id HAVING count(*) > 1) twice`, upgradeIDs(append(card, failed...))).Scan(&doubled); err != nil {
		t.Fatal(err)
	}
	if doubled != 0 {
		t.Errorf("the reconcilers applied the checkout of %d upgrades more than once", doubled)
	}
}

func waitStatus(t *testing.T, db *sql.DB, cs []checkout, status string) {
	t.Helper()
	waitFor(t, 30*time.Second, fmt.Sprintf("%d upgrades becoming %s", len(cs), status), func() (bool, string) {
		n := countStatus(t, db, cs, status)
		return n == len(cs), fmt.Sprintf("%d are", n)
	})
}

func countStatus(t *testing.T, db *sql.DB, cs []checkout, status string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM upgrades WHERE id = ANY($1) AND status = $2`, upgradeIDs(cs), status).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
