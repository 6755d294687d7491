package domain_test

import (
	"testing"
	"time"

	"upgrades/domain"
)

func TestDefaultPricesInEveryCurrency(t *testing.T) {
	p := domain.DefaultPrices()
	want := map[string][3]int64{"usd": {2000, 4000, 2000}, "eur": {1600, 3200, 1600}}
	for cur, amounts := range want {
		for i, typ := range []domain.UpgradeType{domain.UpgradeGold, domain.UpgradePlatinum, domain.UpgradeGoldToPlatinum} {
			m, err := p.List(cur, typ)
			if err != nil || m.Amount() != amounts[i] || m.Currency() != cur {
				t.Errorf("%s in %s = %v, %v; want %d", typ, cur, m, err, amounts[i])
			}
		}
	}
	if p.Primary() != "usd" || len(p.Currencies()) != 2 {
		t.Errorf("primary %q, currencies %v", p.Primary(), p.Currencies())
	}
	if _, err := p.List("jpy", domain.UpgradeGold); domain.KindOf(err) != domain.KindInvalid {
		t.Errorf("a currency without prices: %v, want invalid", err)
	}
}

func TestNewPriceListsRefuses(t *testing.T) {
	for name, lists := range map[string][]domain.PriceList{
		"none":          nil,
		"twice":         {{"usd", 1, 2, 3}, {"usd", 1, 2, 3}},
		"zero":          {{"usd", 2000, 0, 2000}},
		"bad currency":  {{"US$", 2000, 4000, 2000}},
		"second is bad": {{"usd", 2000, 4000, 2000}, {"eur", 1600, -1, 1600}},
	} {
		if _, err := domain.NewPriceLists(lists...); domain.KindOf(err) != domain.KindInvalid {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
}

func TestChooseCurrency(t *testing.T) {
	both := domain.DefaultPrices()
	usdOnly, _ := domain.NewPrices("usd", 2000, 4000, 2000)
	eurFirst, _ := domain.NewPriceLists(domain.PriceList{"eur", 1600, 3200, 1600}, domain.PriceList{"jpy", 2000, 4000, 2000})
	tests := []struct {
		name   string
		prices domain.Prices
		choice domain.CurrencyChoice
		want   string // "" means refused as invalid
	}{
		{"nothing said: the primary", both, domain.CurrencyChoice{}, "usd"},
		{"currency named", both, domain.CurrencyChoice{Currency: "eur"}, "eur"},
		{"currency beats country", both, domain.CurrencyChoice{Currency: "usd", Country: "DE"}, "usd"},
		{"unknown currency", both, domain.CurrencyChoice{Currency: "jpy"}, ""},
		{"malformed currency", both, domain.CurrencyChoice{Currency: "EUR"}, ""},
		{"euro country", both, domain.CurrencyChoice{Country: "DE"}, "eur"},
		{"Bulgaria joined", both, domain.CurrencyChoice{Country: "BG"}, "eur"},
		{"outside the euro area", both, domain.CurrencyChoice{Country: "CH"}, "usd"},
		{"country beats header", both, domain.CurrencyChoice{Country: "US", HeaderCountry: "FR"}, "usd"},
		{"header country", both, domain.CurrencyChoice{HeaderCountry: "AT"}, "eur"},
		{"named country without prices", usdOnly, domain.CurrencyChoice{Country: "DE"}, ""},
		{"header country without prices falls back", usdOnly, domain.CurrencyChoice{HeaderCountry: "DE"}, "usd"},
		{"non-euro country, no usd", eurFirst, domain.CurrencyChoice{Country: "JP"}, ""},
		{"non-euro header, no usd: primary", eurFirst, domain.CurrencyChoice{HeaderCountry: "JP"}, "eur"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.prices.Choose(tc.choice)
			if tc.want == "" {
				if domain.KindOf(err) != domain.KindInvalid {
					t.Fatalf("Choose = %q, %v; want invalid", got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Choose = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestSaleRoundsHalfUp(t *testing.T) {
	tests := []struct {
		percent int
		list    int64
		want    int64
	}{
		{10, 1600, 1440},
		{25, 2000, 1500},
		{15, 1999, 1699}, // 1699.15
		{50, 1999, 1000}, // 999.5 rounds up
		{33, 1550, 1039}, // 1038.5 rounds up
		{90, 2000, 200},
		{1, 2000, 1980},
		{10, 2005, 1805}, // 1804.5 rounds up
	}
	for _, tc := range tests {
		s, err := domain.NewSale(tc.percent, t0.Add(time.Hour), "")
		if err != nil {
			t.Fatal(err)
		}
		m, _ := domain.NewMoney(tc.list, "eur")
		if got := s.Apply(m); got.Amount() != tc.want || got.Currency() != "eur" {
			t.Errorf("%d%% off %d = %v, want %d", tc.percent, tc.list, got, tc.want)
		}
	}
}

func TestNewSaleRefuses(t *testing.T) {
	for _, p := range []int{-5, 0, 91, 100} {
		if _, err := domain.NewSale(p, t0, "x"); domain.KindOf(err) != domain.KindInvalid {
			t.Errorf("%d%%: %v, want invalid", p, err)
		}
	}
	if _, err := domain.NewSale(10, time.Time{}, "x"); domain.KindOf(err) != domain.KindInvalid {
		t.Errorf("no end: %v, want invalid", err)
	}
}

func TestSaleWindow(t *testing.T) {
	ends := t0.Add(2 * time.Hour)
	sale, err := domain.NewSale(20, ends, "Spring sale")
	if err != nil {
		t.Fatal(err)
	}
	p := domain.DefaultPrices().WithSale(sale)
	for _, tc := range []struct {
		at     time.Time
		onSale bool
		price  int64
	}{
		{t0, true, 1280},
		{ends.Add(-time.Nanosecond), true, 1280},
		{ends, false, 1600}, // the sale is over at its end
		{ends.Add(24 * time.Hour), false, 1600},
	} {
		q, err := p.At("eur", domain.UpgradeGold, tc.at)
		if err != nil || q.OnSale() != tc.onSale || q.Price.Amount() != tc.price || q.List.Amount() != 1600 {
			t.Errorf("at %s: %+v, %v; want on sale %t at %d", tc.at, q, err, tc.onSale, tc.price)
		}
		if tc.onSale && (q.Sale.Name() != "Spring sale" || !q.Sale.Ends().Equal(ends)) {
			t.Errorf("at %s: sale %+v", tc.at, q.Sale)
		}
	}
}

func TestCheckMinimums(t *testing.T) {
	min := func(string) int64 { return 50 }
	cheap, _ := domain.NewPrices("usd", 100, 4000, 2000)
	if err := cheap.CheckMinimums(min); err != nil {
		t.Errorf("list prices above the minimum: %v", err)
	}
	deep, _ := domain.NewSale(60, t0, "deep")
	if err := cheap.WithSale(deep).CheckMinimums(min); domain.KindOf(err) != domain.KindInvalid {
		t.Errorf("a sale price of 40 under a minimum of 50: %v, want invalid", err)
	}
	tiny, _ := domain.NewPrices("usd", 49, 4000, 2000)
	if err := tiny.CheckMinimums(min); domain.KindOf(err) != domain.KindInvalid {
		t.Errorf("a list price under the minimum: %v, want invalid", err)
	}
}

func TestNewUpgradeInRecordsTheCurrencyAndSalePrice(t *testing.T) {
	alice := stored(1, "alice", domain.LevelMember)
	sale, _ := domain.NewSale(10, t0.Add(time.Hour), "")
	prices := domain.DefaultPrices().WithSale(sale)
	up, err := domain.NewUpgradeIn(alice, alice, domain.UpgradeGold, prices, "eur", t0)
	if err != nil || up.Price().Amount() != 1440 || up.Price().Currency() != "eur" {
		t.Fatalf("during the sale: %v, %v; want 1440 eur", up.Price(), err)
	}
	up, err = domain.NewUpgradeIn(alice, alice, domain.UpgradeGold, prices, "eur", t0.Add(time.Hour))
	if err != nil || up.Price().Amount() != 1600 {
		t.Fatalf("after the sale: %v, %v; want 1600 eur", up.Price(), err)
	}
	if _, err := domain.NewUpgradeIn(alice, alice, domain.UpgradeGold, prices, "gbp", t0); domain.KindOf(err) != domain.KindInvalid {
		t.Fatalf("a currency without prices: %v", err)
	}
}

// A promotion code lowers what is paid, not the subtotal the checkout is
// matched on; the charges that follow carry what was paid.
func TestPromotionPaidAndMatched(t *testing.T) {
	bob := stored(2, "bob", domain.LevelMember)
	up := storedUpgrade(domain.UpgradeGold, 2, 2)
	paid := domain.Payment{Kind: domain.EventCheckoutPaid, SessionID: "cs_test_7", PaymentIntentID: "pi_7",
		Amount: 2000, Currency: "usd", Total: 1800, Discount: 200, Totals: true, Cause: "stripe"}
	if got := up.Charged(); got.Amount() != 2000 {
		t.Fatalf("charged before paying = %v, want the price", got)
	}
	r, err := up.Apply(paid, domain.Facts{Recipient: bob}, t0)
	if err != nil || !r.Match.OK() || !r.Fulfilled {
		t.Fatalf("paid with a promotion: %+v, %v", r, err)
	}
	if got := up.Charged(); got.Amount() != 1800 || got.Currency() != "usd" {
		t.Fatalf("charged = %v, want what was paid", got)
	}
	if got := up.Paid(); got != (domain.Paid{Amount: 1800, Discount: 200, Known: true}) {
		t.Fatalf("paid = %+v", got)
	}
	full := domain.Payment{Kind: domain.EventRefunded, PaymentIntentID: "pi_7", Amount: 2000, Currency: "usd"}
	if m := up.Matches(full, false); m.Reason != domain.MismatchAmount {
		t.Errorf("a charge of the list price after a promotion: %v, want amount mismatch", m)
	}
	charge := domain.Payment{Kind: domain.EventRefunded, PaymentIntentID: "pi_7", Amount: 1800, Currency: "usd"}
	if m := up.Matches(charge, false); !m.OK() {
		t.Errorf("a charge of what was paid: %v", m)
	}
}

func TestNoPaymentRequiredCompletes(t *testing.T) {
	bob := stored(2, "bob", domain.LevelMember)
	up := storedUpgrade(domain.UpgradeGold, 2, 2)
	free := domain.Payment{Kind: domain.EventCheckoutPaid, SessionID: "cs_test_7",
		Amount: 2000, Currency: "usd", Total: 0, Discount: 2000, Totals: true, Cause: "stripe"}
	r, err := up.Apply(free, domain.Facts{Recipient: bob}, t0)
	if err != nil || !r.Fulfilled || up.Status() != domain.StatusComplete || up.PaymentIntentID() != "" {
		t.Fatalf("a fully discounted checkout: %+v, %v, %s", r, err, up.Status())
	}
	if got := up.Paid(); got != (domain.Paid{Amount: 0, Discount: 2000, Known: true}) {
		t.Fatalf("paid = %+v", got)
	}
}
