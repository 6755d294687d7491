package faults

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"upgrades/test/dbtest"
	"upgrades/test/proc"
)

// `upgrades refund ID` refunds through Stripe with the server's settings,
// as an owner's button does: the upgrade ends refunded, its history says
// the command line did it, and the audit trail keeps the reason. A second
// refund is refused in one line.
func TestRefundCommandRefundsThroughStripeAndIsAudited(t *testing.T) {
	skipShort(t)
	dbURL := dbtest.New(t)
	db := dbtest.SQL(t, dbURL)
	addr := proc.FreeAddr(t)
	sim := startStripeSim(t, "http://"+addr+"/webhooks/receive", false)
	s := startShop(t, addr, dbURL, sim)
	b := newBuyer(t, s)
	cs := giftGold(t, b, newRecipients(t, db, 1), s)
	payAll(t, cs)
	waitComplete(t, db, cs, 30*time.Second)
	id := fmt.Sprint(cs[0].ID)

	out := proc.MustRun(t, proc.Binary(t), s.env, "refund", id, "--reason", "asked by phone")
	if !strings.Contains(out, "upgrade "+id+" refunded") {
		t.Fatalf("upgrades refund printed %q", out)
	}
	var status string
	if err := db.QueryRow(`SELECT status FROM upgrades WHERE id = $1`, cs[0].ID).Scan(&status); err != nil || status != "refunded" {
		t.Fatalf("upgrade %s is %q (%v)", id, status, err)
	}
	// Stripe's charge.refunded may arrive before the command applies its
	// refund, which is then a no-op: either way one entry names it.
	var named int
	err := db.QueryRow(`SELECT count(*) FROM upgrade_history WHERE upgrade_id = $1 AND to_status = 'refunded' AND cause LIKE 'the command line: refund re_%'`, cs[0].ID).Scan(&named)
	if err != nil || named != 1 {
		t.Fatalf("%d history entries name the command line's refund (%v)", named, err)
	}
	var (
		actor  sql.NullInt64
		reason string
	)
	err = db.QueryRow(`SELECT actor_id, reason FROM audit_log WHERE action = 'refund' AND subject = $1`, "upgrade:"+id).Scan(&actor, &reason)
	if err != nil || actor.Valid || reason != "asked by phone" {
		t.Fatalf("audit entry: actor %v, reason %q (%v)", actor, reason, err)
	}

	_, errOut, err := proc.Run(t, proc.Binary(t), s.env, "refund", id)
	if err == nil || !strings.HasPrefix(errOut, "upgrades refund: only a complete, paid upgrade can be refunded") || strings.Count(errOut, "\n") != 1 {
		t.Fatalf("a second refund: %v, stderr %q", err, errOut)
	}
	var entries int
	if err := db.QueryRow(`SELECT count(*) FROM audit_log`).Scan(&entries); err != nil || entries != 1 {
		t.Fatalf("%d audit entries after a refused refund (%v)", entries, err)
	}
}
