package domain_test

import (
	"testing"

	"upgrades/domain"
)

func TestParseLevel(t *testing.T) {
	tests := []struct {
		in   string
		want domain.Level
		rank int
		ok   bool
	}{
		{"restricted", domain.LevelRestricted, 10, true},
		{"member", domain.LevelMember, 20, true},
		{"gold", domain.LevelGold, 30, true},
		{"platinum", domain.LevelPlatinum, 31, true},
		{"builder", domain.LevelBuilder, 32, true},
		{"moderator", domain.LevelModerator, 40, true},
		{"admin", domain.LevelAdmin, 50, true},
		{"owner", domain.LevelOwner, 60, true},
		{"Gold", domain.LevelGold, 30, true},
		{" ADMIN ", domain.LevelAdmin, 50, true},
		{"", domain.Level{}, 0, false},
		{"superuser", domain.Level{}, 0, false},
		{"30", domain.Level{}, 0, false},
		{"gold_to_platinum", domain.Level{}, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := domain.ParseLevel(tc.in)
			checkErr(t, err, tc.ok, domain.KindInvalid)
			if got != tc.want || got.Rank() != tc.rank {
				t.Fatalf("ParseLevel(%q) = %v (rank %d), want %v (rank %d)", tc.in, got, got.Rank(), tc.want, tc.rank)
			}
			if tc.ok {
				back, err := domain.LevelFromRank(tc.rank)
				if err != nil || back != tc.want {
					t.Fatalf("LevelFromRank(%d) = %v, %v", tc.rank, back, err)
				}
			}
		})
	}
	for _, rank := range []int{0, 11, 61, -1} {
		_, err := domain.LevelFromRank(rank)
		wantKind(t, err, domain.KindInvalid)
	}
}

func TestLevelsAreOrdered(t *testing.T) {
	if len(domain.Levels) != 8 {
		t.Fatalf("%d levels, SPEC has 8", len(domain.Levels))
	}
	for i := 1; i < len(domain.Levels); i++ {
		lo, hi := domain.Levels[i-1], domain.Levels[i]
		if !hi.AtLeast(lo) || lo.AtLeast(hi) || lo.Max(hi) != hi || hi.Max(lo) != hi {
			t.Errorf("%s should rank below %s", lo, hi)
		}
	}
	if domain.LevelPlatinum.Title() != "Platinum" || (domain.Level{}).Title() != "" {
		t.Errorf("Title: %q %q", domain.LevelPlatinum.Title(), domain.Level{}.Title())
	}
}

func TestParseUpgradeType(t *testing.T) {
	tests := []struct {
		in     string
		want   domain.UpgradeType
		grants domain.Level
		title  string
		ok     bool
	}{
		{"gold", domain.UpgradeGold, domain.LevelGold, "Gold", true},
		{"platinum", domain.UpgradePlatinum, domain.LevelPlatinum, "Platinum", true},
		{"gold_to_platinum", domain.UpgradeGoldToPlatinum, domain.LevelPlatinum, "Gold to Platinum", true},
		{" Platinum ", domain.UpgradePlatinum, domain.LevelPlatinum, "Platinum", true},
		{"", domain.UpgradeType{}, domain.Level{}, "", false},
		{"diamond", domain.UpgradeType{}, domain.Level{}, "", false},
		{"member", domain.UpgradeType{}, domain.Level{}, "", false},
		{"gold-to-platinum", domain.UpgradeType{}, domain.Level{}, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := domain.ParseUpgradeType(tc.in)
			checkErr(t, err, tc.ok, domain.KindInvalid)
			if got != tc.want || got.Grants() != tc.grants || got.Title() != tc.title || got.IsZero() == tc.ok {
				t.Fatalf("ParseUpgradeType(%q) = %v (grants %v, %q)", tc.in, got, got.Grants(), got.Title())
			}
		})
	}
}

func TestParseStatus(t *testing.T) {
	tests := []struct {
		in             string
		want           domain.Status
		open, terminal bool
		ok             bool
	}{
		{"pending", domain.StatusPending, true, false, true},
		{"processing", domain.StatusProcessing, true, false, true},
		{"complete", domain.StatusComplete, false, false, true},
		{"failed", domain.StatusFailed, false, true, true},
		{"expired", domain.StatusExpired, false, true, true},
		{"refunded", domain.StatusRefunded, false, true, true},
		{"Complete", domain.StatusComplete, false, false, true},
		{"", domain.Status{}, false, false, false},
		{"completed", domain.Status{}, false, false, false},
		{"paid", domain.Status{}, false, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := domain.ParseStatus(tc.in)
			checkErr(t, err, tc.ok, domain.KindInvalid)
			if got != tc.want || got.IsOpen() != tc.open || got.IsTerminal() != tc.terminal {
				t.Fatalf("ParseStatus(%q) = %v (open %t, terminal %t)", tc.in, got, got.IsOpen(), got.IsTerminal())
			}
		})
	}
}

func TestErrorKinds(t *testing.T) {
	cause := domain.Errorf(domain.KindInternal, "disk on fire")
	err := domain.WrapError(domain.KindPaymentProvider, cause, "the payment provider failed")
	if domain.KindOf(err) != domain.KindPaymentProvider || domain.MessageOf(err) != "the payment provider failed" {
		t.Fatalf("KindOf/MessageOf = %s / %q", domain.KindOf(err), domain.MessageOf(err))
	}
	if !domain.IsKind(err, domain.KindPaymentProvider) || domain.IsKind(nil, domain.KindInternal) {
		t.Fatal("IsKind")
	}
	plain := errFake("boom")
	if domain.KindOf(plain) != domain.KindInternal || domain.MessageOf(plain) == "boom" {
		t.Fatal("a plain error must be internal and its text must not be shown")
	}
}

type errFake string

func (e errFake) Error() string { return string(e) }
