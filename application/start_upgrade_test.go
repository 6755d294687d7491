package application_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"upgrades/application"
	"upgrades/domain"
)

func TestStartUpgradeRefusals(t *testing.T) {
	tests := []struct {
		desc string
		// cmd builds the command once alice (member), bob (member),
		// gina (gold) and pat (platinum) exist.
		cmd       func(f *fixture, alice, bob, gina, pat *domain.User) application.StartUpgrade
		disabled  bool
		kind      domain.Kind
		mentioned string // the message names this
	}{
		{"not logged in", func(f *fixture, a, b, g, p *domain.User) application.StartUpgrade {
			return application.StartUpgrade{RecipientID: b.ID(), Type: "gold"}
		}, false, domain.KindUnauthenticated, "log in"},
		{"account gone", func(f *fixture, a, b, g, p *domain.User) application.StartUpgrade {
			return application.StartUpgrade{PurchaserID: 9999, Type: "gold"}
		}, false, domain.KindUnauthenticated, "log in"},
		{"banned purchaser", func(f *fixture, a, b, g, p *domain.User) application.StartUpgrade {
			f.ban(a)
			return application.StartUpgrade{PurchaserID: a.ID(), Type: "gold"}
		}, false, domain.KindForbidden, "banned"},
		{"banned purchaser, gift", func(f *fixture, a, b, g, p *domain.User) application.StartUpgrade {
			f.ban(a)
			return application.StartUpgrade{PurchaserID: a.ID(), RecipientID: b.ID(), Type: "gold"}
		}, false, domain.KindForbidden, "banned"},
		{"upgrades disabled", func(f *fixture, a, b, g, p *domain.User) application.StartUpgrade {
			return application.StartUpgrade{PurchaserID: a.ID(), Type: "gold"}
		}, true, domain.KindUnavailable, "disabled"},
		{"unknown recipient id", func(f *fixture, a, b, g, p *domain.User) application.StartUpgrade {
			return application.StartUpgrade{PurchaserID: a.ID(), RecipientID: 9999, Type: "gold"}
		}, false, domain.KindNotFound, ""},
		{"unknown recipient name", func(f *fixture, a, b, g, p *domain.User) application.StartUpgrade {
			return application.StartUpgrade{PurchaserID: a.ID(), RecipientName: "nobody", Type: "gold"}
		}, false, domain.KindNotFound, "nobody"},
		{"impossible recipient name", func(f *fixture, a, b, g, p *domain.User) application.StartUpgrade {
			return application.StartUpgrade{PurchaserID: a.ID(), RecipientName: "no such/name", Type: "gold"}
		}, false, domain.KindNotFound, ""},
		{"banned recipient", func(f *fixture, a, b, g, p *domain.User) application.StartUpgrade {
			f.ban(b)
			return application.StartUpgrade{PurchaserID: a.ID(), RecipientID: b.ID(), Type: "gold"}
		}, false, domain.KindInvalid, "bob"},
		{"unknown type", func(f *fixture, a, b, g, p *domain.User) application.StartUpgrade {
			return application.StartUpgrade{PurchaserID: a.ID(), Type: "diamond"}
		}, false, domain.KindInvalid, "diamond"},
		{"no type", func(f *fixture, a, b, g, p *domain.User) application.StartUpgrade {
			return application.StartUpgrade{PurchaserID: a.ID()}
		}, false, domain.KindInvalid, ""},
		{"gold for a gold user", func(f *fixture, a, b, g, p *domain.User) application.StartUpgrade {
			return application.StartUpgrade{PurchaserID: a.ID(), RecipientID: g.ID(), Type: "gold"}
		}, false, domain.KindInvalid, "gina"},
		{"gold to platinum for a member", func(f *fixture, a, b, g, p *domain.User) application.StartUpgrade {
			return application.StartUpgrade{PurchaserID: a.ID(), Type: "gold_to_platinum"}
		}, false, domain.KindInvalid, "Gold"},
		{"anything for a platinum user", func(f *fixture, a, b, g, p *domain.User) application.StartUpgrade {
			return application.StartUpgrade{PurchaserID: a.ID(), RecipientName: "pat", Type: "gold_to_platinum"}
		}, false, domain.KindInvalid, "Platinum"},
		{"anything for the owner", func(f *fixture, a, b, g, p *domain.User) application.StartUpgrade {
			return application.StartUpgrade{PurchaserID: a.ID(), RecipientID: f.owner.ID(), Type: "platinum"}
		}, false, domain.KindInvalid, "olivia"},
		{"platinum user for themself", func(f *fixture, a, b, g, p *domain.User) application.StartUpgrade {
			return application.StartUpgrade{PurchaserID: p.ID(), Type: "platinum"}
		}, false, domain.KindInvalid, ""},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			f := newFixture(t, func(c *application.Config) { c.Enabled = !tc.disabled })
			alice, bob := f.user("alice", domain.LevelMember), f.user("bob", domain.LevelMember)
			gina, pat := f.user("gina", domain.LevelGold), f.user("pat", domain.LevelPlatinum)
			_, err := f.app.StartUpgrade.Handle(f.ctx, tc.cmd(f, alice, bob, gina, pat))
			wantKind(t, err, tc.kind)
			if !strings.Contains(domain.MessageOf(err), tc.mentioned) {
				t.Errorf("message %q does not mention %q", domain.MessageOf(err), tc.mentioned)
			}
			if n := f.upgradeCount(); n != 0 {
				t.Errorf("%d upgrades stored after a refusal", n)
			}
			if n := len(f.gw.checkoutRequests()); n != 0 {
				t.Errorf("%d checkouts created after a refusal", n)
			}
		})
	}
}

