package domain

import (
	"slices"
	"time"
)

// PriceList is one currency's list prices, in its minor units.
type PriceList struct {
	Currency                       string
	Gold, Platinum, GoldToPlatinum int64
}

// Prices maps every upgrade type to its price in each configured currency.
// Prices are configuration and are never taken from a request.
type Prices struct {
	primary    string // the first currency: buyers whose country gives none configured pay in it
	byCurrency map[string]map[UpgradeType]Money
	sale       Sale
}

// NewPrices builds a catalogue for one currency.
func NewPrices(currency string, gold, platinum, goldToPlatinum int64) (Prices, error) {
	return NewPriceLists(PriceList{currency, gold, platinum, goldToPlatinum})
}

// NewPriceLists builds a catalogue from lists in several currencies; the
// first is the primary currency. Every list prices every type.
func NewPriceLists(lists ...PriceList) (Prices, error) {
	if len(lists) == 0 {
		return Prices{}, Errorf(KindInvalid, "prices need at least one currency")
	}
	p := Prices{primary: lists[0].Currency, byCurrency: map[string]map[UpgradeType]Money{}}
	for _, l := range lists {
		if _, dup := p.byCurrency[l.Currency]; dup {
			return Prices{}, Errorf(KindInvalid, "currency %q is priced twice", l.Currency)
		}
		byType := map[UpgradeType]Money{}
		for t, amount := range map[UpgradeType]int64{
			UpgradeGold: l.Gold, UpgradePlatinum: l.Platinum, UpgradeGoldToPlatinum: l.GoldToPlatinum,
		} {
			m, err := NewMoney(amount, l.Currency)
			if err != nil {
				return Prices{}, Errorf(KindInvalid, "price of %s in %s: %s", t, l.Currency, MessageOf(err))
			}
			byType[t] = m
		}
		p.byCurrency[l.Currency] = byType
	}
	return p, nil
}

// DefaultPrices are the prices of SPEC sections 2 and 10.
func DefaultPrices() Prices {
	p, err := NewPriceLists(PriceList{"usd", 2000, 4000, 2000}, PriceList{"eur", 1600, 3200, 1600})
	if err != nil {
		panic(err)
	}
	return p
}

// Primary is the currency of the first list.
func (p Prices) Primary() string { return p.primary }

