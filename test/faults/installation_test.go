package faults

import (
	"testing"

	"upgrades/test/dbtest"
)

// A database reset (or a second environment) on the same Stripe account
// is another installation: its upgrade #1 gets its own checkout instead
// of reusing the first database's idempotency key, whose different
// parameters the simulated Stripe, like Stripe, refuses for 24 hours.
func TestAResetDatabaseDoesNotReuseIdempotencyKeys(t *testing.T) {
	skipShort(t)
	sim := startStripeSim(t, "", true)
	var sessions []string
	for i := range 2 {
		dbURL := dbtest.NewEmpty(t)
		migrate(t, dbURL)
		var installation string
		if err := dbtest.SQL(t, dbURL).QueryRow(`SELECT id FROM installation`).Scan(&installation); err != nil {
			t.Fatal(err)
		}
		s := startShop(t, "", dbURL, sim)
		b := newBuyer(t, s)
		// The second buyer has an email of their own, so the request for
		// upgrade #1 differs from the first database's.
		if i == 1 {
			b = newAccount(t, s, "other_buyer", "member", "--email", "other@example.com")
		}
		c := giftGold(t, b, []int64{b.id}, s)[0]
		if c.ID != 1 {
			t.Fatalf("database %d: the first upgrade is #%d", i+1, c.ID)
		}
		got := sim.session(t, c.SessionID)
		if got.Metadata["installation"] != installation {
			t.Fatalf("database %d: session metadata %v, want installation %s", i+1, got.Metadata, installation)
		}
		sessions = append(sessions, c.SessionID)
		s.Stop(t)
	}
	if sessions[0] == sessions[1] {
		t.Fatalf("both databases' upgrade #1 got session %s", sessions[0])
	}
}