func TestStartUpgradeSelfAndGift(t *testing.T) {
	tests := []struct {
		desc      string
		purchaser string
		recipient string
		byName    bool
		typ       string
		price     int64
	}{
		{"self gold", "alice", "alice", false, "gold", 1999},
		{"self platinum, recipient left out", "alice", "", false, "platinum", 3999},
		{"gift gold by id", "alice", "bob", false, "gold", 1999},
		{"gift platinum by name, any case", "alice", "BOB", true, "platinum", 3999},
		{"gold to platinum for a gold user", "alice", "gina", false, "gold_to_platinum", 2500},
		{"restricted user gifts", "rita", "bob", false, "gold", 1999},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			f := newFixture(t, func(c *application.Config) {
				// Prices come from configuration only.
				p, err := domain.NewPrices("eur", 1999, 3999, 2500)
				if err != nil {
					t.Fatal(err)
				}
				c.Prices = p
			})
			users := map[string]*domain.User{
				"alice": f.user("alice", domain.LevelMember),
				"bob":   f.user("bob", domain.LevelMember),
				"gina":  f.user("gina", domain.LevelGold),
				"rita":  f.user("rita", domain.LevelRestricted),
			}
			purchaser := users[tc.purchaser]
			recipient := users[strings.ToLower(tc.recipient)]
			cmd := application.StartUpgrade{PurchaserID: purchaser.ID(), Type: tc.typ}
			switch {
			case tc.byName:
				cmd.RecipientName = tc.recipient
			case recipient != nil:
				cmd.RecipientID = recipient.ID()
			default:
				recipient = purchaser
			}
			started, err := f.app.StartUpgrade.Handle(f.ctx, cmd)
			if err != nil {
				t.Fatal(err)
			}
			up := started.Upgrade
			if started.Reused || up.ID() == 0 || up.Status() != domain.StatusPending {
				t.Fatalf("started %+v reused=%t", up.Snapshot(), started.Reused)
			}
			if up.PurchaserID() != purchaser.ID() || up.RecipientID() != recipient.ID() || up.IsGifted() != (purchaser != recipient) {
				t.Fatalf("purchaser %d recipient %d gifted %t", up.PurchaserID(), up.RecipientID(), up.IsGifted())
			}
			if up.Type().String() != tc.typ || up.Price().Amount() != tc.price || up.Price().Currency() != "eur" {
				t.Fatalf("type %s price %d %s", up.Type(), up.Price().Amount(), up.Price().Currency())
			}

			reqs := f.gw.checkoutRequests()
			if len(reqs) != 1 {
				t.Fatalf("%d checkout requests, want 1", len(reqs))
			}
			r := reqs[0]
			want := application.CheckoutRequest{
				UpgradeID:      up.ID(),
				PurchaserID:    purchaser.ID(),
				RecipientID:    recipient.ID(),
				UpgradeType:    up.Type(),
				Price:          up.Price(),
				CustomerEmail:  tc.purchaser + "@example.com",
				SuccessURL:     fmt.Sprintf("https://shop.example/user_upgrades/%d?session_id={CHECKOUT_SESSION_ID}", up.ID()),
				CancelURL:      fmt.Sprintf("https://shop.example/user_upgrades/new?user_id=%d&cancelled=%d", recipient.ID(), up.ID()),
				ExpiresAt:      start.Add(f.cfg.CheckoutTTL),
				IdempotencyKey: fmt.Sprintf("user_upgrade_%d", up.ID()),
			}
			r.ProductName, r.Description = "", "" // free text, checked below
			if r != want {
				t.Fatalf("checkout request\n got %+v\nwant %+v", r, want)
			}
			if name := reqs[0].ProductName; !strings.Contains(name, up.Type().Title()) {
				t.Errorf("product name %q does not name %s", name, up.Type().Title())
			}
			// The payment page shows the description: it says who gets it.
			if d := reqs[0].Description; !strings.Contains(d, recipient.Name()) || up.IsGifted() != strings.Contains(d, "a gift from "+purchaser.Name()) {
				t.Errorf("description %q does not say %s gets it (gift %t)", d, recipient.Name(), up.IsGifted())
			}

			// The session the gateway made is stored on the upgrade.
			stored := f.upgrade(up.ID())
			if stored.SessionID() == "" || stored.SessionID() != up.SessionID() || stored.CheckoutURL() == "" ||
				!stored.SessionExpiresAt().Equal(want.ExpiresAt) || stored.Status() != domain.StatusPending {
				t.Fatalf("stored upgrade %+v", stored.Snapshot())
			}
			if s := f.gw.Session(stored.SessionID()).Payment; s.Amount != tc.price || s.Currency != "eur" || s.UpgradeID != up.ID() {
				t.Fatalf("gateway session %+v", s)
			}
		})
	}
}

