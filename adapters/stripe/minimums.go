package stripe

import "strings"

// minimumCharges are Stripe's smallest charges per settlement currency, in
// minor units (https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts).
// A price below its currency's minimum is refused by Stripe at checkout, so
// the server refuses it at startup instead.
var minimumCharges = map[string]int64{
	"usd": 50, "aed": 200, "aud": 50, "bgn": 100, "brl": 50, "cad": 50, "chf": 50,
	"czk": 1500, "dkk": 250, "eur": 50, "gbp": 30, "hkd": 400, "huf": 17500,
	"inr": 50, "jpy": 50, "mxn": 1000, "myr": 200, "nok": 300, "nzd": 50,
	"pln": 200, "ron": 200, "sek": 300, "sgd": 50, "thb": 1000,
}

// MinimumCharge is Stripe's smallest charge in currency, in its minor
// units; for a currency not listed, the equivalent of $0.50 is unknown and
// 1 is returned, leaving the check to Stripe.
func MinimumCharge(currency string) int64 {
	if m, ok := minimumCharges[strings.ToLower(currency)]; ok {
		return m
	}
	return 1
}
