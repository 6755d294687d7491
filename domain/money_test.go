package domain_test

import (
	"testing"

	"upgrades/domain"
)

func TestNewMoney(t *testing.T) {
	tests := []struct {
		amount   int64
		currency string
		ok       bool
		str      string
	}{
		{2000, "usd", true, "2000 usd"},
		{1, "usd", true, "1 usd"},
		{4005, "eur", true, "4005 eur"},
		{0, "usd", false, ""},
		{-100, "usd", false, ""},
		{100, "", false, ""},
		{100, "USD", false, ""},
		{100, "us", false, ""},
		{100, "usdd", false, ""},
		{100, "u$d", false, ""},
	}
	for _, tc := range tests {
		m, err := domain.NewMoney(tc.amount, tc.currency)
		checkErr(t, err, tc.ok, domain.KindInvalid)
		if !tc.ok {
			continue
		}
		if m.Amount() != tc.amount || m.Currency() != tc.currency || m.IsZero() || m.String() != tc.str {
			t.Errorf("NewMoney(%d, %q) = %v %q %q", tc.amount, tc.currency, m.Amount(), m.Currency(), m.String())
		}
	}
}

func TestNewPrices(t *testing.T) {
	tests := []struct {
		name                           string
		currency                       string
		gold, platinum, goldToPlatinum int64
		ok                             bool
	}{
		{"defaults", "usd", 2000, 4000, 2000, true},
		{"other currency", "eur", 1500, 3000, 1500, true},
		{"zero gold", "usd", 0, 4000, 2000, false},
		{"negative platinum", "usd", 2000, -1, 2000, false},
		{"zero gold to platinum", "usd", 2000, 4000, 0, false},
		{"bad currency", "dollars", 2000, 4000, 2000, false},
		{"no currency", "", 2000, 4000, 2000, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := domain.NewPrices(tc.currency, tc.gold, tc.platinum, tc.goldToPlatinum)
			checkErr(t, err, tc.ok, domain.KindInvalid)
			if !tc.ok {
				return
			}
			for typ, want := range map[domain.UpgradeType]int64{
				domain.UpgradeGold: tc.gold, domain.UpgradePlatinum: tc.platinum, domain.UpgradeGoldToPlatinum: tc.goldToPlatinum,
			} {
				if got := p.Of(typ); got.Amount() != want || got.Currency() != tc.currency {
					t.Errorf("%s costs %d %s, want %d %s", typ, got.Amount(), got.Currency(), want, tc.currency)
				}
			}
			if !p.Of(domain.UpgradeType{}).IsZero() {
				t.Error("the zero type must have no price")
			}
		})
	}
}

func TestDefaultPrices(t *testing.T) {
	p := domain.DefaultPrices()
	for typ, want := range map[domain.UpgradeType]int64{
		domain.UpgradeGold: 2000, domain.UpgradePlatinum: 4000, domain.UpgradeGoldToPlatinum: 2000,
	} {
		if got := p.Of(typ); got.Amount() != want || got.Currency() != "usd" {
			t.Errorf("default price of %s = %d %s, want %d usd", typ, got.Amount(), got.Currency(), want)
		}
	}
}
