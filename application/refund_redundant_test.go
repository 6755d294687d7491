package application_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"upgrades/application"
	"upgrades/domain"
)

// SPEC §2: two Gold gifts to bob; the second payment raises nothing, so
// it is refunded once through the provider, bob's level does not move,
// carol is told why and the owners are told.
func TestRedundantPaymentIsRefundedOnce(t *testing.T) {
	f := newFixture(t)
	alice, carol, bob := f.user("alice", domain.LevelMember), f.user("carol", domain.LevelMember), f.user("bob", domain.LevelMember)
	first, second := f.start(alice, bob, domain.UpgradeGold), f.start(carol, bob, domain.UpgradeGold)
	f.pay(first)
	ev := f.event(second, "evt_second", domain.EventCheckoutPaid)
	a := f.apply(ev)
	if a.Outcome != domain.OutcomeApplied || !a.Result.Redundant || a.Result.Fulfilled {
		t.Fatalf("the second gift: %+v", a)
	}
	up := f.upgrade(second.ID())
	if up.Status() != domain.StatusRefunded || up.PaymentIntentID() != paymentIntent(second) || !up.LevelBefore().IsZero() {
		t.Fatalf("the second gift is %+v", up.Snapshot())
	}
	if last := f.lastHistory(second.ID()); last.To != domain.StatusRefunded || last.Note != "redundant: bob already had Gold; the payment is refunded" {
		t.Fatalf("history %+v", last)
	}
	if l := f.level(bob); l != domain.LevelGold {
		t.Fatalf("bob is %s", l)
	}
	want := application.RefundRequest{PaymentIntentID: paymentIntent(second), IdempotencyKey: fmt.Sprintf("inst1:user_upgrade_%d:refund", second.ID())}
	if reqs := f.gw.refundRequests(); len(reqs) != 1 || reqs[0] != want {
		t.Fatalf("refund requests %+v, want %+v", reqs, want)
	}
	if attempts, done, _, _ := f.db.OwedRefund(want.IdempotencyKey); attempts != 1 || !done {
		t.Fatalf("the owed refund: %d attempts, done %t", attempts, done)
	}
	if got := f.messages(carol); !slices.Equal(got, []string{"Bob already had Gold: your $20.00 has been refunded."}) {
		t.Fatalf("carol was told %q", got)
	}
	if got := f.messages(f.owner); len(got) != 1 || got[0] != fmt.Sprintf("Upgrade #%d: a redundant payment of $20.00 is refunded automatically: bob already had Gold (stripe evt_second checkout.session.completed).", second.ID()) {
		t.Fatalf("the owners were told %q", got)
	}

	// The redelivered event, the provider's refund event and the
	// reconciler change nothing and refund nothing more.
	if a := f.apply(ev); !a.Duplicate {
		t.Fatalf("redelivery: %+v", a)
	}
	if a := f.apply(f.event(second, "evt_refunded", domain.EventRefunded)); a.Outcome != domain.OutcomeIgnored {
		t.Fatalf("charge.refunded: %+v", a)
	}
	if r, err := f.app.Reconcile.Handle(f.ctx, application.Reconcile{}); err != nil || r.Refunded != 0 {
		t.Fatalf("reconcile: %+v, %v", r, err)
	}
	if n := len(f.gw.refundRequests()); n != 1 {
		t.Fatalf("%d refund requests", n)
	}
}

// A self upgrade paid twice: the buyer is told in the second person.
func TestRedundantSelfUpgradeSaysYou(t *testing.T) {
	f := newFixture(t)
	alice := f.user("alice", domain.LevelMember)
	first := f.start(alice, alice, domain.UpgradeGold)
	f.clock.Advance(time.Hour) // the first checkout is no longer reused
	second := f.start(alice, alice, domain.UpgradeGold)
	f.pay(first)
	f.pay(second)
	if got := f.messages(alice); len(got) != 2 || got[1] != "You already had Gold: your $20.00 has been refunded." {
		t.Fatalf("alice was told %q", got)
	}
}

