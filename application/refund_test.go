package application_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"upgrades/application"
	"upgrades/domain"
)

func TestRefundIsForOwnersOnly(t *testing.T) {
	f := newFixture(t)
	alice := f.user("alice", domain.LevelMember)
	admin := f.user("adam", domain.LevelAdmin)
	mod := f.user("mo", domain.LevelModerator)
	up := f.start(alice, alice, domain.UpgradeGold)
	f.pay(up)
	for _, tc := range []struct {
		desc  string
		actor domain.UserID
		kind  domain.Kind
	}{
		{"not logged in", 0, domain.KindUnauthenticated},
		{"account gone", 9999, domain.KindUnauthenticated},
		{"the purchaser", alice.ID(), domain.KindForbidden},
		{"a moderator", mod.ID(), domain.KindForbidden},
		{"an admin", admin.ID(), domain.KindForbidden},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			_, err := f.app.Refund.Handle(f.ctx, application.RefundUpgrade{By: application.Actor{ID: tc.actor}, UpgradeID: up.ID()})
			wantKind(t, err, tc.kind)
		})
	}
	if n := len(f.gw.refundRequests()); n != 0 {
		t.Fatalf("%d refunds reached the gateway", n)
	}
	if f.upgrade(up.ID()).Status() != domain.StatusComplete || f.level(alice) != domain.LevelGold {
		t.Fatal("a refused refund changed the upgrade")
	}
}

func TestRefundOnlyCompleteUpgrades(t *testing.T) {
	for _, tc := range []struct {
		desc  string
		setup func(f *fixture, up *domain.Upgrade)
	}{
		{"pending", func(f *fixture, up *domain.Upgrade) {}},
		{"processing", func(f *fixture, up *domain.Upgrade) {
			f.apply(f.event(up, "evt_1", domain.EventCheckoutUnpaid))
		}},
		{"expired", func(f *fixture, up *domain.Upgrade) {
			f.apply(f.event(up, "evt_1", domain.EventSessionExpired))
		}},
		{"already refunded", func(f *fixture, up *domain.Upgrade) {
			f.pay(up)
			f.apply(f.event(up, "evt_2", domain.EventRefunded))
		}},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			f := newFixture(t)
			alice := f.user("alice", domain.LevelMember)
			up := f.start(alice, alice, domain.UpgradeGold)
			tc.setup(f, up)
			_, err := f.app.Refund.Handle(f.ctx, application.RefundUpgrade{By: application.Actor{ID: f.owner.ID()}, UpgradeID: up.ID()})
			wantKind(t, err, domain.KindConflict)
			if n := len(f.gw.refundRequests()); n != 0 {
				t.Fatalf("%d refunds reached the gateway", n)
			}
		})
	}
	f := newFixture(t)
	_, err := f.app.Refund.Handle(f.ctx, application.RefundUpgrade{By: application.Actor{ID: f.owner.ID()}, UpgradeID: 9999})
	wantKind(t, err, domain.KindNotFound)
}

func TestRefund(t *testing.T) {
	tests := []struct {
		desc      string
		gift      bool
		promoteTo domain.Level // the recipient's level set after fulfilment, if any
		final     domain.Level
		reverted  bool
	}{
		{"self", false, domain.Level{}, domain.LevelMember, true},
		{"gift", true, domain.Level{}, domain.LevelMember, true},
		{"recipient promoted since", true, domain.LevelModerator, domain.LevelModerator, false},
		{"recipient bought platinum since", false, domain.LevelPlatinum, domain.LevelPlatinum, false},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			f := newFixture(t)
			alice, bob := f.user("alice", domain.LevelMember), f.user("bob", domain.LevelMember)
			recipient := alice
			if tc.gift {
				recipient = bob
			}
			up := f.start(alice, recipient, domain.UpgradeGold)
			f.pay(up)
			if !tc.promoteTo.IsZero() {
				f.setLevel(recipient, tc.promoteTo)
			}
			before := len(f.messages(recipient))

			a, err := f.app.Refund.Handle(f.ctx, application.RefundUpgrade{By: application.Actor{ID: f.owner.ID()}, UpgradeID: up.ID()})
			if err != nil {
				t.Fatal(err)
			}
			if a.Outcome.String() != "applied" || a.Result.Reverted != tc.reverted {
				t.Fatalf("refund: %+v", a)
			}
			reqs := f.gw.refundRequests()
			want := application.RefundRequest{PaymentIntentID: paymentIntent(up), IdempotencyKey: fmt.Sprintf("inst1:user_upgrade_%d:refund", up.ID())}
			if len(reqs) != 1 || reqs[0] != want {
				t.Fatalf("refund requests %+v, want %+v", reqs, want)
			}
			stored := f.upgrade(up.ID())
			if stored.Status() != domain.StatusRefunded || f.level(recipient) != tc.final {
				t.Fatalf("status %s, recipient %s; want refunded, %s", stored.Status(), f.level(recipient), tc.final)
			}
			last := f.lastHistory(up.ID())
			if last.Event != domain.EventRefunded || !strings.Contains(last.Cause, "owner olivia") {
				t.Fatalf("history entry %+v", last)
			}
			if got := f.messages(alice); !hasMessage(got, "Your payment for upgrade") {
				t.Fatalf("the purchaser was told %q", got)
			}
			if tc.gift {
				got := f.messages(bob)
				if tc.reverted != (len(got) == before+1) {
					t.Fatalf("the recipient was told %q", got)
				}
			}

			// A second click cannot refund twice.
			_, err = f.app.Refund.Handle(f.ctx, application.RefundUpgrade{By: application.Actor{ID: f.owner.ID()}, UpgradeID: up.ID()})
			wantKind(t, err, domain.KindConflict)
			if n := len(f.gw.refundRequests()); n != 1 {
				t.Fatalf("%d refund calls", n)
			}
		})
	}
}