// The customer's email on the checkout is the purchaser's, never the
// recipient's, and none is sent when the purchaser has none.
func TestStartUpgradeCustomerEmail(t *testing.T) {
	f := newFixture(t)
	noMail, err := f.app.SignUp.Handle(f.ctx, application.SignUp{Name: "nomail", Password: "contract password"})
	if err != nil {
		t.Fatal(err)
	}
	bob := f.user("bob", domain.LevelMember)
	f.start(noMail, bob, domain.UpgradeGold)
	f.start(bob, noMail, domain.UpgradeGold)
	reqs := f.gw.checkoutRequests()
	if reqs[0].CustomerEmail != "" || reqs[1].CustomerEmail != "bob@example.com" {
		t.Fatalf("customer emails %q, %q", reqs[0].CustomerEmail, reqs[1].CustomerEmail)
	}
}

func TestStartUpgradeStoresThePendingUpgradeFirst(t *testing.T) {
	f := newFixture(t)
	alice := f.user("alice", domain.LevelMember)
	var seen *domain.Upgrade
	f.gw.beforeCreate = func(ctx context.Context, r application.CheckoutRequest) {
		// Reading the store here also proves the call is made outside any
		// unit of work: the memory store refuses a nested one.
		err := f.db.Do(ctx, func(ctx context.Context, s application.Store) (err error) {
			seen, err = s.Upgrades.ByID(ctx, r.UpgradeID, true)
			return err
		})
		if err != nil {
			t.Errorf("the upgrade is not readable while its checkout is created: %v", err)
		}
	}
	up := f.start(alice, alice, domain.UpgradeGold)
	if seen == nil || seen.ID() != up.ID() || seen.Status() != domain.StatusPending || seen.SessionID() != "" {
		t.Fatalf("when the gateway was called the store held %+v", seen)
	}
	if len(seen.History()) != 1 || seen.History()[0].To != domain.StatusPending {
		t.Fatalf("history of the pending upgrade %+v", seen.History())
	}
}

