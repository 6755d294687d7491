package application_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"upgrades/application"
	"upgrades/domain"
)

func (f *fixture) mint(t domain.UpgradeType, n int) []*domain.Code {
	f.t.Helper()
	codes, err := f.app.MintCodes.Handle(f.ctx, application.MintCodes{OwnerID: f.owner.ID(), Type: t.String(), Quantity: n, Note: "raffle"})
	if err != nil {
		f.t.Fatal(err)
	}
	return codes
}

func (f *fixture) redeem(u *domain.User, code string) (application.RedeemedCode, error) {
	return f.app.RedeemCode.Handle(f.ctx, application.RedeemCode{RedeemerID: u.ID(), Code: code, Network: "10.0.0.0/24"})
}

func TestMintedCodeRaisesItsRedeemerOnce(t *testing.T) {
	f := newFixture(t)
	carol, dave := f.user("carol", domain.LevelMember), f.user("dave", domain.LevelMember)
	codes := f.mint(domain.UpgradeGold, 2)
	if len(codes) != 2 || codes[0].Value() == codes[1].Value() || codes[0].Status() != domain.CodeUnused {
		t.Fatalf("minted %v", codes)
	}
	var trail []application.AuditRow
	if err := f.db.Do(f.ctx, func(ctx context.Context, s application.Store) (err error) {
		trail, err = s.Audit.List(ctx, application.AuditQuery{Action: domain.AuditMint, Window: application.Window{Limit: 10}})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(trail) != 2 || trail[0].ActorName != "olivia" || trail[0].Entry.Reason() != "raffle" {
		t.Fatalf("the audit trail of minting: %+v", trail)
	}
	// As people type it: lower case, no dashes, spaces around.
	typed := "  " + strings.ToLower(codes[0].Value().String()) + " "
	got, err := f.redeem(carol, typed)
	if err != nil {
		t.Fatal(err)
	}
	if got.Level != domain.LevelGold || got.Giver != application.SiteGiver || f.level(carol) != domain.LevelGold {
		t.Fatalf("redeemed: %+v, carol is %s", got, f.level(carol))
	}
	if msgs := f.messages(carol); !slices.Contains(msgs, "You have been upgraded to Gold with a code from the site!") {
		t.Fatalf("carol was told %q", msgs)
	}
	_, err = f.redeem(dave, codes[0].Value().Display())
	wantKind(t, err, domain.KindInvalid)
	if f.level(dave) != domain.LevelMember {
		t.Fatal("a used code raised dave")
	}
}

func TestRedeemRefusals(t *testing.T) {
	f := newFixture(t)
	gold, banned := f.user("gina", domain.LevelGold), f.user("bruno", domain.LevelMember)
	f.ban(banned)
	code := f.mint(domain.UpgradeGold, 1)[0].Value().Display()

	_, err := f.redeem(gold, code)
	wantKind(t, err, domain.KindInvalid)
	if !strings.Contains(err.Error(), "already have Gold") {
		t.Fatalf("gina was told %v", err)
	}
	_, err = f.redeem(banned, code)
	wantKind(t, err, domain.KindForbidden)
	_, err = f.app.RedeemCode.Handle(f.ctx, application.RedeemCode{Code: code})
	wantKind(t, err, domain.KindUnauthenticated)
	for _, bad := range []string{"", "ABCD", "2222-2222-2299", "ÄÖÜ", "0000-0000-0000"} {
		_, err = f.redeem(gold, bad)
		wantKind(t, err, domain.KindInvalid)
	}
	// Every refusal left the code unused for someone it raises.
	if _, err := f.redeem(f.user("carol", domain.LevelMember), code); err != nil {
		t.Fatalf("the code was spent by a refusal: %v", err)
	}
}

func TestRedeemIsThrottledPerNetwork(t *testing.T) {
	f := newFixture(t)
	carol := f.user("carol", domain.LevelMember)
	var err error
	for range 21 {
		_, err = f.redeem(carol, "2222-2222-2299")
	}
	wantKind(t, err, domain.KindTooManyRequests)
	// Another network is not held up.
	_, err = f.app.RedeemCode.Handle(f.ctx, application.RedeemCode{RedeemerID: carol.ID(), Code: "2222-2222-2299", Network: "10.9.0.0/24"})
	wantKind(t, err, domain.KindInvalid)
}

func TestMintRefusals(t *testing.T) {
	f := newFixture(t)
	carol := f.user("carol", domain.LevelAdmin)
	_, err := f.app.MintCodes.Handle(f.ctx, application.MintCodes{OwnerID: carol.ID(), Type: "gold", Quantity: 1})
	wantKind(t, err, domain.KindForbidden)
	for _, cmd := range []application.MintCodes{
		{Type: "gold", Quantity: 0}, {Type: "gold", Quantity: 101}, {Type: "gold_to_platinum", Quantity: 1},
		{Type: "diamond", Quantity: 1}, {Type: "gold", Quantity: 1, Note: "two\nlines"},
	} {
		cmd.OwnerID = f.owner.ID()
		_, err := f.app.MintCodes.Handle(f.ctx, cmd)
		wantKind(t, err, domain.KindInvalid)
	}
	if codes := f.mint(domain.UpgradePlatinum, 100); len(codes) != 100 {
		t.Fatalf("minted %d of 100", len(codes))
	}
}

func TestListCodes(t *testing.T) {
	f := newFixture(t)
	carol, dave := f.user("carol", domain.LevelMember), f.user("dave", domain.LevelMember)
	codes := f.mint(domain.UpgradeGold, 3)
	if _, err := f.redeem(carol, codes[1].Value().String()); err != nil {
		t.Fatal(err)
	}
	list := func(viewer *domain.User, filter application.CodeFilter) []string {
		t.Helper()
		l, err := f.app.ListCodes.Handle(f.ctx, application.ListCodes{ViewerID: viewer.ID(), Filter: filter, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range l.Items {
			out = append(out, r.Code.Status().String()+":"+r.RedeemerName)
		}
		return out
	}
	if got := list(carol, application.CodeFilter{}); !slices.Equal(got, []string{"redeemed:carol"}) {
		t.Fatalf("carol sees %v", got)
	}
	if got := list(dave, application.CodeFilter{}); len(got) != 0 {
		t.Fatalf("dave sees %v", got)
	}
	if got := list(f.owner, application.CodeFilter{}); !slices.Equal(got, []string{"unused:", "redeemed:carol"}) {
		t.Fatalf("the owner's first page is %v", got)
	}
	if got := list(f.owner, application.CodeFilter{Status: "unused", BuyerName: "OLIVIA"}); !slices.Equal(got, []string{"unused:", "unused:"}) {
		t.Fatalf("the owner's unused codes are %v", got)
	}
	if got := list(f.owner, application.CodeFilter{RedeemerName: "carol", Type: "gold"}); !slices.Equal(got, []string{"redeemed:carol"}) {
		t.Fatalf("carol's redemptions are %v", got)
	}
	_, err := f.app.ListCodes.Handle(f.ctx, application.ListCodes{ViewerID: f.owner.ID(), Filter: application.CodeFilter{Status: "spent"}})
	wantKind(t, err, domain.KindMalformed)

	// Codes page like every list: numbered to 1,000, then by id.
	first, err := f.app.ListCodes.Handle(f.ctx, application.ListCodes{ViewerID: f.owner.ID(), Limit: 2})
	if err != nil || first.Next != (application.Page{Number: 2}) || !first.All {
		t.Fatalf("the first page: %+v, %v", first, err)
	}
	older, err := f.app.ListCodes.Handle(f.ctx, application.ListCodes{ViewerID: f.owner.ID(), Limit: 2, Page: fmt.Sprintf("b%d", first.Items[1].Code.ID())})
	if err != nil || len(older.Items) != 1 || older.Items[0].Code.ID() != codes[0].ID() || older.HasMore() {
		t.Fatalf("the codes older than the first page: %+v, %v", older, err)
	}
	_, err = f.app.ListCodes.Handle(f.ctx, application.ListCodes{ViewerID: f.owner.ID(), Page: "1001"})
	wantKind(t, err, domain.KindInvalid)
}

// buyCodes starts a purchase of n codes of t by buyer.
func (f *fixture) buyCodes(buyer *domain.User, t domain.UpgradeType, n int) *domain.Upgrade {
	f.t.Helper()
	s, err := f.app.StartUpgrade.Handle(f.ctx, application.StartUpgrade{PurchaserID: buyer.ID(), Type: t.String(), Quantity: n})
	if err != nil {
		f.t.Fatalf("buying %d %s codes: %v", n, t, err)
	}
	return s.Upgrade
}

func (f *fixture) codesOf(u *domain.User) []*domain.Code {
	f.t.Helper()
	l, err := f.app.ListCodes.Handle(f.ctx, application.ListCodes{ViewerID: u.ID(), Filter: application.CodeFilter{BuyerName: u.Name()}})
	if err != nil {
		f.t.Fatal(err)
	}
	var out []*domain.Code
	for _, r := range l.Items {
		out = append(out, r.Code)
	}
	return out
}

func TestBoughtCodesAreIssuedOnceAndVoidedByARefund(t *testing.T) {
	f := newFixture(t)
	alice, carol := f.user("alice", domain.LevelMember), f.user("carol", domain.LevelMember)
	up := f.buyCodes(alice, domain.UpgradePlatinum, 2)
	if !up.IsCodes() || up.IsGifted() || up.RecipientID() != 0 || up.Price().Amount() != 2*4000 {
		t.Fatalf("purchase: codes %t gifted %t recipient %d price %v", up.IsCodes(), up.IsGifted(), up.RecipientID(), up.Price())
	}
	req := f.gw.checkoutRequests()[0]
	if req.Quantity != 2 || req.RecipientID != 0 || req.CancelURL != "https://shop.example/upgrade_codes" {
		t.Fatalf("checkout request %+v", req)
	}
	// A double click returns the same checkout; another quantity does not.
	if again := f.buyCodes(alice, domain.UpgradePlatinum, 2); again.ID() != up.ID() {
		t.Fatal("a double click made a second purchase")
	}
	if other := f.buyCodes(alice, domain.UpgradePlatinum, 3); other.ID() == up.ID() {
		t.Fatal("three codes reused the checkout of two")
	}
	f.pay(up)
	f.apply(f.event(up, "evt_paid_again", domain.EventCheckoutPaid)) // a second event of the same payment
	codes := f.codesOf(alice)
	if len(codes) != 2 || codes[0].UpgradeID() != up.ID() || codes[0].Status() != domain.CodeUnused || f.level(alice) != domain.LevelMember {
		t.Fatalf("alice's codes after paying: %v, alice is %s", codes, f.level(alice))
	}
	if msgs := f.messages(alice); !slices.ContainsFunc(msgs, func(m string) bool { return strings.Contains(m, "2 Platinum codes") }) {
		t.Fatalf("alice was told %q", msgs)
	}

	got, err := f.redeem(carol, codes[1].Value().String())
	if err != nil || got.Giver != "alice" || f.level(carol) != domain.LevelPlatinum {
		t.Fatalf("carol redeemed: %+v, %v", got, err)
	}
	if !slices.Contains(f.messages(alice), "carol redeemed your Platinum code "+codes[1].Value().Short()+".") {
		t.Fatalf("alice was told %q", f.messages(alice))
	}
	if h := f.lastHistory(up.ID()); h.Note != "code "+codes[1].Value().Short()+" redeemed by carol" {
		t.Fatalf("the purchase's history ends with %+v", h)
	}

	if _, err := f.app.Refund.Handle(f.ctx, application.RefundUpgrade{By: application.Actor{ID: f.owner.ID()}, UpgradeID: up.ID(), Reason: "codes bought by mistake"}); err != nil {
		t.Fatal(err)
	}
	for _, c := range f.codesOf(alice) {
		if c.Status() != domain.CodeVoid {
			t.Fatalf("after the refund code %s is %s", c.Value().Display(), c.Status())
		}
	}
	if f.level(carol) != domain.LevelMember {
		t.Fatalf("carol is %s after the refund, want member", f.level(carol))
	}
	if !slices.ContainsFunc(f.messages(alice), func(m string) bool {
		return strings.Contains(m, "these codes are void: ") && strings.Contains(m, codes[0].Value().Display()) && strings.Contains(m, codes[1].Value().Display())
	}) {
		t.Fatalf("alice was told %q", f.messages(alice))
	}
	if _, err := f.redeem(f.user("dave", domain.LevelMember), codes[0].Value().String()); domain.KindOf(err) != domain.KindInvalid {
		t.Fatalf("a void code: %v", err)
	}
}

func TestBuyingCodesRefusals(t *testing.T) {
	f := newFixture(t)
	alice := f.user("alice", domain.LevelMember)
	for _, cmd := range []application.StartUpgrade{
		{Type: "gold", Quantity: 11}, {Type: "gold", Quantity: -1}, {Type: "gold_to_platinum", Quantity: 1}, {Type: "diamond", Quantity: 1},
	} {
		cmd.PurchaserID = alice.ID()
		_, err := f.app.StartUpgrade.Handle(f.ctx, cmd)
		wantKind(t, err, domain.KindInvalid)
	}
	f.ban(alice)
	_, err := f.app.StartUpgrade.Handle(f.ctx, application.StartUpgrade{PurchaserID: alice.ID(), Type: "gold", Quantity: 1})
	wantKind(t, err, domain.KindForbidden)
}
