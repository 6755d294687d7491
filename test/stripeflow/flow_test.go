package stripeflow

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"upgrades/adapters/stripesim"
	"upgrades/application"
	"upgrades/domain"
)

func TestPayByCard(t *testing.T) {
	s := newShop(t)
	up := s.start(s.alice, s.bob.ID(), "gold")
	back := s.press(up.CheckoutURL(), "paid")

	wantBack := fmt.Sprintf("%s/user_upgrades/%d?session_id=%s", s.url, up.ID(), up.SessionID())
	if back != wantBack {
		t.Errorf("sent back to %q, want %q", back, wantBack)
	}
	// The simulated Checkout waited for the webhook before redirecting, so
	// the success page already has the result.
	got := s.wantStatus(up.ID(), domain.StatusComplete)
	if got.PaymentIntentID() == "" || s.level(s.bob) != domain.LevelGold {
		t.Errorf("payment intent %q, bob is %s", got.PaymentIntentID(), s.level(s.bob))
	}
	evs := s.delivered()
	if len(evs) != 1 || evs[0].Type != "checkout.session.completed" || s.outcome(evs[0].ID) != "applied" {
		t.Fatalf("events %+v", evs)
	}
	if h := history(got); !strings.Contains(h, "stripe "+evs[0].ID+" checkout.session.completed") {
		t.Errorf("history does not name the event:\n%s", h)
	}
	if msgs := s.messages(s.bob); len(msgs) != 1 || !strings.Contains(msgs[0], "upgraded to Gold") || !strings.Contains(msgs[0], "alice") {
		t.Errorf("bob's messages %q", msgs)
	}
	if msgs := s.messages(s.alice); len(msgs) != 1 || !strings.Contains(msgs[0], "bob has been upgraded to Gold") {
		t.Errorf("alice's messages %q", msgs)
	}
}

func TestDelayedPaymentThenSucceeded(t *testing.T) {
	s := newShop(t)
	up := s.start(s.alice, 0, "platinum")
	s.press(up.CheckoutURL(), "delayed")
	s.wantStatus(up.ID(), domain.StatusProcessing)
	if l := s.level(s.alice); l != domain.LevelMember {
		t.Fatalf("alice is %s before the payment settled", l)
	}
	s.press(up.CheckoutURL()+"/settle", "succeeded")
	s.wantStatus(up.ID(), domain.StatusComplete)
	if l := s.level(s.alice); l != domain.LevelPlatinum {
		t.Errorf("alice is %s", l)
	}
	for _, e := range s.delivered() {
		if o := s.outcome(e.ID); o != "applied" {
			t.Errorf("%s: %s", e.Type, o)
		}
	}
}

func TestDelayedPaymentThenFailed(t *testing.T) {
	s := newShop(t)
	up := s.start(s.alice, 0, "gold")
	s.press(up.CheckoutURL(), "delayed")
	s.wantStatus(up.ID(), domain.StatusProcessing)
	s.press(up.CheckoutURL()+"/settle", "failed")
	s.wantStatus(up.ID(), domain.StatusFailed)
	if l := s.level(s.alice); l != domain.LevelMember {
		t.Errorf("alice is %s", l)
	}
	if msgs := s.messages(s.alice); len(msgs) != 1 || !strings.Contains(msgs[0], "failed") {
		t.Errorf("alice's messages %q", msgs)
	}
}

func TestCancelLeavesTheUpgradePending(t *testing.T) {
	s := newShop(t)
	up := s.start(s.alice, s.bob.ID(), "gold")
	back := s.press(up.CheckoutURL(), "cancel")
	if want := fmt.Sprintf("%s/user_upgrades/new?user_id=%d&cancelled=%d", s.url, s.bob.ID(), up.ID()); back != want {
		t.Errorf("sent back to %q, want %q", back, want)
	}
	s.wantStatus(up.ID(), domain.StatusPending)
	if evs := s.sim.Events(); len(evs) != 0 {
		t.Errorf("events %+v", evs)
	}
	// A second click on the same button returns the same open checkout.
	again, err := s.app.StartUpgrade.Handle(context.Background(), application.StartUpgrade{PurchaserID: s.alice.ID(), RecipientID: s.bob.ID(), Type: "gold"})
	if err != nil || !again.Reused || again.Upgrade.SessionID() != up.SessionID() {
		t.Errorf("starting again: %v reused %v", err, again.Reused)
	}
}

func TestExpire(t *testing.T) {
	s := newShop(t)
	up := s.start(s.alice, 0, "gold")
	state, err := s.gw.ExpireCheckout(context.Background(), up.SessionID())
	if err != nil || state.Payment.Kind != domain.EventSessionExpired {
		t.Fatalf("expire: %v %+v", err, state)
	}
	s.eventuallyStatus(up.ID(), domain.StatusExpired)
	evs := s.delivered()
	if len(evs) != 1 || evs[0].Type != "checkout.session.expired" || s.outcome(evs[0].ID) != "applied" {
		t.Errorf("events %+v", evs)
	}
}

