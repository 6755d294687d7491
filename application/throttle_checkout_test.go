package application_test

import (
	"testing"
	"time"

	"upgrades/application"
	"upgrades/domain"
)

// Issue 11 item 21: a purchaser has at most MaxOpenCheckouts open at once;
// the next one is 429 until the first of them closes, while a double
// click of an open one still gets it back.
func TestCheckoutsAreThrottledPerPurchaser(t *testing.T) {
	f := newFixture(t)
	alice := f.user("alice", domain.LevelMember)
	var firstStarted time.Time
	var ups []*domain.Upgrade
	for i := range 5 {
		r := f.user([]string{"r0", "r1", "r2", "r3", "r4"}[i], domain.LevelMember)
		if i == 0 {
			firstStarted = f.clock.Now()
		}
		ups = append(ups, f.start(alice, r, domain.UpgradeGold))
		f.clock.Advance(time.Minute)
	}
	sixth := f.user("r5", domain.LevelMember)
	_, err := f.app.StartUpgrade.Handle(f.ctx, application.StartUpgrade{PurchaserID: alice.ID(), RecipientID: sixth.ID(), Type: "gold"})
	wantKind(t, err, domain.KindTooManyRequests)
	wantWait := firstStarted.Add(f.cfg.CheckoutTTL).Sub(f.clock.Now())
	if got := domain.RetryAfterOf(err); got != wantWait {
		t.Fatalf("retry after %s, want %s (until the first checkout expires)", got, wantWait)
	}
	if n := f.gw.CallCount("create"); n != 5 {
		t.Fatalf("%d checkouts created", n)
	}
	// A double click of an open checkout is no new checkout.
	again, err := f.app.StartUpgrade.Handle(f.ctx, application.StartUpgrade{PurchaserID: alice.ID(), RecipientID: ups[4].RecipientID(), Type: "gold"})
	if err != nil || !again.Reused || again.Upgrade.ID() != ups[4].ID() {
		t.Fatalf("double click: %+v, %v", again, err)
	}
	// Someone else is not limited by alice's checkouts.
	bob := f.user("bob", domain.LevelMember)
	f.start(bob, sixth, domain.UpgradeGold)
	// Once the first checkout has expired, alice may start another.
	f.clock.Advance(wantWait)
	f.start(alice, sixth, domain.UpgradeGold)
}

// The success page asks the provider only about the upgrade's own
// session, and at most once every 5 seconds per upgrade.
func TestTheSuccessPageAsksTheProviderSparingly(t *testing.T) {
	f := newFixture(t)
	alice := f.user("alice", domain.LevelMember)
	up := f.start(alice, alice, domain.UpgradeGold)
	show := func(session string) {
		t.Helper()
		if _, err := f.app.ShowUpgrade.Handle(f.ctx, application.ShowUpgrade{ViewerID: alice.ID(), UpgradeID: up.ID(), Refresh: true, SessionID: session}); err != nil {
			t.Fatal(err)
		}
	}
	for _, other := range []string{"cs_test_someone_else", "{CHECKOUT_SESSION_ID}", "x"} {
		show(other)
	}
	if n := f.gw.CallCount("retrieve"); n != 0 {
		t.Fatalf("%d provider reads for sessions not the upgrade's", n)
	}
	for range 10 {
		show(up.SessionID())
		f.clock.Advance(400 * time.Millisecond)
	}
	if n := f.gw.CallCount("retrieve"); n != 1 {
		t.Fatalf("%d provider reads in 4 seconds, want 1", n)
	}
	f.clock.Advance(time.Second)
	show(up.SessionID())
	if n := f.gw.CallCount("retrieve"); n != 2 {
		t.Fatalf("%d provider reads after 5 seconds, want 2", n)
	}
}
