package domain_test

import (
	"strings"
	"testing"

	"upgrades/domain"
)

func TestParseGiftNote(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		ok             bool
	}{
		{"none", "", "", true},
		{"trimmed", "  Happy birthday!  ", "Happy birthday!", true},
		{"markup is text", `<script>alert("x")</script>`, `<script>alert("x")</script>`, true},
		{"280 characters, more bytes", strings.Repeat("ü", 280), strings.Repeat("ü", 280), true},
		{"281 characters", strings.Repeat("a", 281), "", false},
		{"a line break", "Happy\nbirthday", "", false},
		{"a tab", "Happy\tbirthday", "", false},
		{"an escape", "Happy \x1b[31mbirthday", "", false},
		{"a C1 control", "Happy \u0085birthday", "", false},
	} {
		got, err := domain.ParseGiftNote(tc.in)
		if tc.ok && (err != nil || got != tc.want) {
			t.Errorf("%s: %q, %v; want %q", tc.name, got, err, tc.want)
		}
		if !tc.ok {
			wantKind(t, err, domain.KindInvalid)
		}
	}
}

func TestGiftNoteGoesOnlyWithAGift(t *testing.T) {
	alice, bob := stored(1, "alice", domain.LevelMember), stored(2, "bob", domain.LevelMember)
	own, err := domain.NewUpgrade(alice, alice, domain.UpgradeGold, domain.DefaultPrices(), t0)
	if err != nil {
		t.Fatal(err)
	}
	wantKind(t, own.AttachGiftNote("for me"), domain.KindInvalid)
	if err := own.AttachGiftNote("  "); err != nil || own.GiftNote() != "" {
		t.Errorf("an empty note on an own upgrade: %v, %q", err, own.GiftNote())
	}
	gift, err := domain.NewUpgrade(alice, bob, domain.UpgradeGold, domain.DefaultPrices(), t0)
	if err != nil {
		t.Fatal(err)
	}
	wantKind(t, gift.AttachGiftNote(strings.Repeat("x", 281)), domain.KindInvalid)
	if err := gift.AttachGiftNote("Enjoy!"); err != nil || gift.GiftNote() != "Enjoy!" {
		t.Fatalf("AttachGiftNote: %v, %q", err, gift.GiftNote())
	}
	if gift.Snapshot().GiftNote != "Enjoy!" {
		t.Error("the snapshot has no note")
	}
	stored := domain.UnmarshalUpgradeFromDatabase(gift.Snapshot(), nil)
	stored.AssignID(7)
	wantKind(t, stored.AttachGiftNote("changed my mind"), domain.KindConflict)
}

// The recipient reads the note only once the gift was paid, so that
// nobody can message anyone with a checkout they never pay.
func TestGiftNoteIsShownToTheRecipientOnlyOncePaid(t *testing.T) {
	alice, bob := stored(1, "alice", domain.LevelMember), stored(2, "bob", domain.LevelMember)
	carol, admin := stored(3, "carol", domain.LevelMember), stored(4, "root", domain.LevelAdmin)
	s := storedUpgrade(domain.UpgradeGold, 1, 2).Snapshot()
	s.GiftNote = "Enjoy!"
	up := domain.UnmarshalUpgradeFromDatabase(s, nil)
	see := func(who *domain.User) bool { return up.GiftNoteFor(who) == "Enjoy!" }
	if !see(alice) || !see(admin) || see(bob) || see(carol) || see(nil) {
		t.Errorf("pending: alice %t admin %t bob %t carol %t nobody %t", see(alice), see(admin), see(bob), see(carol), see(nil))
	}
	apply(t, up, domain.EventCheckoutUnpaid, "stripe evt_1", bob)
	if see(bob) {
		t.Error("bob reads the note while the payment settles")
	}
	apply(t, up, domain.EventAsyncSucceeded, "stripe evt_2", bob)
	if !see(bob) || see(carol) {
		t.Errorf("paid: bob %t carol %t", see(bob), see(carol))
	}
	apply(t, up, domain.EventRefunded, "stripe evt_3", bob)
	if !see(bob) {
		t.Error("bob no longer reads the note of a gift that was delivered, then refunded")
	}

	unpaid := domain.UnmarshalUpgradeFromDatabase(s, nil)
	apply(t, unpaid, domain.EventSessionExpired, "stripe evt_4", bob)
	if unpaid.GiftNoteFor(bob) != "" {
		t.Error("bob reads the note of a gift that expired unpaid")
	}
}
