package domain_test

import (
	"testing"
	"time"

	"upgrades/domain"
)

// A sale counts on the day the money settles, once; a refund on the day of
// the refund; a redundant payment is both on one day.
func TestDailySaless(t *testing.T) {
	day := func(d time.Duration) time.Time { return domain.Day(t0.Add(d)) }
	price := domain.DefaultPrices().Of(domain.UpgradeGold).Amount()
	steps := []struct {
		desc  string
		kind  domain.EventKind
		after time.Duration
		bob   domain.Level
		want  domain.DailySales
	}{
		{"unpaid: nothing settled", domain.EventCheckoutUnpaid, time.Minute, domain.LevelMember, domain.DailySales{}},
		{"settled the next day: a sale", domain.EventAsyncSucceeded, 24 * time.Hour, domain.LevelMember,
			domain.DailySales{Day: day(24 * time.Hour), Type: domain.UpgradeGold, Currency: "usd", Sales: 1, SalesAmount: price}},
		{"a late duplicate: nothing", domain.EventCheckoutPaid, 25 * time.Hour, domain.LevelGold, domain.DailySales{}},
		{"refunded two days later: a refund", domain.EventRefunded, 72 * time.Hour, domain.LevelGold,
			domain.DailySales{Day: day(72 * time.Hour), Type: domain.UpgradeGold, Currency: "usd", Refunds: 1, RefundsAmount: price}},
		{"refunded again: nothing", domain.EventRefunded, 73 * time.Hour, domain.LevelMember, domain.DailySales{}},
	}
	up := storedUpgrade(domain.UpgradeGold, 1, 2)
	for _, s := range steps {
		r, err := up.Apply(matching(up, s.kind, "stripe evt", "pi_7"), domain.Facts{Recipient: stored(2, "bob", s.bob)}, t0.Add(s.after))
		if err != nil {
			t.Fatal(err)
		}
		if r.Sales != s.want {
			t.Fatalf("%s: sales %+v, want %+v", s.desc, r.Sales, s.want)
		}
	}
	if got := up.PaidAt(); !got.Equal(t0.Add(24 * time.Hour)) {
		t.Fatalf("paid at %s", got)
	}

	redundant := storedUpgrade(domain.UpgradeGold, 1, 2)
	r, err := redundant.Apply(matching(redundant, domain.EventCheckoutPaid, "stripe evt", "pi_8"),
		domain.Facts{Recipient: stored(2, "bob", domain.LevelGold), AutoRefund: true}, t0)
	if err != nil {
		t.Fatal(err)
	}
	want := domain.DailySales{Day: day(0), Type: domain.UpgradeGold, Currency: "usd", Sales: 1, SalesAmount: price, Refunds: 1, RefundsAmount: price}
	if !r.Redundant || r.Sales != want {
		t.Fatalf("redundant %t, sales %+v, want %+v", r.Redundant, r.Sales, want)
	}
}
