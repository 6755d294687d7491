package domain_test

import (
	"strings"
	"testing"

	"upgrades/domain"
)

func TestValidateUserName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"ab", true},
		{"alice", true},
		{"Alice_99", true},
		{"dash-ed", true},
		{"__", true},
		{"0123456789", true},
		{strings.Repeat("a", 32), true},
		{"", false},
		{"a", false},
		{strings.Repeat("a", 33), false},
		{"with space", false},
		{" ab", false},
		{"ab ", false},
		{"dot.ted", false},
		{"at@sign", false},
		{"slash/ed", false},
		{"josé", false},
		{"tab\tbed", false},
		{"new\nline", false},
	}
	for _, tc := range tests {
		err := domain.ValidateUserName(tc.name)
		if tc.ok != (err == nil) {
			t.Errorf("ValidateUserName(%q) = %v, want ok=%t", tc.name, err, tc.ok)
		}
		if err != nil {
			wantKind(t, err, domain.KindInvalid)
		}
	}
}

func TestNewUser(t *testing.T) {
	long := strings.Repeat("a", 250) + "@example.com"
	tests := []struct {
		desc        string
		name, email string
		hash, key   string
		level       domain.Level
		ok          bool
		wantEmail   string
	}{
		{"no email", "alice", "", "h", "k", domain.LevelMember, true, ""},
		{"plain email", "alice", "alice@example.com", "h", "k", domain.LevelMember, true, "alice@example.com"},
		{"trimmed email", "alice", "  alice@example.com ", "h", "k", domain.LevelMember, true, "alice@example.com"},
		{"plus address", "alice", "alice+shop@example.co.uk", "h", "k", domain.LevelGold, true, "alice+shop@example.co.uk"},
		{"not an address", "alice", "not-an-email", "h", "k", domain.LevelMember, false, ""},
		{"no domain", "alice", "alice@", "h", "k", domain.LevelMember, false, ""},
		{"no local part", "alice", "@example.com", "h", "k", domain.LevelMember, false, ""},
		{"display name", "alice", "Alice <alice@example.com>", "h", "k", domain.LevelMember, false, ""},
		{"two addresses", "alice", "a@example.com, b@example.com", "h", "k", domain.LevelMember, false, ""},
		{"too long", "alice", long, "h", "k", domain.LevelMember, false, ""},
		{"bad name", "a", "", "h", "k", domain.LevelMember, false, ""},
		{"no hash", "alice", "", "", "k", domain.LevelMember, false, ""},
		{"no api key", "alice", "", "h", "", domain.LevelMember, false, ""},
		{"no level", "alice", "", "h", "k", domain.Level{}, false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			u, err := domain.NewUser(tc.name, tc.email, tc.hash, tc.key, tc.level, t0)
			checkErr(t, err, tc.ok, domain.KindInvalid)
			if !tc.ok {
				return
			}
			if u.Email() != tc.wantEmail || u.Name() != tc.name || u.Level() != tc.level || u.IsBanned() || u.ID() != 0 || !u.CreatedAt().Equal(t0) {
				t.Fatalf("NewUser = %q %q %v banned=%t id=%d", u.Name(), u.Email(), u.Level(), u.IsBanned(), u.ID())
			}
		})
	}
}

func TestUserRights(t *testing.T) {
	for _, tc := range []struct {
		level        domain.Level
		admin, owner bool
	}{
		{domain.LevelRestricted, false, false},
		{domain.LevelMember, false, false},
		{domain.LevelGold, false, false},
		{domain.LevelPlatinum, false, false},
		{domain.LevelBuilder, false, false},
		{domain.LevelModerator, false, false},
		{domain.LevelAdmin, true, false},
		{domain.LevelOwner, true, true},
	} {
		u := stored(1, "u1", tc.level)
		if u.IsAdmin() != tc.admin || u.IsOwner() != tc.owner {
			t.Errorf("%s: admin %t owner %t, want %t %t", tc.level, u.IsAdmin(), u.IsOwner(), tc.admin, tc.owner)
		}
	}
	u := stored(1, "u1", domain.LevelMember)
	if err := u.SetLevel(domain.Level{}); err == nil || u.Level() != domain.LevelMember {
		t.Fatal("SetLevel must refuse the zero level and keep the old one")
	}
	if err := u.SetLevel(domain.LevelAdmin); err != nil || u.Level() != domain.LevelAdmin {
		t.Fatalf("SetLevel(admin) = %v, level %s", err, u.Level())
	}
}

