package application_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"upgrades/adapters/memory"
	"upgrades/application"
	"upgrades/domain"
)

// TestShowUpgradeRefresh is the success page: the buyer is back before
// the webhook, so the page asks the provider.
func TestShowUpgradeRefresh(t *testing.T) {
	tests := []struct {
		desc   string
		act    func(f *fixture, session string)
		status domain.Status
		level  domain.Level
	}{
		{"still open", func(f *fixture, s string) {}, domain.StatusPending, domain.LevelMember},
		{"paid", func(f *fixture, s string) { f.gw.Complete(s, memory.PaymentPaid) }, domain.StatusComplete, domain.LevelGold},
		{"delayed", func(f *fixture, s string) { f.gw.Complete(s, memory.PaymentUnpaid) }, domain.StatusProcessing, domain.LevelMember},
		{"delayed, settled", func(f *fixture, s string) {
			f.gw.Complete(s, memory.PaymentUnpaid)
			f.gw.Settle(s, true)
		}, domain.StatusComplete, domain.LevelGold},
		{"delayed, failed", func(f *fixture, s string) {
			f.gw.Complete(s, memory.PaymentUnpaid)
			f.gw.Settle(s, false)
		}, domain.StatusFailed, domain.LevelMember},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			f := newFixture(t)
			alice := f.user("alice", domain.LevelMember)
			up := f.start(alice, alice, domain.UpgradeGold)
			tc.act(f, up.SessionID())
			v, err := f.app.ShowUpgrade.Handle(f.ctx, application.ShowUpgrade{ViewerID: alice.ID(), UpgradeID: up.ID(), Refresh: true, SessionID: up.SessionID()})
			if err != nil {
				t.Fatal(err)
			}
			if v.Upgrade.Status() != tc.status || f.level(alice) != tc.level {
				t.Fatalf("page shows %s, alice is %s; want %s, %s", v.Upgrade.Status(), f.level(alice), tc.status, tc.level)
			}
			if tc.status == domain.StatusComplete {
				if v.Upgrade.PaymentIntentID() == "" {
					t.Fatal("the payment intent was not captured")
				}
				if last := f.lastHistory(up.ID()); last.Cause != "success page checkout.session.complete" {
					t.Fatalf("cause %q", last.Cause)
				}
			}
		})
	}
}

// The delayed payment: the page shows processing, then complete once the
// provider settles it, with one fulfilment.
func TestShowUpgradeRefreshFollowsADelayedPayment(t *testing.T) {
	f := newFixture(t)
	alice, bob := f.user("alice", domain.LevelMember), f.user("bob", domain.LevelMember)
	up := f.start(alice, bob, domain.UpgradePlatinum)
	show := func() domain.Status {
		f.clock.Advance(5 * time.Second) // the page asks the provider at most every 5s
		v, err := f.app.ShowUpgrade.Handle(f.ctx, application.ShowUpgrade{ViewerID: alice.ID(), UpgradeID: up.ID(), Refresh: true, SessionID: up.SessionID()})
		if err != nil {
			t.Fatal(err)
		}
		return v.Upgrade.Status()
	}
	f.gw.Complete(up.SessionID(), memory.PaymentUnpaid)
	if st := show(); st != domain.StatusProcessing {
		t.Fatalf("after a delayed checkout: %s", st)
	}
	if st := show(); st != domain.StatusProcessing {
		t.Fatalf("refreshing again: %s", st)
	}
	f.gw.Settle(up.SessionID(), true)
	for range 3 {
		if st := show(); st != domain.StatusComplete {
			t.Fatalf("after settlement: %s", st)
		}
	}
	if got := f.messages(bob); len(got) != 1 || f.level(bob) != domain.LevelPlatinum {
		t.Fatalf("bob is %s and was told %q", f.level(bob), got)
	}
	// A closed upgrade is not looked up at the provider again.
	retrieves := f.gw.CallCount("retrieve")
	show()
	if f.gw.CallCount("retrieve") != retrieves {
		t.Fatal("a complete upgrade was refreshed")
	}
}

