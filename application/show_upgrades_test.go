package application_test

import (
	"fmt"
	"slices"
	"strconv"
	"testing"

	"upgrades/adapters/memory"
	"upgrades/application"
	"upgrades/domain"
)

func TestShowUpgradeVisibility(t *testing.T) {
	f := newFixture(t)
	alice, bob := f.user("alice", domain.LevelMember), f.user("bob", domain.LevelMember)
	stranger := f.user("sam", domain.LevelMember)
	mod := f.user("mo", domain.LevelModerator)
	admin := f.user("adam", domain.LevelAdmin)
	up := f.start(alice, bob, domain.UpgradeGold)
	f.pay(up)

	tests := []struct {
		desc      string
		viewer    domain.UserID
		upgrade   domain.UpgradeID
		kind      domain.Kind // when refused
		ok        bool
		history   bool
		canRefund bool
	}{
		{"purchaser", alice.ID(), up.ID(), 0, true, false, false},
		{"recipient", bob.ID(), up.ID(), 0, true, false, false},
		{"admin", admin.ID(), up.ID(), 0, true, true, false},
		{"owner", f.owner.ID(), up.ID(), 0, true, true, true},
		{"stranger", stranger.ID(), up.ID(), domain.KindForbidden, false, false, false},
		{"moderator", mod.ID(), up.ID(), domain.KindForbidden, false, false, false},
		{"not logged in", 0, up.ID(), domain.KindUnauthenticated, false, false, false},
		{"unknown upgrade", admin.ID(), 9999, domain.KindNotFound, false, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			v, err := f.app.ShowUpgrade.Handle(f.ctx, application.ShowUpgrade{ViewerID: tc.viewer, UpgradeID: tc.upgrade})
			if !tc.ok {
				wantKind(t, err, tc.kind)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if v.Upgrade.ID() != up.ID() || v.PurchaserName != "alice" || v.RecipientName != "bob" {
				t.Fatalf("view %+v", v)
			}
			if v.ShowHistory != tc.history || (len(v.Upgrade.History()) > 0) != tc.history || v.CanRefund != tc.canRefund {
				t.Fatalf("history shown %t (%d entries), refundable %t; want %t, %t",
					v.ShowHistory, len(v.Upgrade.History()), v.CanRefund, tc.history, tc.canRefund)
			}
		})
	}
}

// Someone who may not see an upgrade cannot make the server ask the
// provider about it either.
func TestShowUpgradeRefreshIsForViewersOnly(t *testing.T) {
	f := newFixture(t)
	alice, sam := f.user("alice", domain.LevelMember), f.user("sam", domain.LevelMember)
	up := f.start(alice, alice, domain.UpgradeGold)
	f.gw.Complete(up.SessionID(), memory.PaymentPaid)
	_, err := f.app.ShowUpgrade.Handle(f.ctx, application.ShowUpgrade{ViewerID: sam.ID(), UpgradeID: up.ID(), Refresh: true, SessionID: up.SessionID()})
	wantKind(t, err, domain.KindForbidden)
	if n := f.gw.CallCount("retrieve"); n != 0 || f.upgrade(up.ID()).Status() != domain.StatusPending {
		t.Fatalf("%d retrieve calls for a stranger", n)
	}
}