// TestEligibilityByLevel is the table of SPEC section 2: which type a
// recipient at each level may receive, for a self upgrade and a gift.
func TestEligibilityByLevel(t *testing.T) {
	gold, plat, g2p := domain.UpgradeGold, domain.UpgradePlatinum, domain.UpgradeGoldToPlatinum
	tests := []struct {
		level   domain.Level
		typ     domain.UpgradeType
		allowed bool
	}{
		{domain.LevelRestricted, gold, true},
		{domain.LevelRestricted, plat, true},
		{domain.LevelRestricted, g2p, false},
		{domain.LevelMember, gold, true},
		{domain.LevelMember, plat, true},
		{domain.LevelMember, g2p, false},
		{domain.LevelGold, gold, false},
		{domain.LevelGold, plat, false},
		{domain.LevelGold, g2p, true},
		{domain.LevelPlatinum, gold, false},
		{domain.LevelPlatinum, plat, false},
		{domain.LevelPlatinum, g2p, false},
		{domain.LevelBuilder, gold, false},
		{domain.LevelBuilder, plat, false},
		{domain.LevelBuilder, g2p, false},
		{domain.LevelModerator, gold, false},
		{domain.LevelModerator, plat, false},
		{domain.LevelModerator, g2p, false},
		{domain.LevelAdmin, gold, false},
		{domain.LevelAdmin, plat, false},
		{domain.LevelAdmin, g2p, false},
		{domain.LevelOwner, gold, false},
		{domain.LevelOwner, plat, false},
		{domain.LevelOwner, g2p, false},
	}
	covered := map[[2]string]bool{}
	for _, tc := range tests {
		covered[[2]string{tc.level.String(), tc.typ.String()}] = true
		t.Run(tc.level.String()+"/"+tc.typ.String(), func(t *testing.T) {
			if got := tc.typ.AllowedFor(tc.level); got != tc.allowed {
				t.Fatalf("AllowedFor = %t, want %t", got, tc.allowed)
			}
			if (tc.typ.Refusal(tc.level) == "") != tc.allowed {
				t.Fatalf("Refusal = %q, want empty only when allowed", tc.typ.Refusal(tc.level))
			}
			self := stored(1, "alice", tc.level)
			checkErr(t, refusal(self, self, tc.typ), tc.allowed, domain.KindInvalid)

			// A gift depends on the recipient's level, never the purchaser's.
			for _, purchaserLevel := range []domain.Level{domain.LevelRestricted, domain.LevelMember, domain.LevelOwner} {
				purchaser := stored(2, "bob", purchaserLevel)
				recipient := stored(1, "alice", tc.level)
				checkErr(t, refusal(purchaser, recipient, tc.typ), tc.allowed, domain.KindInvalid)
			}
		})
	}
	for _, l := range domain.Levels {
		for _, typ := range domain.UpgradeTypes {
			if !covered[[2]string{l.String(), typ.String()}] {
				t.Errorf("no row for %s/%s", l, typ)
			}
		}
	}
}