func TestShowUpgradeWithoutRefreshAsksNobody(t *testing.T) {
	f := newFixture(t)
	alice := f.user("alice", domain.LevelMember)
	up := f.start(alice, alice, domain.UpgradeGold)
	f.gw.Complete(up.SessionID(), memory.PaymentPaid)
	v, err := f.app.ShowUpgrade.Handle(f.ctx, application.ShowUpgrade{ViewerID: alice.ID(), UpgradeID: up.ID()})
	if err != nil || v.Upgrade.Status() != domain.StatusPending || f.gw.CallCount("retrieve") != 0 {
		t.Fatalf("%v %s, %d retrieves", err, v.Upgrade.Status(), f.gw.CallCount("retrieve"))
	}
}

func TestShowUpgradeRefreshSurvivesAProviderFailure(t *testing.T) {
	f := newFixture(t)
	alice := f.user("alice", domain.LevelMember)
	up := f.start(alice, alice, domain.UpgradeGold)
	f.gw.Complete(up.SessionID(), memory.PaymentPaid)
	f.gw.FailWith(errors.New("timeout"))
	v, err := f.app.ShowUpgrade.Handle(f.ctx, application.ShowUpgrade{ViewerID: alice.ID(), UpgradeID: up.ID(), Refresh: true, SessionID: up.SessionID()})
	if err != nil || v.Upgrade.Status() != domain.StatusPending {
		t.Fatalf("with the provider down the page shows %v / %v, want the stored status", v.Upgrade, err)
	}
}

func TestSyncUpgrade(t *testing.T) {
	f := newFixture(t)
	alice := f.user("alice", domain.LevelMember)
	up := f.start(alice, alice, domain.UpgradeGold)

	a, err := f.app.SyncUpgrade.Handle(f.ctx, application.SyncUpgrade{UpgradeID: up.ID(), Source: "test"})
	if err != nil || a.Outcome.String() != "ignored" {
		t.Fatalf("open checkout: %+v %v", a, err)
	}
	f.gw.Complete(up.SessionID(), memory.PaymentPaid)
	a, err = f.app.SyncUpgrade.Handle(f.ctx, application.SyncUpgrade{UpgradeID: up.ID(), Source: "test"})
	if err != nil || a.Outcome.String() != "applied" || !a.Result.Fulfilled {
		t.Fatalf("paid checkout: %+v %v", a, err)
	}
	retrieves := f.gw.CallCount("retrieve")
	if _, err := f.app.SyncUpgrade.Handle(f.ctx, application.SyncUpgrade{UpgradeID: up.ID(), Source: "test"}); err != nil {
		t.Fatal(err)
	}
	if f.gw.CallCount("retrieve") != retrieves {
		t.Fatal("a complete upgrade was synchronised again")
	}
	_, err = f.app.SyncUpgrade.Handle(f.ctx, application.SyncUpgrade{UpgradeID: 9999})
	wantKind(t, err, domain.KindNotFound)
}

