package http

import (
	"testing"

	"upgrades/domain"
)

func TestFormatMoney(t *testing.T) {
	for _, tc := range []struct {
		amount   int64
		currency string
		want     string
	}{
		{2000, "usd", "$20.00"},
		{1600, "eur", "€16.00"},
		{1440, "eur", "€14.40"},
		{2000, "jpy", "¥2,000"},
		{123456789, "usd", "$1,234,567.89"},
		{1, "usd", "$0.01"},
	} {
		m, err := domain.NewMoney(tc.amount, tc.currency)
		if err != nil {
			t.Fatal(err)
		}
		if got := FormatMoney(m); got != tc.want {
			t.Errorf("FormatMoney(%d %s) = %q, want %q", tc.amount, tc.currency, got, tc.want)
		}
	}
	if got := formatMinor(0, "eur"); got != "€0.00" {
		t.Errorf("formatMinor(0, eur) = %q", got)
	}
}

func TestCurrencyChoice(t *testing.T) {
	for _, tc := range []struct {
		currency, country, header string
		want                      domain.CurrencyChoice
		ok                        bool
	}{
		{"EUR", "", "", domain.CurrencyChoice{Currency: "eur"}, true},
		{"", "de", "", domain.CurrencyChoice{Country: "DE"}, true},
		{"", "DE", "FR", domain.CurrencyChoice{Country: "DE", HeaderCountry: "FR"}, true},
		{"", "", "AT", domain.CurrencyChoice{HeaderCountry: "AT"}, true},
		{"", "", "T1", domain.CurrencyChoice{}, true}, // Cloudflare's Tor marker is no country
		{"", "", "XX", domain.CurrencyChoice{}, true},
		{"", "ZZ", "", domain.CurrencyChoice{}, false},
		{"", "DEU", "", domain.CurrencyChoice{}, false},
		{"", "Germany", "", domain.CurrencyChoice{}, false},
	} {
		got, err := currencyChoice(tc.currency, tc.country, tc.header)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("currencyChoice(%q, %q, %q) = %+v, %v", tc.currency, tc.country, tc.header, got, err)
		}
		if !tc.ok && domain.KindOf(err) != domain.KindInvalid {
			t.Errorf("%q: kind %v, want invalid (422)", tc.country, domain.KindOf(err))
		}
	}
}
