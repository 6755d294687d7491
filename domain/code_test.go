package domain_test

import (
	"strings"
	"testing"
	"time"

	"upgrades/domain"
)

func TestParseCode(t *testing.T) {
	const want = "ABCD2345WXYZ"
	for _, in := range []string{"ABCD2345WXYZ", "abcd2345wxyz", "ABCD-2345-WXYZ", "abcd-2345-WxYz", "  ABCD-2345-WXYZ\t", "\nabcd2345wxyz "} {
		got, err := domain.ParseCode(in)
		if err != nil || got.String() != want || got.Display() != "ABCD-2345-WXYZ" {
			t.Errorf("ParseCode(%q) = %q, %v; want %s", in, got.String(), err, want)
		}
	}
	for _, in := range []string{
		"", "ABCD", "ABCD2345WXYZA", "ABCD-2345-WXY", "ABCD--2345WXYZ", "AB-CD2345WXYZ-",
		"ABCD 2345 WXYZ", "ABCD0345WXYZ", "ABCD1345WXYZ", "ABCDI345WXYZ", "ABCDL345WXYZ",
		"ABCDO345WXYZ", "ABCDU345WXYZ", "ÄBCD2345WXYZ", "ABCD\x002345WXYZ", "ABCD\xff2345WXY",
		strings.Repeat("A", 10000),
	} {
		if _, err := domain.ParseCode(in); domain.KindOf(err) != domain.KindInvalid {
			t.Errorf("ParseCode(%q) = %v; want an invalid error", in, err)
		}
	}
}

func FuzzParseCode(f *testing.F) {
	for _, s := range []string{"ABCD-2345-WXYZ", "abcd2345wxyz", " ABCD-2345-WXYZ ", "ABCD-2345-WXY", "\xff", "ABCD0345WXYZ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := domain.ParseCode(s)
		if err != nil {
			if domain.KindOf(err) != domain.KindInvalid {
				t.Fatalf("ParseCode(%q): %v is not an invalid error", s, err)
			}
			return
		}
		if len(c.String()) != domain.CodeLength || strings.Trim(c.String(), domain.CodeAlphabet) != "" {
			t.Fatalf("ParseCode(%q) = %q: not %d characters of the alphabet", s, c.String(), domain.CodeLength)
		}
		again, err := domain.ParseCode(c.Display())
		if err != nil || again != c {
			t.Fatalf("the display %q of %q does not read back: %v", c.Display(), s, err)
		}
	})
}

func TestNewCodeValueUsesTheAlphabet(t *testing.T) {
	random := []byte{0, 1, 2, 29, 30, 59, 60, 255, 128, 100, 200, 7}
	v, err := domain.NewCodeValue(random)
	if err != nil || v.String() != "234Z2Z2HACP9" {
		t.Fatalf("NewCodeValue = %q, %v", v.String(), err)
	}
	if _, err := domain.NewCodeValue(random[:5]); err == nil {
		t.Fatal("a short random source made a code")
	}
}

func newCode(t *testing.T, ty domain.UpgradeType) *domain.Code {
	t.Helper()
	v, err := domain.ParseCode("ABCD-2345-WXYZ")
	if err != nil {
		t.Fatal(err)
	}
	c, err := domain.NewCode(v, ty, 1, 7, "", t0)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRedeemRaisesTheRedeemerOnce(t *testing.T) {
	c := newCode(t, domain.UpgradeGold)
	carol := stored(3, "carol", domain.LevelMember)
	if err := c.Redeem(carol, t0); err != nil {
		t.Fatal(err)
	}
	if carol.Level() != domain.LevelGold || c.Status() != domain.CodeRedeemed || c.RedeemerID() != 3 || c.LevelBefore() != domain.LevelMember {
		t.Fatalf("after redeeming: carol %s, code %s by %d, before %s", carol.Level(), c.Status(), c.RedeemerID(), c.LevelBefore())
	}
	dave := stored(4, "dave", domain.LevelMember)
	err := c.Redeem(dave, t0)
	wantKind(t, err, domain.KindInvalid)
	if dave.Level() != domain.LevelMember || c.RedeemerID() != 3 {
		t.Fatal("a used code raised a second redeemer")
	}
}

func TestRedeemRefusals(t *testing.T) {
	for _, tc := range []struct {
		name     string
		user     *domain.User
		void     bool
		kind     domain.Kind
		contains string
	}{
		{"already gold", stored(3, "carol", domain.LevelGold), false, domain.KindInvalid, "already have Gold"},
		{"an admin", stored(3, "carol", domain.LevelAdmin), false, domain.KindInvalid, "already have Gold"},
		{"banned", bannedUser(3, "carol", domain.LevelMember), false, domain.KindForbidden, "banned"},
		{"void", stored(3, "carol", domain.LevelMember), true, domain.KindInvalid, "this code is not valid"},
	} {
		c := newCode(t, domain.UpgradeGold)
		if tc.void && c.Void() != domain.CodeUnused {
			t.Fatal("an unused code was not unused")
		}
		before := tc.user.Level()
		err := c.Redeem(tc.user, t0)
		if domain.KindOf(err) != tc.kind || !strings.Contains(err.Error(), tc.contains) {
			t.Errorf("%s: %v; want %s containing %q", tc.name, err, tc.kind, tc.contains)
		}
		if tc.user.Level() != before || (!tc.void && c.Status() != domain.CodeUnused) {
			t.Errorf("%s: a refused code changed something", tc.name)
		}
	}
}

func TestCodesAreGoldOrPlatinum(t *testing.T) {
	v, _ := domain.ParseCode("ABCD2345WXYZ")
	if _, err := domain.NewCode(v, domain.UpgradeGoldToPlatinum, 1, 0, "", t0); domain.KindOf(err) != domain.KindInvalid {
		t.Fatalf("a gold to platinum code: %v", err)
	}
}

func TestRevertPutsTheRedeemerBack(t *testing.T) {
	for _, tc := range []struct {
		name string
		now  domain.Level // the redeemer's level when the refund arrives
		keep []*domain.Code
		want domain.Level
	}{
		{"back to member", domain.LevelGold, nil, domain.LevelMember},
		{"promoted since: left alone", domain.LevelModerator, nil, domain.LevelModerator},
		{"another gold code still counts", domain.LevelGold, []*domain.Code{redeemedCode(t, 9, domain.UpgradeGold)}, domain.LevelGold},
	} {
		carol := stored(3, "carol", domain.LevelMember)
		c := newCode(t, domain.UpgradeGold)
		if err := c.Redeem(carol, t0); err != nil {
			t.Fatal(err)
		}
		if err := carol.SetLevel(tc.now); err != nil {
			t.Fatal(err)
		}
		c.Void()
		c.Revert(carol, nil, append([]*domain.Code{c}, tc.keep...))
		if carol.Level() != tc.want {
			t.Errorf("%s: carol is %s, want %s", tc.name, carol.Level(), tc.want)
		}
	}
}

func redeemedCode(t *testing.T, id domain.CodeID, ty domain.UpgradeType) *domain.Code {
	t.Helper()
	return domain.UnmarshalCodeFromDatabase(domain.CodeSnapshot{ID: id, Value: "ZZZZ2345WXYZ", Type: ty, Status: domain.CodeRedeemed,
		BuyerID: 1, RedeemerID: 3, RedeemedAt: t0.Add(time.Hour), LevelBefore: domain.LevelGold, CreatedAt: t0})
}
