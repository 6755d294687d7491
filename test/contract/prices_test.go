package contract_test

import (
	"context"
	"testing"

	"upgrades/application"
	"upgrades/domain"
)

// What an upgrade was sold at and what was paid are stored and read back
// as they were: the currency, the sale's price, and a promotion code's
// total and discount, unknown (NULL) until the checkout settles.
var priceCases = []testCase{
	{"prices/the currency and what was paid round-trip", func(t *testing.T, s store) {
		alice := mustUser(t, s, "alice", domain.LevelMember)
		up, err := domain.NewUpgradeIn(alice, alice, domain.UpgradeGold, domain.DefaultPrices(), "eur", t0)
		if err != nil {
			t.Fatal(err)
		}
		do(t, s, func(ctx context.Context, st application.Store) error { return st.Upgrades.Create(ctx, up) })
		got := read(t, s, up.ID(), false)
		if got.Price().Amount() != 1600 || got.Price().Currency() != "eur" || got.Paid().Known {
			t.Fatalf("stored %v, paid %+v", got.Price(), got.Paid())
		}
		paid, _ := apply(t, s, up.ID(), domain.Payment{Kind: domain.EventCheckoutPaid, PaymentIntentID: "pi_eur",
			Total: 1440, Discount: 160, Totals: true, Cause: "contract"}, t0)
		if paid.Status() != domain.StatusComplete {
			t.Fatalf("status %s", paid.Status())
		}
		got = read(t, s, up.ID(), false)
		if want := (domain.Paid{Amount: 1440, Discount: 160, Known: true}); got.Paid() != want {
			t.Fatalf("paid %+v, want %+v", got.Paid(), want)
		}
	}},
	{"prices/nothing paid is stored as zero, not unknown", func(t *testing.T, s store) {
		bob := mustUser(t, s, "bob", domain.LevelMember)
		up := mustUpgrade(t, s, bob, bob, domain.UpgradeGold, t0)
		apply(t, s, up.ID(), domain.Payment{Kind: domain.EventCheckoutPaid, Total: 0, Discount: 2000, Totals: true, Cause: "contract"}, t0)
		if got := read(t, s, up.ID(), false); got.Paid() != (domain.Paid{Amount: 0, Discount: 2000, Known: true}) || got.PaymentIntentID() != "" {
			t.Fatalf("paid %+v, payment %q", got.Paid(), got.PaymentIntentID())
		}
	}},
}