func TestEligibilityRefusals(t *testing.T) {
	member := stored(1, "alice", domain.LevelMember)
	other := stored(2, "bob", domain.LevelMember)
	owner := stored(3, "olivia", domain.LevelOwner)
	tests := []struct {
		desc                 string
		purchaser, recipient *domain.User
		typ                  domain.UpgradeType
		ok                   bool
		kind                 domain.Kind
	}{
		{"self", member, member, domain.UpgradeGold, true, 0},
		{"gift", member, other, domain.UpgradeGold, true, 0},
		{"not logged in", nil, other, domain.UpgradeGold, false, domain.KindUnauthenticated},
		{"not logged in, no recipient", nil, nil, domain.UpgradeGold, false, domain.KindUnauthenticated},
		{"banned purchaser, self", bannedUser(1, "alice", domain.LevelMember), bannedUser(1, "alice", domain.LevelMember), domain.UpgradeGold, false, domain.KindForbidden},
		{"banned purchaser, gift", bannedUser(1, "alice", domain.LevelMember), other, domain.UpgradeGold, false, domain.KindForbidden},
		{"banned owner buys", bannedUser(3, "olivia", domain.LevelOwner), other, domain.UpgradeGold, false, domain.KindForbidden},
		{"banned recipient", member, bannedUser(2, "bob", domain.LevelMember), domain.UpgradeGold, false, domain.KindInvalid},
		{"banned recipient by an owner", owner, bannedUser(2, "bob", domain.LevelMember), domain.UpgradePlatinum, false, domain.KindInvalid},
		{"no recipient", member, nil, domain.UpgradeGold, false, domain.KindNotFound},
		{"zero type", member, other, domain.UpgradeType{}, false, domain.KindInvalid},
		{"zero type, self", member, member, domain.UpgradeType{}, false, domain.KindInvalid},
		{"type not allowed", member, other, domain.UpgradeGoldToPlatinum, false, domain.KindInvalid},
		{"recipient already platinum", member, stored(2, "bob", domain.LevelPlatinum), domain.UpgradeGoldToPlatinum, false, domain.KindInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			err := refusal(tc.purchaser, tc.recipient, tc.typ)
			checkErr(t, err, tc.ok, tc.kind)
			if err != nil && domain.MessageOf(err) == "" {
				t.Fatal("a refusal must say why")
			}
		})
	}
}

// refusal returns UpgradeRefusal as an error interface, nil when eligible
// (a nil *domain.Error must not become a non-nil error).
func refusal(purchaser, recipient *domain.User, t domain.UpgradeType) error {
	if r := domain.UpgradeRefusal(purchaser, recipient, t); r != nil {
		return r
	}
	return nil
}

func TestNewUpgradeChecksEligibility(t *testing.T) {
	alice := stored(1, "alice", domain.LevelMember)
	bob := stored(2, "bob", domain.LevelGold)
	if _, err := domain.NewUpgrade(alice, bob, domain.UpgradeGold, domain.DefaultPrices(), t0); err == nil {
		t.Fatal("a Gold upgrade for a Gold user must be refused")
	}
	if _, err := domain.NewUpgrade(alice, alice, domain.UpgradeGold, domain.Prices{}, t0); err == nil {
		t.Fatal("an upgrade without a price must be refused")
	}
	u, err := domain.NewUpgrade(alice, bob, domain.UpgradeGoldToPlatinum, domain.DefaultPrices(), t0)
	if err != nil {
		t.Fatal(err)
	}
	if u.Status() != domain.StatusPending || !u.IsGifted() || u.Price().Amount() != 2000 || u.PurchaserID() != 1 || u.RecipientID() != 2 {
		t.Fatalf("new upgrade: %+v", u.Snapshot())
	}
	h := u.UnsavedHistory()
	if len(h) != 1 || h[0].To != domain.StatusPending || !strings.Contains(h[0].Cause, "alice") {
		t.Fatalf("history of a new upgrade: %+v", h)
	}
	u.HistorySaved()
	if len(u.UnsavedHistory()) != 0 || len(u.History()) != 1 {
		t.Fatal("HistorySaved must clear the unsaved entries and keep the history")
	}
	self, err := domain.NewUpgrade(alice, alice, domain.UpgradeGold, domain.DefaultPrices(), t0)
	if err != nil || self.IsGifted() {
		t.Fatalf("self upgrade: %v gifted=%t", err, self.IsGifted())
	}
}