func TestReconcilerExpiresAnAbandonedCheckout(t *testing.T) {
	s := newShop(t)
	up := s.start(s.alice, 0, "gold")
	s.clock.Advance(2 * time.Hour)
	r, err := s.app.Reconcile.Handle(context.Background(), application.Reconcile{})
	if err != nil || r.Checked != 1 || r.Failed != 0 {
		t.Fatalf("reconcile: %+v %v", r, err)
	}
	s.wantStatus(up.ID(), domain.StatusExpired)
	// Reading the session back made the simulation expire it, as Stripe
	// does on its own, so its checkout.session.expired event races the
	// reconciler: whichever comes first applies, the other is ignored.
	evs := s.delivered()
	applied := r.Changed
	for _, e := range evs {
		if e.Type != "checkout.session.expired" {
			t.Errorf("unexpected event %+v", e)
		}
		if s.outcome(e.ID) == "applied" {
			applied++
		}
	}
	if len(evs) != 1 || applied != 1 {
		t.Errorf("%d events, expiry applied %d times", len(evs), applied)
	}
	if n := strings.Count(history(s.upgrade(up.ID())), "-> expired session_expired applied"); n != 1 {
		t.Errorf("history:\n%s", history(s.upgrade(up.ID())))
	}
}

func TestOwnerRefund(t *testing.T) {
	s := newShop(t)
	up := s.start(s.alice, s.bob.ID(), "gold")
	s.press(up.CheckoutURL(), "paid")
	s.wantStatus(up.ID(), domain.StatusComplete)

	if _, err := s.app.Refund.Handle(context.Background(), application.RefundUpgrade{By: application.Actor{ID: s.alice.ID()}, UpgradeID: up.ID()}); !domain.IsKind(err, domain.KindForbidden) {
		t.Fatalf("a member refunding: %v", err)
	}
	// Stripe's charge.refunded may reach the shop before or after the
	// refund call returns; held here until after, the usual order.
	release := s.holdWebhooks()
	a, err := s.app.Refund.Handle(context.Background(), application.RefundUpgrade{By: application.Actor{ID: s.owner.ID()}, UpgradeID: up.ID()})
	if err != nil || a.Outcome.String() != "applied" {
		t.Fatalf("refund: %+v %v", a, err)
	}
	s.wantStatus(up.ID(), domain.StatusRefunded)
	release()
	if l := s.level(s.bob); l != domain.LevelMember {
		t.Errorf("bob is %s after the refund", l)
	}
	// Stripe then tells us about the refund; it is already applied.
	var refunded []stripesim.EventInfo
	for _, e := range s.delivered() {
		if e.Type == "charge.refunded" {
			refunded = append(refunded, e)
		}
	}
	if len(refunded) != 1 || s.outcome(refunded[0].ID) != "ignored" {
		t.Fatalf("charge.refunded events %+v", refunded)
	}
	if !strings.Contains(history(s.upgrade(up.ID())), refunded[0].ID+" charge.refunded") {
		t.Errorf("history:\n%s", history(s.upgrade(up.ID())))
	}
	// Refunding again is refused before Stripe is asked.
	if _, err := s.app.Refund.Handle(context.Background(), application.RefundUpgrade{By: application.Actor{ID: s.owner.ID()}, UpgradeID: up.ID()}); !domain.IsKind(err, domain.KindConflict) {
		t.Errorf("refunding twice: %v", err)
	}
}

func TestPartialRefundLeavesTheUpgradePaid(t *testing.T) {
	s := newShop(t)
	up := s.start(s.alice, 0, "gold")
	s.press(up.CheckoutURL(), "paid")
	pi := s.wantStatus(up.ID(), domain.StatusComplete).PaymentIntentID()
	form := url.Values{"payment_intent": {pi}, "amount": {"500"}}
	resp, err := authorized(s.url+"/_stripe/v1/refunds", form)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("partial refund: %v %v", err, resp)
	}
	evs := s.delivered()
	last := evs[len(evs)-1]
	if last.Type != "charge.refunded" || s.outcome(last.ID) != application.OutcomeUnhandled.String() {
		t.Errorf("partial refund event %+v outcome %s", last, s.outcome(last.ID))
	}
	s.wantStatus(up.ID(), domain.StatusComplete)
	if l := s.level(s.alice); l != domain.LevelGold {
		t.Errorf("alice is %s", l)
	}
}