func TestListUpgrades(t *testing.T) {
	f := newFixture(t)
	alice, bob := f.user("alice", domain.LevelMember), f.user("bob", domain.LevelMember)
	carol, gina := f.user("carol", domain.LevelMember), f.user("gina", domain.LevelGold)
	admin := f.user("adam", domain.LevelAdmin)

	aliceSelf := f.start(alice, alice, domain.UpgradeGold) // complete
	f.pay(aliceSelf)
	aliceToBob := f.start(alice, bob, domain.UpgradePlatinum) // pending
	carolSelf := f.start(carol, carol, domain.UpgradeGold)    // expired
	f.apply(f.event(carolSelf, "evt_exp", domain.EventSessionExpired))
	carolToGina := f.start(carol, gina, domain.UpgradeGoldToPlatinum) // pending

	ids := func(l application.UpgradeList) []domain.UpgradeID {
		var out []domain.UpgradeID
		for _, it := range l.Items {
			out = append(out, it.Upgrade.ID())
		}
		return out
	}
	tests := []struct {
		desc   string
		viewer domain.UserID
		filter application.UpgradeFilter
		want   []*domain.Upgrade // newest first
	}{
		{"admin sees all", admin.ID(), application.UpgradeFilter{}, []*domain.Upgrade{carolToGina, carolSelf, aliceToBob, aliceSelf}},
		{"owner sees all", f.owner.ID(), application.UpgradeFilter{}, []*domain.Upgrade{carolToGina, carolSelf, aliceToBob, aliceSelf}},
		{"alice: bought", alice.ID(), application.UpgradeFilter{}, []*domain.Upgrade{aliceToBob, aliceSelf}},
		{"bob: received", bob.ID(), application.UpgradeFilter{}, []*domain.Upgrade{aliceToBob}},
		{"gina: received", gina.ID(), application.UpgradeFilter{}, []*domain.Upgrade{carolToGina}},
		{"no upgrades", f.user("sam", domain.LevelMember).ID(), application.UpgradeFilter{}, nil},
		{"by recipient", admin.ID(), application.UpgradeFilter{RecipientName: "BOB"}, []*domain.Upgrade{aliceToBob}},
		{"by purchaser", admin.ID(), application.UpgradeFilter{PurchaserName: "carol"}, []*domain.Upgrade{carolToGina, carolSelf}},
		{"by type", admin.ID(), application.UpgradeFilter{Type: "gold"}, []*domain.Upgrade{carolSelf, aliceSelf}},
		{"by status", admin.ID(), application.UpgradeFilter{Status: "pending"}, []*domain.Upgrade{carolToGina, aliceToBob}},
		{"gifts", admin.ID(), application.UpgradeFilter{IsGifted: "true"}, []*domain.Upgrade{carolToGina, aliceToBob}},
		{"not gifts", admin.ID(), application.UpgradeFilter{IsGifted: "false"}, []*domain.Upgrade{carolSelf, aliceSelf}},
		{"filters combine", admin.ID(), application.UpgradeFilter{PurchaserName: "alice", Status: "complete", IsGifted: "false"}, []*domain.Upgrade{aliceSelf}},
		{"filters cannot widen a member's view", bob.ID(), application.UpgradeFilter{PurchaserName: "carol"}, nil},
		{"member filters own", alice.ID(), application.UpgradeFilter{IsGifted: "true"}, []*domain.Upgrade{aliceToBob}},
		{"unknown recipient name", admin.ID(), application.UpgradeFilter{RecipientName: "nobody"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			l, err := f.app.ListUpgrades.Handle(f.ctx, application.ListUpgrades{ViewerID: tc.viewer, Filter: tc.filter})
			if err != nil {
				t.Fatal(err)
			}
			var want []domain.UpgradeID
			for _, u := range tc.want {
				want = append(want, u.ID())
			}
			if got := ids(l); !slices.Equal(got, want) {
				t.Fatalf("listed %v, want %v", got, want)
			}
			if l.HasMore() || l.Page.Number != 1 || l.Limit != application.DefaultPageSize {
				t.Fatalf("page %v limit %d more %t", l.Page, l.Limit, l.HasMore())
			}
		})
	}

	t.Run("names and refund flag", func(t *testing.T) {
		l, err := f.app.ListUpgrades.Handle(f.ctx, application.ListUpgrades{ViewerID: f.owner.ID(), Filter: application.UpgradeFilter{RecipientName: "alice"}})
		if err != nil || len(l.Items) != 1 {
			t.Fatalf("%+v %v", l, err)
		}
		if it := l.Items[0]; it.PurchaserName != "alice" || it.RecipientName != "alice" || !it.CanRefund || it.ShowHistory {
			t.Fatalf("item %+v", it)
		}
	})
}

func TestListUpgradesRefusals(t *testing.T) {
	f := newFixture(t)
	alice := f.user("alice", domain.LevelMember)
	tests := []struct {
		desc string
		cmd  application.ListUpgrades
		kind domain.Kind
	}{
		{"not logged in", application.ListUpgrades{}, domain.KindUnauthenticated},
		{"limit over 100", application.ListUpgrades{ViewerID: alice.ID(), Limit: 101}, domain.KindMalformed},
		{"negative limit", application.ListUpgrades{ViewerID: alice.ID(), Limit: -1}, domain.KindMalformed},
		{"negative page", application.ListUpgrades{ViewerID: alice.ID(), Page: "-1"}, domain.KindMalformed},
		{"page zero", application.ListUpgrades{ViewerID: alice.ID(), Page: "0"}, domain.KindMalformed},
		{"page not a number", application.ListUpgrades{ViewerID: alice.ID(), Page: "x"}, domain.KindMalformed},
		{"keyset page without an id", application.ListUpgrades{ViewerID: alice.ID(), Page: "b"}, domain.KindMalformed},
		{"keyset page with id zero", application.ListUpgrades{ViewerID: alice.ID(), Page: "a0"}, domain.KindMalformed},
		{"past the numbered pages", application.ListUpgrades{ViewerID: alice.ID(), Page: "1001"}, domain.KindInvalid},
		{"far past the numbered pages", application.ListUpgrades{ViewerID: alice.ID(), Page: "1000000"}, domain.KindInvalid},
		{"unknown type", application.ListUpgrades{ViewerID: alice.ID(), Filter: application.UpgradeFilter{Type: "diamond"}}, domain.KindMalformed},
		{"unknown status", application.ListUpgrades{ViewerID: alice.ID(), Filter: application.UpgradeFilter{Status: "paid"}}, domain.KindMalformed},
		{"bad is_gifted", application.ListUpgrades{ViewerID: alice.ID(), Filter: application.UpgradeFilter{IsGifted: "maybe"}}, domain.KindMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			_, err := f.app.ListUpgrades.Handle(f.ctx, tc.cmd)
			wantKind(t, err, tc.kind)
		})
	}
}

