package http

import (
	"strings"

	"github.com/bojanz/currency"

	"upgrades/domain"
)

// moneyFormat shows amounts by each currency's own rules (CLDR's symbol,
// minor units and grouping, in English): $20.00, €16.00, ¥2,000. USD's
// symbol is pinned to "$", which English CLDR already uses.
var moneyFormat = currency.NewFormatter(currency.NewLocale("en"))

// FormatMoney is m as people read it, by the currency's own rules; the
// use cases word their messages with it too. A currency the library does not
// know (the configuration refuses those) falls back to the exact form.
func FormatMoney(m domain.Money) string {
	if m.IsZero() {
		return ""
	}
	a, err := currency.NewAmountFromInt64(m.Amount(), m.Code())
	if err != nil {
		return m.String()
	}
	return moneyFormat.Format(a)
}

// formatMinor is an amount in m's currency, e.g. a discount; zero is shown.
func formatMinor(amount int64, cur string) string {
	a, err := currency.NewAmountFromInt64(amount, strings.ToUpper(cur))
	if err != nil {
		return ""
	}
	return moneyFormat.Format(a)
}

// currencyChoice reads what a request says about the buyer's currency:
// the currency and country fields, and the country a trusted proxy put in
// the header named by COUNTRY_HEADER. A country field that is not an ISO
// 3166-1 alpha-2 code is refused; a header that is not is ignored.
func currencyChoice(currencyField, countryField, header string) (domain.CurrencyChoice, error) {
	ch := domain.CurrencyChoice{Currency: strings.ToLower(strings.TrimSpace(currencyField))}
	if c := strings.ToUpper(strings.TrimSpace(countryField)); c != "" {
		if !isCountry(c) {
			return ch, domain.Errorf(domain.KindInvalid, "country must be a two-letter ISO 3166-1 code such as DE, not %q", countryField)
		}
		ch.Country = c
	}
	if c := strings.ToUpper(strings.TrimSpace(header)); isCountry(c) {
		ch.HeaderCountry = c
	}
	return ch, nil
}

// isCountry reports whether c is an assigned ISO 3166-1 alpha-2 code: CLDR
// knows the currency of every one. "XK" (Kosovo) is user-assigned but
// issued by proxies such as Cloudflare.
func isCountry(c string) bool {
	if len(c) != 2 {
		return false
	}
	_, ok := currency.ForCountryCode(c)
	return ok || c == "XK"
}