func TestWebhookRetriedUntilTheDatabaseIsBack(t *testing.T) {
	s := newShop(t, func(c *stripesim.Config) { c.RedirectWait = 2 * time.Second })
	up := s.start(s.alice, 0, "gold")
	s.db.SetDown(true)
	s.press(up.CheckoutURL(), "paid")
	evs := s.sim.Events()
	if len(evs) != 1 || evs[0].Attempts < 1 || evs[0].LastStatus != 503 {
		s.db.SetDown(false)
		t.Fatalf("while the database is down: %+v", evs)
	}
	s.db.SetDown(false)
	s.eventuallyStatus(up.ID(), domain.StatusComplete)
	evs = s.delivered()
	if evs[0].State != stripesim.DeliveryDelivered || evs[0].Attempts < 2 || s.outcome(evs[0].ID) != "applied" {
		t.Errorf("event %+v", evs[0])
	}
	if l := s.level(s.alice); l != domain.LevelGold {
		t.Errorf("alice is %s", l)
	}
}

func TestWithoutWebhooksTheSuccessPageCompletesTheUpgrade(t *testing.T) {
	s := newShop(t, func(c *stripesim.Config) { c.DropWebhooks = true })
	paid := s.start(s.alice, 0, "gold")
	s.press(paid.CheckoutURL(), "paid")
	s.wantStatus(paid.ID(), domain.StatusPending)
	a, err := s.app.SyncUpgrade.Handle(context.Background(), application.SyncUpgrade{UpgradeID: paid.ID(), Source: "success page"})
	if err != nil || a.Outcome.String() != "applied" {
		t.Fatalf("sync: %+v %v", a, err)
	}
	s.wantStatus(paid.ID(), domain.StatusComplete)
	if l := s.level(s.alice); l != domain.LevelGold {
		t.Errorf("alice is %s", l)
	}

	// A delayed payment reads back as processing, then as its settlement.
	for _, tt := range []struct {
		buyer  string
		settle string
		want   domain.Status
		level  domain.Level
	}{{"carol", "succeeded", domain.StatusComplete, domain.LevelGold}, {"dave", "failed", domain.StatusFailed, domain.LevelMember}} {
		buyer := s.user(tt.buyer, "", domain.LevelMember)
		up := s.start(buyer, 0, "gold")
		s.press(up.CheckoutURL(), "delayed")
		if _, err := s.app.SyncUpgrade.Handle(context.Background(), application.SyncUpgrade{UpgradeID: up.ID(), Source: "success page"}); err != nil {
			t.Fatal(err)
		}
		s.wantStatus(up.ID(), domain.StatusProcessing)
		s.press(up.CheckoutURL()+"/settle", tt.settle)
		if _, err := s.app.SyncUpgrade.Handle(context.Background(), application.SyncUpgrade{UpgradeID: up.ID(), Source: "reconciler"}); err != nil {
			t.Fatal(err)
		}
		s.wantStatus(up.ID(), tt.want)
		if l := s.level(buyer); l != tt.level {
			t.Errorf("%s is %s", tt.buyer, l)
		}
	}
	for _, e := range s.sim.Events() {
		if e.State != stripesim.DeliveryDropped {
			t.Errorf("event %+v was not dropped", e)
		}
	}
}

func TestConcurrentUpgradesOfOneRecipient(t *testing.T) {
	s := newShop(t)
	gift := s.start(s.alice, s.bob.ID(), "gold")
	own := s.start(s.bob, 0, "gold")
	done := make(chan struct{}, 2)
	for _, up := range []*domain.Upgrade{gift, own} {
		go func() {
			s.press(up.CheckoutURL(), "paid")
			done <- struct{}{}
		}()
	}
	<-done
	<-done
	s.delivered()
	// The second payment no longer raised bob's level: it is refunded
	// (SPEC §2, AUTO_REFUND), once, and the owners are told.
	a, b := s.upgrade(gift.ID()), s.upgrade(own.ID())
	statuses := []domain.Status{a.Status(), b.Status()}
	if !slices.Contains(statuses, domain.StatusComplete) || !slices.Contains(statuses, domain.StatusRefunded) {
		t.Fatalf("the two upgrades are %v, want one complete and one refunded:\n%s\n%s", statuses, history(a), history(b))
	}
	if l := s.level(s.bob); l != domain.LevelGold {
		t.Errorf("bob is %s", l)
	}
	if len(s.messages(s.owner)) != 1 {
		t.Errorf("owner messages %q", s.messages(s.owner))
	}
	refunds := 0
	for _, e := range s.sim.Events() {
		switch s.outcome(e.ID) {
		case "applied":
		case "ignored":
			// Stripe's charge.refunded for the refund the shop asked for.
			refunds++
		default:
			t.Errorf("event %+v ended %s", e, s.outcome(e.ID))
		}
	}
	if refunds != 1 {
		t.Errorf("%d refunds at the simulated Stripe, want 1; events %+v", refunds, s.sim.Events())
	}
}
