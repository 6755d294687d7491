package application_test

import (
	"strings"
	"testing"
	"time"

	"upgrades/application"
	"upgrades/domain"
)

func TestStartUpgradeGiftNote(t *testing.T) {
	f := newFixture(t)
	alice, bob := f.user("alice", domain.LevelMember), f.user("bob", domain.LevelMember)
	start := func(to *domain.User, note string) (application.StartedUpgrade, error) {
		return f.app.StartUpgrade.Handle(f.ctx, application.StartUpgrade{PurchaserID: alice.ID(), RecipientID: to.ID(), Type: "gold", GiftNote: note})
	}
	for name, tc := range map[string]struct {
		to   *domain.User
		note string
	}{
		"too long":       {bob, strings.Repeat("a", domain.GiftNoteMax+1)},
		"a line break":   {bob, "two\nlines"},
		"for themselves": {alice, "a note to self"},
	} {
		_, err := start(tc.to, tc.note)
		if !domain.IsKind(err, domain.KindInvalid) {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
	if n := f.upgradeCount(); n != 0 || f.gw.CallCount("create") != 0 {
		t.Fatalf("refused notes left %d upgrades, %d checkouts", n, f.gw.CallCount("create"))
	}

	first, err := start(bob, " Enjoy! ")
	if err != nil || first.Upgrade.GiftNote() != "Enjoy!" || f.upgrade(first.Upgrade.ID()).GiftNote() != "Enjoy!" {
		t.Fatalf("a gift with a note: %v, %q", err, first.Upgrade.GiftNote())
	}
	// A second click gets the first checkout back, with its first note.
	f.clock.Advance(10 * time.Second)
	second, err := start(bob, "Changed my mind")
	if err != nil || !second.Reused || second.Upgrade.ID() != first.Upgrade.ID() || second.Upgrade.GiftNote() != "Enjoy!" {
		t.Fatalf("second click: %v, reused %t, note %q", err, second.Reused, second.Upgrade.GiftNote())
	}

	// The recipient's message carries it once paid; the buyer's says it
	// was their gift.
	f.pay(first.Upgrade)
	if got := f.messages(bob); len(got) != 1 || got[0] != "You have been upgraded to Gold! It is a gift from alice, who wrote: “Enjoy!”" {
		t.Errorf("bob's messages %q", got)
	}
	if got := f.messages(alice); len(got) != 1 || got[0] != "bob has been upgraded to Gold! It was your gift: thank you." {
		t.Errorf("alice's messages %q", got)
	}
}

func TestShowUpgradeGiftNoteOnlyOncePaid(t *testing.T) {
	f := newFixture(t)
	alice, bob := f.user("alice", domain.LevelMember), f.user("bob", domain.LevelMember)
	s, err := f.app.StartUpgrade.Handle(f.ctx, application.StartUpgrade{PurchaserID: alice.ID(), RecipientID: bob.ID(), Type: "gold", GiftNote: "Enjoy!"})
	if err != nil {
		t.Fatal(err)
	}
	note := func(viewer *domain.User) string {
		t.Helper()
		v, err := f.app.ShowUpgrade.Handle(f.ctx, application.ShowUpgrade{ViewerID: viewer.ID(), UpgradeID: s.Upgrade.ID()})
		if err != nil {
			t.Fatal(err)
		}
		return v.GiftNote
	}
	listed := func(viewer *domain.User) string {
		t.Helper()
		l, err := f.app.ListUpgrades.Handle(f.ctx, application.ListUpgrades{ViewerID: viewer.ID()})
		if err != nil || len(l.Items) != 1 {
			t.Fatalf("list: %v, %d items", err, len(l.Items))
		}
		return l.Items[0].GiftNote
	}
	if note(alice) != "Enjoy!" || note(f.owner) != "Enjoy!" || note(bob) != "" || listed(bob) != "" || listed(alice) != "Enjoy!" {
		t.Fatalf("pending: alice %q owner %q bob %q, listed to bob %q", note(alice), note(f.owner), note(bob), listed(bob))
	}
	f.pay(s.Upgrade)
	if note(bob) != "Enjoy!" || listed(bob) != "Enjoy!" {
		t.Fatalf("paid: bob reads %q, listed %q", note(bob), listed(bob))
	}
}

// Reading the messages marks them read; the session's user comes with
// the count of the unread ones.
func TestMessagesUnreadUntilRead(t *testing.T) {
	f := newFixture(t)
	alice, bob := f.user("alice", domain.LevelMember), f.user("bob", domain.LevelMember)
	unread := func(u *domain.User) int {
		t.Helper()
		su, err := f.app.CurrentUser.Handle(f.ctx, f.session(u))
		if err != nil {
			t.Fatal(err)
		}
		return su.Unread
	}
	gift := f.start(alice, bob, domain.UpgradeGold)
	f.pay(gift)
	if unread(bob) != 1 || unread(alice) != 1 {
		t.Fatalf("unread: bob %d alice %d, want 1 each", unread(bob), unread(alice))
	}
	msgs, err := f.app.ReadMessages.Handle(f.ctx, application.ReadMessages{UserID: bob.ID()})
	if err != nil || len(msgs) != 1 || !msgs[0].Unread() || msgs[0].UpgradeID != gift.ID() {
		t.Fatalf("bob's first reading: %v %+v", err, msgs)
	}
	if unread(bob) != 0 || unread(alice) != 1 {
		t.Fatalf("after bob read: bob %d alice %d", unread(bob), unread(alice))
	}
	msgs, _ = f.app.ReadMessages.Handle(f.ctx, application.ReadMessages{UserID: bob.ID()})
	if len(msgs) != 1 || msgs[0].Unread() || !msgs[0].ReadAt.Equal(start) {
		t.Fatalf("bob's second reading: %+v", msgs)
	}
}