func TestStartUpgradeGatewayFailure(t *testing.T) {
	for _, tc := range []struct {
		desc string
		fail func(g *recordingGateway)
	}{
		{"provider error", func(g *recordingGateway) { g.FailWith(errors.New("connection reset by api.stripe.com")) }},
		{"plain error", func(g *recordingGateway) { g.createErr = errors.New("connection reset by api.stripe.com") }},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			f := newFixture(t)
			alice := f.user("alice", domain.LevelMember)
			tc.fail(f.gw)
			_, err := f.app.StartUpgrade.Handle(f.ctx, application.StartUpgrade{PurchaserID: alice.ID(), Type: "gold"})
			wantKind(t, err, domain.KindPaymentProvider)
			if strings.Contains(domain.MessageOf(err), "api.stripe.com") {
				t.Errorf("the client message leaks the cause: %q", domain.MessageOf(err))
			}
			reqs := f.gw.checkoutRequests()
			if len(reqs) != 1 {
				t.Fatalf("%d checkout requests", len(reqs))
			}
			up := f.upgrade(reqs[0].UpgradeID)
			if up.Status() != domain.StatusFailed || up.SessionID() != "" {
				t.Fatalf("after a gateway failure the upgrade is %s (session %q), want failed", up.Status(), up.SessionID())
			}
			last := f.lastHistory(up.ID())
			if last.Event != domain.EventCheckoutFailed || last.From != domain.StatusPending || last.To != domain.StatusFailed ||
				last.Outcome != domain.OutcomeApplied || !strings.Contains(last.Cause, "checkout") {
				t.Fatalf("history entry %+v", last)
			}
			if got := f.messages(alice); len(got) != 0 {
				t.Fatalf("messages after a failed checkout: %q", got)
			}

			// Once the provider answers again, buying works at once.
			f.gw.FailWith(nil)
			f.gw.createErr = nil
			again, err := f.app.StartUpgrade.Handle(f.ctx, application.StartUpgrade{PurchaserID: alice.ID(), Type: "gold"})
			if err != nil || again.Reused || again.Upgrade.ID() == up.ID() || again.Upgrade.SessionID() == "" {
				t.Fatalf("retry: %v reused=%v", err, again.Reused)
			}
		})
	}
}

func TestStartUpgradeDoubleClick(t *testing.T) {
	f := newFixture(t)
	alice, bob := f.user("alice", domain.LevelMember), f.user("bob", domain.LevelMember)
	first := f.start(alice, bob, domain.UpgradeGold)
	f.clock.Advance(10 * time.Second)
	second, err := f.app.StartUpgrade.Handle(f.ctx, application.StartUpgrade{PurchaserID: alice.ID(), RecipientID: bob.ID(), Type: "gold"})
	if err != nil {
		t.Fatal(err)
	}
	if !second.Reused || second.Upgrade.ID() != first.ID() || second.Upgrade.CheckoutURL() != first.CheckoutURL() {
		t.Fatalf("second click: reused=%t #%d, want #%d again", second.Reused, second.Upgrade.ID(), first.ID())
	}
	if n := f.gw.CallCount("create"); n != 1 {
		t.Fatalf("%d gateway create calls, want 1", n)
	}
	if n := f.upgradeCount(); n != 1 {
		t.Fatalf("%d upgrades, want 1", n)
	}

	// Another type, recipient or purchaser is another checkout.
	carol := f.user("carol", domain.LevelMember)
	others := []*domain.Upgrade{
		f.start(alice, bob, domain.UpgradePlatinum),
		f.start(alice, carol, domain.UpgradeGold),
		f.start(carol, bob, domain.UpgradeGold),
		f.start(alice, alice, domain.UpgradeGold),
	}
	for _, o := range others {
		if o.ID() == first.ID() {
			t.Fatalf("a different purchase reused #%d", first.ID())
		}
	}
	if n := f.gw.CallCount("create"); n != 5 {
		t.Fatalf("%d gateway create calls, want 5", n)
	}
}

