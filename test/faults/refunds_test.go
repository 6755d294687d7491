package faults

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"upgrades/test/dbtest"
)

// SPEC §2: each of 30 recipients gets two Gold gifts from two buyers, and
// both are paid: every second payment raises nothing. Three replicas
// receive each second payment's webhook three times at once, and one of
// them is killed (SIGKILL) a third of the way through and started again.
// Every redundant payment is refunded exactly once at the simulated
// Stripe, and none is lost: whatever a killed replica owed, another
// replica's reconciler sends once its lease ends.
func TestRedundantPaymentsAreRefundedOnceAcrossReplicasAndKills(t *testing.T) {
	skipShort(t)
	dbURL := dbtest.New(t)
	db := dbtest.SQL(t, dbURL)
	sim := startStripeSim(t, "", true) // the test delivers the webhooks itself
	var replicas []*shop
	for range 3 {
		replicas = append(replicas, startShop(t, "", dbURL, sim, "RECONCILE_INTERVAL=1s"))
	}
	recipients := newRecipients(t, db, 30)
	b1 := newBuyer(t, replicas[0])
	b2 := newAccount(t, replicas[0], "second_buyer", "member", "--email", "second@example.com")
	firsts := giftGold(t, b1, recipients, replicas...)
	seconds := giftGold(t, b2, recipients, replicas...)
	payAll(t, firsts)
	payAll(t, seconds)

	bySession := map[string][]byte{}
	for _, e := range sim.events(t, "checkout.session.completed") {
		var ev struct {
			Data struct {
				Object struct {
					ID string `json:"id"`
				} `json:"object"`
			} `json:"data"`
		}
		must(t, json.Unmarshal(e, &ev))
		bySession[ev.Data.Object.ID] = e
	}
	// The first gifts are fulfilled first, so that the second are redundant.
	parallel(t, len(firsts), 8, func(i int) error {
		return deliverOK(replicas[i%3], bySession[firsts[i].SessionID])
	})
	waitComplete(t, db, firsts, 30*time.Second)

	type delivery struct {
		event []byte
		to    int
	}
	var ds []delivery
	for _, c := range seconds {
		for range 3 {
			for r := range replicas {
				ds = append(ds, delivery{bySession[c.SessionID], r})
			}
		}
	}
	var (
		sent   atomic.Int64
		killed sync.Once
		dead   atomic.Bool
	)
	err := each(len(ds), 16, func(i int) error {
		if sent.Add(1) == int64(len(ds)/3) {
			killed.Do(func() { dead.Store(true); replicas[0].Kill(t) })
		}
		err := deliverOK(replicas[ds[i].to], ds[i].event)
		if err != nil && ds[i].to == 0 && dead.Load() {
			return nil // a dead server: Stripe would deliver again later
		}
		return err
	})
	must(t, err)
	replicas[0].restart(t)

	waitFor(t, 60*time.Second, "every redundant payment refunded", func() (bool, string) {
		var owed, done int
		must(t, db.QueryRow(`SELECT count(*) FILTER (WHERE done_at IS NULL), count(*) FILTER (WHERE done_at IS NOT NULL) FROM refund_outbox`).Scan(&owed, &done))
		return owed == 0 && done == len(seconds), fmt.Sprintf("%d owed, %d done", owed, done)
	})
	if n := countStatus(t, db, seconds, "refunded"); n != len(seconds) {
		t.Fatalf("%d of %d second gifts refunded", n, len(seconds))
	}
	if n := countStatus(t, db, firsts, "complete"); n != len(firsts) {
		t.Fatalf("%d of %d first gifts complete", n, len(firsts))
	}
	var notGold int
	must(t, db.QueryRow(`SELECT count(*) FROM users WHERE id = ANY($1) AND level <> 30`, recipients).Scan(&notGold))
	if notGold != 0 {
		t.Fatalf("%d recipients are not Gold", notGold)
	}

	// At the simulated Stripe: one refund per redundant payment, of its
	// PaymentIntent; a second refund of a charge would have been refused
	// there, so the count of refunds is the count of requests that took
	// effect, and the shop's rows name the same refunds.
	var refunded []string
	for _, e := range sim.events(t, "charge.refunded") {
		var ev struct {
			Data struct {
				Object struct {
					PaymentIntent string `json:"payment_intent"`
				} `json:"object"`
			} `json:"data"`
		}
		must(t, json.Unmarshal(e, &ev))
		refunded = append(refunded, ev.Data.Object.PaymentIntent)
	}
	var want []string
	rows, err := db.Query(`SELECT payment_intent_id FROM upgrades WHERE id = ANY($1)`, upgradeIDs(seconds))
	must(t, err)
	for rows.Next() {
		var pi string
		must(t, rows.Scan(&pi))
		want = append(want, pi)
	}
	rows.Close()
	slices.Sort(refunded)
	slices.Sort(want)
	if !slices.Equal(refunded, want) {
		t.Fatalf("refunds at Stripe of %d PaymentIntents %v, want the %d redundant ones %v", len(refunded), refunded, len(want), want)
	}
}

// deliverOK delivers an event and wants 200.
func deliverOK(s *shop, event []byte) error {
	status, err := deliver(s, event)
	if err == nil && status != http.StatusOK {
		err = fmt.Errorf("a webhook was answered %d", status)
	}
	return err
}
