package server

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/bojanz/currency"

	stripeadapter "upgrades/adapters/stripe"
	"upgrades/domain"
)

// PRICES is a comma-separated list of currencies, each its code and the
// prices of gold, platinum and gold→platinum in the currency's major units,
// separated by slashes:
//
//	usd 20.00/40.00/20.00, eur 16.00/32.00/16.00, jpy 2000/4000/2000
//
// The first currency is the one paid when the buyer's country gives none
// configured. An amount with more decimals than its currency has (16.005
// euros, 2000.5 yen) is refused: the price would not be what was written.

// parsePrices reads PRICES.
func parsePrices(s string) (domain.Prices, error) {
	var lists []domain.PriceList
	for _, entry := range strings.Split(s, ",") {
		entry = strings.TrimSpace(entry)
		code, amounts, ok := strings.Cut(entry, " ")
		parts := strings.Split(strings.TrimSpace(amounts), "/")
		if !ok || len(parts) != 3 {
			return domain.Prices{}, fmt.Errorf("PRICES: %q is not a currency and three prices, such as \"eur 16.00/32.00/16.00\" (gold/platinum/gold to platinum)", entry)
		}
		code = strings.ToUpper(code)
		digits, known := currency.GetDigits(code)
		if !known {
			return domain.Prices{}, fmt.Errorf("PRICES: %q is not an ISO 4217 currency code", code)
		}
		var minor [3]int64
		for i, p := range parts {
			n, err := minorUnits(strings.TrimSpace(p), code, digits)
			if err != nil {
				return domain.Prices{}, fmt.Errorf("PRICES: %s %s: %v", code, p, err)
			}
			minor[i] = n
		}
		lists = append(lists, domain.PriceList{Currency: strings.ToLower(code), Gold: minor[0], Platinum: minor[1], GoldToPlatinum: minor[2]})
	}
	p, err := domain.NewPriceLists(lists...)
	if err != nil {
		return p, fmt.Errorf("PRICES: %s", domain.MessageOf(err))
	}
	return p, nil
}

// minorUnits reads an amount in major units, with no more decimals than
// the currency has.
func minorUnits(s, code string, digits uint8) (int64, error) {
	a, err := currency.NewAmount(s, code)
	if err != nil {
		return 0, fmt.Errorf("not an amount")
	}
	if !a.RoundTo(digits, currency.RoundHalfUp).Equal(a) {
		return 0, fmt.Errorf("%s has %d decimals", code, digits)
	}
	if !a.IsPositive() {
		return 0, fmt.Errorf("a price must be more than zero")
	}
	return a.Int64()
}

// formatPrices writes prices as PRICES reads them (the default's --help).
func formatPrices(p domain.Prices) string {
	cur := append([]string{p.Primary()}, without(p.Currencies(), p.Primary())...)
	var out []string
	for _, c := range cur {
		var amounts []string
		for _, t := range domain.UpgradeTypes {
			m, _ := p.List(c, t)
			a, err := currency.NewAmountFromInt64(m.Amount(), m.Code())
			if err != nil {
				amounts = append(amounts, strconv.FormatInt(m.Amount(), 10))
				continue
			}
			amounts = append(amounts, a.Number())
		}
		out = append(out, c+" "+strings.Join(amounts, "/"))
	}
	return strings.Join(out, ", ")
}

func without(list []string, s string) []string {
	var out []string
	for _, v := range list {
		if v != s {
			out = append(out, v)
		}
	}
	return out
}

// legacyPrices is the line that replaces the PRICE_* settings of earlier
// versions, which are refused rather than silently ignored.
func legacyPrices(f Flags) error {
	if f.PriceCurrency == "" && f.PriceGold == "" && f.PricePlatinum == "" && f.PriceGoldToPlatinum == "" {
		return nil
	}
	suggestion := "PRICES=\"usd 20.00/40.00/20.00, eur 16.00/32.00/16.00\""
	cur := strings.ToUpper(f.PriceCurrency)
	if cur == "" {
		cur = "USD"
	}
	var major []string
	for _, v := range []string{f.PriceGold, f.PricePlatinum, f.PriceGoldToPlatinum} {
		n, err := strconv.ParseInt(v, 10, 64)
		a, aerr := currency.NewAmountFromInt64(n, cur)
		if err != nil || aerr != nil {
			major = nil
			break
		}
		major = append(major, a.Number())
	}
	if len(major) == 3 {
		suggestion = fmt.Sprintf("PRICES=%q", strings.ToLower(cur)+" "+strings.Join(major, "/"))
	}
	return fmt.Errorf("PRICE_CURRENCY, PRICE_GOLD, PRICE_PLATINUM and PRICE_GOLD_TO_PLATINUM are replaced by PRICES, in major units: write %s", suggestion)
}

// sale reads SALE_PERCENT, SALE_ENDS and SALE_NAME; no percentage, no sale.
func sale(f Flags, prices domain.Prices) (domain.Prices, error) {
	if f.SalePercent == "" {
		if f.SaleEnds != "" || f.SaleName != "" {
			return prices, fmt.Errorf("SALE_ENDS and SALE_NAME need SALE_PERCENT")
		}
		return prices, nil
	}
	pct, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(f.SalePercent), "%"))
	if err != nil || pct < 1 || pct > 90 {
		return prices, fmt.Errorf("SALE_PERCENT must be a whole number from 1 to 90, not %q", f.SalePercent)
	}
	ends, err := time.Parse(time.RFC3339, f.SaleEnds)
	if err != nil {
		return prices, fmt.Errorf("SALE_ENDS must be an RFC 3339 time such as 2026-12-31T23:59:59Z, not %q", f.SaleEnds)
	}
	s, err := domain.NewSale(pct, ends, strings.TrimSpace(f.SaleName))
	if err != nil {
		return prices, fmt.Errorf("sale: %s", domain.MessageOf(err))
	}
	return prices.WithSale(s), nil
}

// checkMinimums refuses prices, list or sale, that Stripe would refuse.
func checkMinimums(p domain.Prices) error {
	if err := p.CheckMinimums(stripeadapter.MinimumCharge); err != nil {
		return fmt.Errorf("prices: %s", domain.MessageOf(err))
	}
	return nil
}
