package domain

import "fmt"

// Money is an amount in the smallest unit of a currency (cents for USD).
type Money struct {
	amount   int64
	currency string
}

// NewMoney validates a positive amount and a three-letter lowercase
// ISO currency code.
func NewMoney(amount int64, currency string) (Money, error) {
	if amount <= 0 {
		return Money{}, Errorf(KindInvalid, "amount must be positive, got %d", amount)
	}
	if len(currency) != 3 {
		return Money{}, Errorf(KindInvalid, "currency must be a three-letter code, got %q", currency)
	}
	for _, r := range currency {
		if r < 'a' || r > 'z' {
			return Money{}, Errorf(KindInvalid, "currency must be lowercase letters, got %q", currency)
		}
	}
	return Money{amount, currency}, nil
}

func (m Money) Amount() int64    { return m.amount }
func (m Money) Currency() string { return m.currency }
func (m Money) IsZero() bool     { return m.currency == "" }

// String renders the amount for people, e.g. "$20.00" or "20.00 EUR".
func (m Money) String() string {
	major := fmt.Sprintf("%d.%02d", m.amount/100, m.amount%100)
	if m.currency == "usd" {
		return "$" + major
	}
	return fmt.Sprintf("%s %s", major, upper(m.currency))
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}

// Prices maps every upgrade type to its price. Prices are configuration and
// are never taken from a request.
type Prices struct {
	byType map[string]Money
}

// NewPrices builds a catalogue; every type needs a price in one currency.
func NewPrices(currency string, gold, platinum, goldToPlatinum int64) (Prices, error) {
	p := Prices{byType: map[string]Money{}}
	for t, amount := range map[UpgradeType]int64{
		UpgradeGold: gold, UpgradePlatinum: platinum, UpgradeGoldToPlatinum: goldToPlatinum,
	} {
		m, err := NewMoney(amount, currency)
		if err != nil {
			return Prices{}, fmt.Errorf("price of %s: %w", t, err)
		}
		p.byType[t.slug] = m
	}
	return p, nil
}

// DefaultPrices are the prices of SPEC section 2.
func DefaultPrices() Prices {
	p, err := NewPrices("usd", 2000, 4000, 2000)
	if err != nil {
		panic(err)
	}
	return p
}

// Of returns the price of t.
func (p Prices) Of(t UpgradeType) Money { return p.byType[t.slug] }