// Currencies lists the configured currencies in order of code.
func (p Prices) Currencies() []string {
	out := make([]string, 0, len(p.byCurrency))
	for c := range p.byCurrency {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// Has reports whether currency has prices.
func (p Prices) Has(currency string) bool { _, ok := p.byCurrency[currency]; return ok }

// Of returns the list price of t in the primary currency.
func (p Prices) Of(t UpgradeType) Money { return p.byCurrency[p.primary][t] }

// List returns the list price of t in currency.
func (p Prices) List(currency string, t UpgradeType) (Money, error) {
	byType, ok := p.byCurrency[currency]
	if !ok {
		return Money{}, Errorf(KindInvalid, "there are no prices in %q; choose one of %v", currency, p.Currencies())
	}
	return byType[t], nil
}

// WithSale returns the catalogue with s running.
func (p Prices) WithSale(s Sale) Prices { p.sale = s; return p }

// Sale is the configured sale, running or not.
func (p Prices) Sale() Sale { return p.sale }

// Quote is what t costs in one currency at one moment.
type Quote struct {
	List  Money // the list price
	Price Money // what the buyer pays now: the list price, or the sale price during a sale
	Sale  Sale  // the running sale, zero when none
}

// OnSale reports whether the price is the sale's.
func (q Quote) OnSale() bool { return !q.Sale.IsZero() }

// At quotes t in currency at now: during a sale, the sale's price.
func (p Prices) At(currency string, t UpgradeType, now time.Time) (Quote, error) {
	list, err := p.List(currency, t)
	if err != nil {
		return Quote{}, err
	}
	q := Quote{List: list, Price: list}
	if p.sale.Running(now) {
		q.Price, q.Sale = p.sale.Apply(list), p.sale
	}
	return q, nil
}

// CheckMinimums refuses a catalogue with a price, list or sale, below the
// payment provider's smallest charge in its currency (minimum reports it,
// 0 when it knows none).
func (p Prices) CheckMinimums(minimum func(currency string) int64) error {
	for _, c := range p.Currencies() {
		for _, t := range UpgradeTypes {
			price := p.byCurrency[c][t]
			what := "price"
			if !p.sale.IsZero() {
				price, what = p.sale.Apply(price), "sale price"
			}
			if min := minimum(c); price.amount < min {
				return Errorf(KindInvalid, "the %s of %s in %s is %d, below the smallest charge the payment provider takes (%d)", what, t, c, price.amount, min)
			}
		}
	}
	return nil
}

// Sale lowers every price by a percentage until it ends.
type Sale struct {
	percent int
	ends    time.Time
	name    string
}

// NewSale validates a sale of 1 to 90 percent off that ends at ends.
func NewSale(percent int, ends time.Time, name string) (Sale, error) {
	if percent < 1 || percent > 90 {
		return Sale{}, Errorf(KindInvalid, "a sale takes 1 to 90 percent off, not %d", percent)
	}
	if ends.IsZero() {
		return Sale{}, Errorf(KindInvalid, "a sale needs an end")
	}
	return Sale{percent: percent, ends: ends, name: name}, nil
}

func (s Sale) Percent() int    { return s.percent }
func (s Sale) Ends() time.Time { return s.ends }
func (s Sale) Name() string    { return s.name }
func (s Sale) IsZero() bool    { return s.percent == 0 }

// Running reports whether the sale is on at now: it ends at Ends.
func (s Sale) Running(now time.Time) bool { return !s.IsZero() && now.Before(s.ends) }

// Apply is m with the sale's percentage off, rounded half up in minor
// units (SPEC §10).
func (s Sale) Apply(m Money) Money {
	keep := int64(100 - s.percent)
	m.amount = (m.amount*keep + 50) / 100
	return m
}

// euroArea is every country that pays in euros, by ISO 3166-1 alpha-2
// code: the euro area's members (Bulgaria from 2026) and the countries
// that use the euro by agreement. The one place this list lives.
var euroArea = map[string]bool{
	"AT": true, "BE": true, "BG": true, "CY": true, "DE": true, "EE": true, "ES": true,
	"FI": true, "FR": true, "GR": true, "HR": true, "IE": true, "IT": true, "LT": true,
	"LU": true, "LV": true, "MT": true, "NL": true, "PT": true, "SI": true, "SK": true,
	"AD": true, "MC": true, "SM": true, "VA": true, "ME": true, "XK": true,
}

// CurrencyOfCountry is the currency a country pays in: euros in the euro
// area, US dollars everywhere else. country is an upper-case ISO 3166-1
// alpha-2 code, checked by the caller.
func CurrencyOfCountry(country string) string {
	if euroArea[country] {
		return "eur"
	}
	return "usd"
}

// CurrencyChoice is what a request says about the buyer's currency.
type CurrencyChoice struct {
	Currency      string // asked for by name (?currency=)
	Country       string // the country the buyer named (?country=)
	HeaderCountry string // the country a proxy reported (COUNTRY_HEADER)
}

// Choose picks the currency: the one named, else the country's, else the
// primary one. A currency or country the buyer named that has no prices
// is refused; a country the proxy reported falls back to the primary
// currency, since the buyer asked for nothing.
func (p Prices) Choose(c CurrencyChoice) (string, error) {
	switch {
	case c.Currency != "":
		if err := ValidateCurrency(c.Currency); err != nil {
			return "", err
		}
		if !p.Has(c.Currency) {
			return "", Errorf(KindInvalid, "there are no prices in %q; choose one of %v", c.Currency, p.Currencies())
		}
		return c.Currency, nil
	case c.Country != "":
		cur := CurrencyOfCountry(c.Country)
		if !p.Has(cur) {
			return "", Errorf(KindInvalid, "there are no prices in %s, the currency of %s", cur, c.Country)
		}
		return cur, nil
	case c.HeaderCountry != "" && p.Has(CurrencyOfCountry(c.HeaderCountry)):
		return CurrencyOfCountry(c.HeaderCountry), nil
	}
	return p.primary, nil
}
