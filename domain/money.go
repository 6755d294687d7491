package domain

import (
	"fmt"
	"strings"
)

// Money is an amount in the smallest unit of a currency (cents for USD,
// yen for JPY). How it is shown to people (symbol, minor units, grouping)
// is the currency's business: the web edge formats it with a currency
// library, so the domain stays free of locale data.
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
	if err := ValidateCurrency(currency); err != nil {
		return Money{}, err
	}
	return Money{amount, currency}, nil
}

// ValidateCurrency checks the shape of a currency code: three lowercase
// letters, as Stripe writes them.
func ValidateCurrency(currency string) error {
	if len(currency) != 3 {
		return Errorf(KindInvalid, "currency must be a three-letter code, got %q", currency)
	}
	for _, r := range currency {
		if r < 'a' || r > 'z' {
			return Errorf(KindInvalid, "currency must be lowercase letters, got %q", currency)
		}
	}
	return nil
}

func (m Money) Amount() int64    { return m.amount }
func (m Money) Currency() string { return m.currency }
func (m Money) IsZero() bool     { return m.currency == "" }

// String is the amount in minor units and the code, e.g. "1600 eur": exact
// and unambiguous for logs and histories. People see the formatted amount.
func (m Money) String() string {
	return fmt.Sprintf("%d %s", m.amount, m.currency)
}

// Code is the currency's code in upper case, as people write it.
func (m Money) Code() string { return strings.ToUpper(m.currency) }