// The provider failing: the refund stays owed and the reconciler sends
// the same request again; after a few failures the owners are asked.
func TestOwedRefundIsResentThenGivenToTheOwners(t *testing.T) {
	f := newFixture(t)
	alice, carol, bob := f.user("alice", domain.LevelMember), f.user("carol", domain.LevelMember), f.user("bob", domain.LevelMember)
	first, second := f.start(alice, bob, domain.UpgradeGold), f.start(carol, bob, domain.UpgradeGold)
	f.pay(first)
	f.gw.FailWith(errors.New("stripe is down"))
	if a := f.apply(f.event(second, "evt_second", domain.EventCheckoutPaid)); !a.Result.Redundant {
		t.Fatalf("the second gift: %+v", a)
	}
	key := fmt.Sprintf("inst1:user_upgrade_%d:refund", second.ID())
	// Within the lease nobody sends it again.
	if r, err := f.app.Reconcile.Handle(f.ctx, application.Reconcile{}); err != nil || r.Refunded != 0 || len(f.gw.refundRequests()) != 1 {
		t.Fatalf("reconcile within the lease: %+v, %v, %d requests", r, err, len(f.gw.refundRequests()))
	}
	for range 4 {
		f.clock.Advance(f.cfg.ReconcileLease)
		if _, err := f.app.Reconcile.Handle(f.ctx, application.Reconcile{}); err != nil {
			t.Fatal(err)
		}
	}
	attempts, done, gaveUp, _ := f.db.OwedRefund(key)
	reqs := f.gw.refundRequests()
	if attempts != 5 || done || !gaveUp || len(reqs) != 5 {
		t.Fatalf("%d attempts, done %t, given up %t, %d requests", attempts, done, gaveUp, len(reqs))
	}
	for _, r := range reqs {
		if r.IdempotencyKey != key || r.PaymentIntentID != paymentIntent(second) {
			t.Fatalf("a resent request differs: %+v", r)
		}
	}
	owners := f.messages(f.owner)
	if len(owners) != 2 || owners[1] != fmt.Sprintf("The automatic refund of upgrade #%d failed 5 times; refund it by hand at Stripe (PaymentIntent %s): the payment provider failed: stripe is down.", second.ID(), paymentIntent(second)) {
		t.Fatalf("the owners were told %q", owners)
	}
	// Given up: not sent again.
	f.gw.FailWith(nil)
	f.clock.Advance(f.cfg.ReconcileLease)
	if r, err := f.app.Reconcile.Handle(f.ctx, application.Reconcile{}); err != nil || r.Refunded != 0 || len(f.gw.refundRequests()) != 5 {
		t.Fatalf("after giving up: %+v, %v", r, err)
	}
}

// A crash between the commit and the request leaves the refund owed; the
// reconciler sends it.
func TestTheReconcilerSendsOwedRefunds(t *testing.T) {
	f := newFixture(t)
	alice, carol, bob := f.user("alice", domain.LevelMember), f.user("carol", domain.LevelMember), f.user("bob", domain.LevelMember)
	first, second := f.start(alice, bob, domain.UpgradeGold), f.start(carol, bob, domain.UpgradeGold)
	f.pay(first)
	f.gw.FailWith(errors.New("connection reset"))
	f.apply(f.event(second, "evt_second", domain.EventCheckoutPaid))
	f.gw.FailWith(nil)
	f.clock.Advance(f.cfg.ReconcileLease)
	r, err := f.app.Reconcile.Handle(f.ctx, application.Reconcile{})
	if err != nil || r.Refunded != 1 {
		t.Fatalf("reconcile: %+v, %v", r, err)
	}
	if _, done, _, _ := f.db.OwedRefund(fmt.Sprintf("inst1:user_upgrade_%d:refund", second.ID())); !done {
		t.Fatal("the refund is still owed")
	}
}