func TestRefundGatewayFailure(t *testing.T) {
	f := newFixture(t)
	alice := f.user("alice", domain.LevelMember)
	up := f.start(alice, alice, domain.UpgradeGold)
	f.pay(up)
	f.gw.FailWith(errors.New("stripe is down"))
	_, err := f.app.Refund.Handle(f.ctx, application.RefundUpgrade{By: application.Actor{ID: f.owner.ID()}, UpgradeID: up.ID()})
	wantKind(t, err, domain.KindPaymentProvider)
	if f.upgrade(up.ID()).Status() != domain.StatusComplete || f.level(alice) != domain.LevelGold {
		t.Fatal("a failed refund changed the upgrade")
	}
	f.gw.FailWith(nil)
	if _, err := f.app.Refund.Handle(f.ctx, application.RefundUpgrade{By: application.Actor{ID: f.owner.ID()}, UpgradeID: up.ID()}); err != nil {
		t.Fatal(err)
	}
	// Both attempts used the same key, so the provider refunds once.
	reqs := f.gw.refundRequests()
	if len(reqs) != 2 || reqs[0].IdempotencyKey != reqs[1].IdempotencyKey {
		t.Fatalf("refund requests %+v", reqs)
	}
}

// SPEC §2's refund rule, through the owners' refunds: the recipient keeps
// what they still paid for, else the level before their first upgrade.
func TestRefundKeepsWhatIsStillPaidFor(t *testing.T) {
	t.Run("two Gold gifts to bob, one refunded", func(t *testing.T) {
		// AUTO_REFUND=false: the second gift stays paid (SPEC §2).
		f := newFixture(t, func(c *application.Config) { c.AutoRefund = false })
		alice, carol, bob := f.user("alice", domain.LevelMember), f.user("carol", domain.LevelMember), f.user("bob", domain.LevelMember)
		first, second := f.start(alice, bob, domain.UpgradeGold), f.start(carol, bob, domain.UpgradeGold)
		f.pay(first)
		// The second payment raises nothing: it stays complete, an anomaly
		// for the owners (automatic refunds left to them).
		if a := f.apply(f.event(second, "evt_second", domain.EventCheckoutPaid)); a.Outcome != domain.OutcomeAnomaly || f.upgrade(second.ID()).Status() != domain.StatusComplete {
			t.Fatalf("the second gift: %s, %s", a.Outcome, f.upgrade(second.ID()).Status())
		}
		if _, err := f.app.Refund.Handle(f.ctx, application.RefundUpgrade{By: application.Actor{ID: f.owner.ID()}, UpgradeID: first.ID()}); err != nil {
			t.Fatal(err)
		}
		if l := f.level(bob); l != domain.LevelGold {
			t.Fatalf("bob is %s, want Gold: the other gift is still paid", l)
		}
	})
	t.Run("alice bought Gold, then Gold to Platinum", func(t *testing.T) {
		f := newFixture(t)
		alice := f.user("alice", domain.LevelMember)
		gold := f.start(alice, alice, domain.UpgradeGold)
		f.pay(gold)
		toPlatinum := f.start(alice, alice, domain.UpgradeGoldToPlatinum)
		f.pay(toPlatinum)
		if _, err := f.app.Refund.Handle(f.ctx, application.RefundUpgrade{By: application.Actor{ID: f.owner.ID()}, UpgradeID: gold.ID()}); err != nil {
			t.Fatal(err)
		}
		if l := f.level(alice); l != domain.LevelPlatinum {
			t.Fatalf("refunding the Gold made alice %s, want Platinum", l)
		}
		if _, err := f.app.Refund.Handle(f.ctx, application.RefundUpgrade{By: application.Actor{ID: f.owner.ID()}, UpgradeID: toPlatinum.ID()}); err != nil {
			t.Fatal(err)
		}
		if l := f.level(alice); l != domain.LevelMember {
			t.Fatalf("refunding the Gold to Platinum after that made alice %s, want member", l)
		}
	})
}