func TestReconcile(t *testing.T) {
	f := newFixture(t, func(c *application.Config) {
		c.CheckoutTTL, c.ReconcileAfter, c.ReconcileLease = time.Hour, 5*time.Minute, 2*time.Minute
	})
	users := map[string]*domain.User{}
	for _, n := range []string{"paid", "delayed", "closing", "open", "fresh", "done"} {
		users[n] = f.user(n, domain.LevelMember)
	}
	mine := func(n string) *domain.Upgrade { return f.start(users[n], users[n], domain.UpgradeGold) }

	paid, delayed, closing := mine("paid"), mine("delayed"), mine("closing") // at 0: expire at 60 min
	done := mine("done")
	f.pay(done)
	f.clock.Advance(30 * time.Minute)
	open := mine("open") // at 30 min: expires at 90 min
	f.clock.Advance(30 * time.Minute)
	fresh := mine("fresh") // at 60 min: a minute old when checked, too young
	f.clock.Advance(time.Minute)
	f.gw.Complete(paid.SessionID(), memory.PaymentPaid)
	f.gw.Complete(delayed.SessionID(), memory.PaymentUnpaid)
	f.gw.Complete(fresh.SessionID(), memory.PaymentPaid)

	r, err := f.app.Reconcile.Handle(f.ctx, application.Reconcile{})
	if err != nil {
		t.Fatal(err)
	}
	// paid, delayed, closing and open are stale and open; fresh is too
	// young and done is not open.
	if r != (application.ReconcileReport{Checked: 4, Changed: 3, Failed: 0}) {
		t.Fatalf("report %+v", r)
	}
	want := map[*domain.Upgrade]domain.Status{
		paid: domain.StatusComplete, delayed: domain.StatusProcessing, closing: domain.StatusExpired,
		open: domain.StatusPending, fresh: domain.StatusPending, done: domain.StatusComplete,
	}
	for up, st := range want {
		if got := f.upgrade(up.ID()).Status(); got != st {
			t.Errorf("#%d is %s, want %s", up.ID(), got, st)
		}
	}
	if f.gw.Session(closing.SessionID()).Payment.Kind != domain.EventSessionExpired || f.gw.CallCount("expire") != 1 {
		t.Fatalf("the closing checkout was not expired at the provider (%d expire calls)", f.gw.CallCount("expire"))
	}
	if !f.gw.Session(open.SessionID()).Open {
		t.Fatal("a checkout still open was expired")
	}
	if f.gw.CallCount("retrieve "+fresh.SessionID()) != 0 || f.gw.CallCount("retrieve "+done.SessionID()) != 0 {
		t.Fatal("an upgrade that needs no check was looked up")
	}
	if f.level(users["paid"]) != domain.LevelGold || f.lastHistory(paid.ID()).Cause != "reconciler checkout.session.complete" {
		t.Fatalf("paid: %s, cause %q", f.level(users["paid"]), f.lastHistory(paid.ID()).Cause)
	}

	// Leased: an immediate second run checks nothing.
	if r, err := f.app.Reconcile.Handle(f.ctx, application.Reconcile{}); err != nil || r.Checked != 0 {
		t.Fatalf("second run: %+v %v", r, err)
	}
	// Past the lease and the threshold, what is still open is checked again.
	f.clock.Advance(6 * time.Minute)
	f.gw.Settle(delayed.SessionID(), true)
	r, err = f.app.Reconcile.Handle(f.ctx, application.Reconcile{})
	if err != nil {
		t.Fatal(err)
	}
	if r != (application.ReconcileReport{Checked: 3, Changed: 2}) { // delayed, open, fresh
		t.Fatalf("third run %+v", r)
	}
	if f.upgrade(delayed.ID()).Status() != domain.StatusComplete || f.upgrade(fresh.ID()).Status() != domain.StatusComplete {
		t.Fatal("the third run did not complete the settled upgrades")
	}
	if got := f.messages(users["delayed"]); len(got) != 1 {
		t.Fatalf("delayed was told %q", got)
	}
}

// The buyer pays just as the reconciler expires the checkout: the expiry
// fails at the provider and the payment is applied instead.
func TestReconcileLosesTheRaceToThePayment(t *testing.T) {
	f := newFixture(t)
	alice := f.user("alice", domain.LevelMember)
	up := f.start(alice, alice, domain.UpgradeGold)
	f.clock.Advance(f.cfg.CheckoutTTL + time.Minute)
	f.gw.beforeExpire = func(id string) { f.gw.Complete(id, memory.PaymentPaid) }
	r, err := f.app.Reconcile.Handle(f.ctx, application.Reconcile{})
	if err != nil || r != (application.ReconcileReport{Checked: 1, Changed: 1}) {
		t.Fatalf("report %+v, %v", r, err)
	}
	if f.gw.CallCount("expire") != 1 || f.upgrade(up.ID()).Status() != domain.StatusComplete || f.level(alice) != domain.LevelGold {
		t.Fatalf("status %s, alice %s", f.upgrade(up.ID()).Status(), f.level(alice))
	}
}

func TestReconcileCountsFailures(t *testing.T) {
	f := newFixture(t)
	alice := f.user("alice", domain.LevelMember)
	up := f.start(alice, alice, domain.UpgradeGold)
	f.clock.Advance(f.cfg.ReconcileAfter + time.Second)
	f.gw.FailWith(errors.New("timeout"))
	r, err := f.app.Reconcile.Handle(f.ctx, application.Reconcile{})
	if err != nil || r != (application.ReconcileReport{Checked: 1, Failed: 1}) {
		t.Fatalf("report %+v, %v", r, err)
	}
	if f.upgrade(up.ID()).Status() != domain.StatusPending {
		t.Fatal("a failed check changed the upgrade")
	}
}