func TestStartUpgradeDoesNotReuseAClosingCheckout(t *testing.T) {
	// The checkout lives an hour; one closer than ReuseMargin to its end
	// would expire under the buyer.
	tests := []struct {
		after  time.Duration
		reused bool
	}{
		{time.Minute, true},
		{54 * time.Minute, true},
		{55*time.Minute + time.Second, false},
		{59 * time.Minute, false},
		{2 * time.Hour, false},
	}
	for _, tc := range tests {
		t.Run(tc.after.String(), func(t *testing.T) {
			f := newFixture(t, func(c *application.Config) { c.CheckoutTTL, c.ReuseMargin = time.Hour, 5*time.Minute })
			alice := f.user("alice", domain.LevelMember)
			first := f.start(alice, alice, domain.UpgradeGold)
			f.clock.Advance(tc.after)
			again, err := f.app.StartUpgrade.Handle(f.ctx, application.StartUpgrade{PurchaserID: alice.ID(), Type: "gold"})
			if err != nil {
				t.Fatal(err)
			}
			if again.Reused != tc.reused || (again.Upgrade.ID() == first.ID()) != tc.reused {
				t.Fatalf("reused=%t #%d (first #%d), want reused=%t", again.Reused, again.Upgrade.ID(), first.ID(), tc.reused)
			}
			wantCalls := 2
			if tc.reused {
				wantCalls = 1
			}
			if n := f.gw.CallCount("create"); n != wantCalls {
				t.Fatalf("%d create calls, want %d", n, wantCalls)
			}
		})
	}
}

// A second click while the first is still creating its checkout waits for
// it; if the first never finishes in time it is told to try again rather
// than opening a second checkout.
func TestStartUpgradeWhileTheFirstCheckoutIsBeingCreated(t *testing.T) {
	f := newFixture(t)
	alice := f.user("alice", domain.LevelMember)
	var inner error
	calls := 0
	f.gw.beforeCreate = func(ctx context.Context, r application.CheckoutRequest) {
		calls++
		if calls == 1 {
			_, inner = f.app.StartUpgrade.Handle(ctx, application.StartUpgrade{PurchaserID: alice.ID(), Type: "gold"})
		}
	}
	first := f.start(alice, alice, domain.UpgradeGold)
	wantKind(t, inner, domain.KindConflict)
	if calls != 1 || f.upgradeCount() != 1 || first.SessionID() == "" {
		t.Fatalf("%d create calls, %d upgrades", calls, f.upgradeCount())
	}
}

// Nobody pays twice (SPEC §2): while a delayed payment for the recipient
// is processing and grants the same or a higher level, a new upgrade is a
// conflict naming it; one that grants more is not.
func TestStartUpgradeWhileAPaymentIsProcessing(t *testing.T) {
	for _, tc := range []struct {
		processing, next domain.UpgradeType
		refused          bool
	}{
		{domain.UpgradeGold, domain.UpgradeGold, true},
		{domain.UpgradePlatinum, domain.UpgradeGold, true},
		{domain.UpgradePlatinum, domain.UpgradePlatinum, true},
		{domain.UpgradeGold, domain.UpgradePlatinum, false},
	} {
		t.Run(tc.processing.String()+" then "+tc.next.String(), func(t *testing.T) {
			f := newFixture(t)
			alice, bob, carol := f.user("alice", domain.LevelMember), f.user("bob", domain.LevelMember), f.user("carol", domain.LevelMember)
			first := f.start(alice, bob, tc.processing)
			f.apply(f.event(first, "evt_unpaid", domain.EventCheckoutUnpaid))
			// Anyone's purchase for bob waits: carol's gift as much as bob's own.
			for _, buyer := range []*domain.User{carol, bob} {
				_, err := f.app.StartUpgrade.Handle(f.ctx, application.StartUpgrade{PurchaserID: buyer.ID(), RecipientID: bob.ID(), Type: tc.next.String()})
				if !tc.refused {
					if err != nil {
						t.Fatalf("%s: %v", buyer.Name(), err)
					}
					continue
				}
				wantKind(t, err, domain.KindConflict)
				if !strings.Contains(err.Error(), fmt.Sprintf("#%d", first.ID())) {
					t.Errorf("the refusal does not name upgrade #%d: %v", first.ID(), err)
				}
			}
			// Once the payment settles the recipient's level decides again.
			f.apply(f.event(first, "evt_failed", domain.EventAsyncFailed))
			if _, err := f.app.StartUpgrade.Handle(f.ctx, application.StartUpgrade{PurchaserID: carol.ID(), RecipientID: bob.ID(), Type: tc.next.String()}); err != nil {
				t.Fatalf("after the payment failed: %v", err)
			}
		})
	}
}
