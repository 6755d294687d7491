package server

import (
	"strings"
	"testing"
	"time"

	"upgrades/domain"
)

func TestParsePrices(t *testing.T) {
	p, err := parsePrices("usd 20.00/40.00/20.00, eur 16.00/32.00/16.00, jpy 2000/4000/2000")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		cur  string
		typ  domain.UpgradeType
		want int64
	}{{"usd", goldType, 2000}, {"eur", platinumType, 3200}, {"jpy", goldToPlatinumType, 2000}} {
		if m, err := p.List(tc.cur, tc.typ); err != nil || m.Amount() != tc.want {
			t.Errorf("%s %s = %v, %v; want %d", tc.cur, tc.typ, m, err, tc.want)
		}
	}
	if p.Primary() != "usd" {
		t.Errorf("primary %q", p.Primary())
	}
	for _, bad := range []string{
		"", "usd", "usd 20.00/40.00", "usd 20.00/40.00/20.00/1", "zzz 1/2/3", "usd twenty/40.00/20.00",
		"usd 20.001/40.00/20.00", // more decimals than cents
		"jpy 2000.5/4000/2000",   // yen have none
		"usd 0/40.00/20.00", "usd -1/40.00/20.00", "usd 20.00/40.00/20.00, usd 1.00/2.00/3.00",
	} {
		if _, err := parsePrices(bad); err == nil || !strings.HasPrefix(err.Error(), "PRICES") {
			t.Errorf("parsePrices(%q) = %v, want an error naming PRICES", bad, err)
		}
	}
}

func TestDefaultPricesRoundTrip(t *testing.T) {
	d := Defaults().App.Prices
	if got := formatPrices(d); got != "usd 20.00/40.00/20.00, eur 16.00/32.00/16.00" {
		t.Errorf("formatPrices = %q", got)
	}
	c := load(t, nil)
	for _, cur := range []string{"usd", "eur"} {
		for _, typ := range domain.UpgradeTypes {
			got, _ := c.App.Prices.List(cur, typ)
			want, _ := d.List(cur, typ)
			if got != want {
				t.Errorf("%s %s loaded %v, default %v", cur, typ, got, want)
			}
		}
	}
}

func TestOldPriceSettingsSayWhatToWrite(t *testing.T) {
	_, err := Load(nil, func(k string) string {
		return map[string]string{"PRICE_CURRENCY": "eur", "PRICE_GOLD": "1500", "PRICE_PLATINUM": "3000", "PRICE_GOLD_TO_PLATINUM": "1500"}[k]
	})
	if err == nil || !strings.Contains(err.Error(), `PRICES="eur 15.00/30.00/15.00"`) || strings.Contains(err.Error(), "\n") {
		t.Errorf("old settings: %v", err)
	}
	_, err = Load(nil, func(k string) string { return map[string]string{"PRICE_GOLD": "abc"}[k] })
	if err == nil || !strings.Contains(err.Error(), "PRICES=") {
		t.Errorf("a bad old setting: %v", err)
	}
}

func TestSaleSettings(t *testing.T) {
	ends := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	c := load(t, map[string]string{"SALE_PERCENT": "10", "SALE_ENDS": ends, "SALE_NAME": "Winter sale", "PRICES": "eur 16.00/32.00/16.00"})
	if s := c.App.Prices.Sale(); s.Percent() != 10 || s.Name() != "Winter sale" || s.Ends().Format(time.RFC3339) != ends {
		t.Errorf("sale %+v", s)
	}
	// A sale that has already ended is no error: the list prices apply.
	past := load(t, map[string]string{"SALE_PERCENT": "10", "SALE_ENDS": "2020-01-01T00:00:00Z"})
	if !past.SaleOver(time.Now()) {
		t.Error("a sale ended in 2020 is not reported over")
	}
	for name, vars := range map[string]map[string]string{
		"0 %":                    {"SALE_PERCENT": "0", "SALE_ENDS": ends},
		"91 %":                   {"SALE_PERCENT": "91", "SALE_ENDS": ends},
		"no end":                 {"SALE_PERCENT": "10"},
		"an end without sale":    {"SALE_ENDS": ends},
		"below Stripe's 0.50":    {"SALE_PERCENT": "90", "SALE_ENDS": ends, "PRICES": "usd 4.00/40.00/20.00"},
		"list below 0.50":        {"PRICES": "usd 0.49/40.00/20.00"},
		"yen below Stripe's ¥50": {"PRICES": "jpy 49/4000/2000"},
	} {
		_, err := Load(nil, func(k string) string { return vars[k] })
		if err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want a one-line error", name, err)
		}
	}
}