func TestListUpgradesPaging(t *testing.T) {
	f := newFixture(t)
	const total = 25
	var all []domain.UpgradeID // oldest first
	for i := range total {
		u := f.user(fmt.Sprintf("user%02d", i), domain.LevelMember)
		all = append(all, f.start(u, u, domain.UpgradeGold).ID())
	}
	slices.Reverse(all) // newest first, as listed
	tests := []struct {
		page, limit int
		from, to    int // the slice of all expected
		more        bool
	}{
		{1, 10, 0, 10, true},
		{2, 10, 10, 20, true},
		{3, 10, 20, 25, false},
		{4, 10, 25, 25, false},
		{1, 25, 0, 25, false},
		{1, 24, 0, 24, true},
		{1, 100, 0, 25, false},
		{0, 0, 0, 20, true}, // defaults: page 1, 20 per page
		{2, 0, 20, 25, false},
		{13, 2, 24, 25, false},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("page %d limit %d", tc.page, tc.limit), func(t *testing.T) {
			page := ""
			if tc.page > 0 {
				page = strconv.Itoa(tc.page)
			}
			l, err := f.app.ListUpgrades.Handle(f.ctx, application.ListUpgrades{ViewerID: f.owner.ID(), Page: page, Limit: tc.limit})
			if err != nil {
				t.Fatal(err)
			}
			var got []domain.UpgradeID
			for _, it := range l.Items {
				got = append(got, it.Upgrade.ID())
			}
			if want := all[tc.from:tc.to]; !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Fatalf("listed %v, want %v", got, want)
			}
			if l.HasMore() != tc.more {
				t.Fatalf("HasMore %t, want %t", l.HasMore(), tc.more)
			}
		})
	}
}

// Following Older links from the first page reaches every upgrade once,
// and Newer links from the last page come back through the same pages.
func TestListUpgradesKeysetWalk(t *testing.T) {
	f := newFixture(t)
	alice := f.user("alice", domain.LevelMember)
	all := []domain.UpgradeID{f.start(alice, alice, domain.UpgradeGold).ID()} // alice's, newest first
	for i := range 10 {
		u := f.user(fmt.Sprintf("user%02d", i), domain.LevelMember)
		f.start(u, u, domain.UpgradeGold) // not alice's: skipped by every page
		all = append([]domain.UpgradeID{f.start(u, alice, domain.UpgradePlatinum).ID()}, all...)
	}
	list := func(page string) application.UpgradeList {
		t.Helper()
		l, err := f.app.ListUpgrades.Handle(f.ctx, application.ListUpgrades{ViewerID: alice.ID(), Page: page, Limit: 3})
		if err != nil {
			t.Fatalf("page %q: %v", page, err)
		}
		return l
	}
	ids := func(l application.UpgradeList) (out []domain.UpgradeID) {
		for _, it := range l.Items {
			out = append(out, it.Upgrade.ID())
		}
		return out
	}
	var seen []domain.UpgradeID
	var pages []string
	for l := list(""); ; l = list(l.Next.String()) {
		pages = append(pages, l.Page.String())
		seen = append(seen, ids(l)...)
		if l.Next.IsZero() {
			break
		}
	}
	if !slices.Equal(seen, all) {
		t.Fatalf("older links listed %v, want %v", seen, all)
	}
	// The older page of a numbered page is numbered, within MaxPageNumber.
	if want := []string{"1", "2", "3", "4"}; !slices.Equal(pages, want) {
		t.Fatalf("pages %v, want %v", pages, want)
	}

	// From the oldest by id, newer links walk back up to the newest.
	last := all[len(all)-1]
	var back []domain.UpgradeID
	l := list(fmt.Sprintf("b%d", last+1))
	if got := ids(l); !slices.Equal(got, []domain.UpgradeID{last}) || l.HasMore() {
		t.Fatalf("b%d: %v, more %t", last+1, got, l.HasMore())
	}
	for ; ; l = list(l.Prev.String()) {
		back = append(ids(l), back...)
		if l.Prev.IsZero() {
			break
		}
		if l.Prev.After == 0 {
			t.Fatalf("the newer page of %v is %v, want a keyset page", l.Page, l.Prev)
		}
	}
	if !slices.Equal(back, all) {
		t.Fatalf("newer links listed %v, want %v", back, all)
	}
	// A page newer than an id is newest first, and its older link
	// continues below it.
	l = list(fmt.Sprintf("a%d", all[8]))
	if got, want := ids(l), all[5:8]; !slices.Equal(got, want) || l.Next != (application.Page{Before: int64(all[7])}) {
		t.Fatalf("a%d: %v next %v, want %v next b%d", all[8], got, l.Next, want, all[7])
	}
}