func TestReconcileRespectsTheLimit(t *testing.T) {
	f := newFixture(t)
	for i := range 5 {
		u := f.user("user"+string(rune('a'+i)), domain.LevelMember)
		f.start(u, u, domain.UpgradeGold)
	}
	f.clock.Advance(f.cfg.ReconcileAfter + time.Second)
	r, err := f.app.Reconcile.Handle(f.ctx, application.Reconcile{Limit: 2})
	if err != nil || r.Checked != 2 {
		t.Fatalf("report %+v, %v", r, err)
	}
	r, err = f.app.Reconcile.Handle(f.ctx, application.Reconcile{Limit: 10})
	if err != nil || r.Checked != 3 {
		t.Fatalf("the rest: %+v, %v", r, err)
	}
}

// Two replicas reconciling at once split the work: each upgrade is
// checked by one of them.
func TestReconcileRunsAtOnceCheckEachUpgradeOnce(t *testing.T) {
	f := newFixture(t)
	const n = 20
	for i := range n {
		u := f.user("user"+string(rune('a'+i)), domain.LevelMember)
		up := f.start(u, u, domain.UpgradeGold)
		if i%2 == 0 {
			f.gw.Complete(up.SessionID(), memory.PaymentPaid)
		}
	}
	f.clock.Advance(f.cfg.ReconcileAfter + time.Second)

	const runs = 2
	reports := make([]application.ReconcileReport, runs)
	errs := make([]error, runs)
	ready := make(chan struct{})
	var wg sync.WaitGroup
	for i := range runs {
		wg.Go(func() {
			<-ready
			reports[i], errs[i] = f.app.Reconcile.Handle(f.ctx, application.Reconcile{})
		})
	}
	close(ready)
	wg.Wait()

	checked, changed := 0, 0
	for i := range runs {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		checked += reports[i].Checked
		changed += reports[i].Changed
	}
	if checked != n || changed != n/2 {
		t.Fatalf("runs checked %d and changed %d (%+v), want %d and %d", checked, changed, reports, n, n/2)
	}
	if got := f.gw.CallCount("retrieve"); got != n {
		t.Fatalf("%d retrieve calls for %d upgrades", got, n)
	}
}

func TestReconcileFailsUpgradeWhoseCheckoutWasNeverStored(t *testing.T) {
	f := newFixture(t)
	buyer := f.user("buyer", domain.LevelMember)
	var id domain.UpgradeID
	err := f.db.Do(f.ctx, func(ctx context.Context, s application.Store) error {
		up, err := domain.NewUpgrade(buyer, buyer, domain.UpgradeGold, f.cfg.Prices, f.clock.Now())
		if err != nil {
			return err
		}
		if err := s.Upgrades.Create(ctx, up); err != nil {
			return err
		}
		id = up.ID()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Still being created: left alone.
	if a, err := f.app.SyncUpgrade.Handle(f.ctx, application.SyncUpgrade{UpgradeID: id, Source: "reconciler"}); err != nil || a.Outcome.String() != "ignored" {
		t.Fatalf("fresh unattached upgrade: %+v, %v", a, err)
	}
	f.clock.Advance(f.cfg.ReconcileAfter + time.Minute)
	r, err := f.app.Reconcile.Handle(f.ctx, application.Reconcile{})
	if err != nil || r.Checked != 1 || r.Changed != 1 {
		t.Fatalf("reconcile: %+v, %v", r, err)
	}
	var up *domain.Upgrade
	_ = f.db.Do(f.ctx, func(ctx context.Context, s application.Store) (err error) {
		up, err = s.Upgrades.ByID(ctx, id, true)
		return err
	})
	if up.Status() != domain.StatusFailed {
		t.Fatalf("status %s, want failed", up.Status())
	}
	if f.gw.CallCount("") != 0 {
		t.Fatalf("the provider was asked about an upgrade without a checkout")
	}
}
