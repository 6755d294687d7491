package stripesim

import (
	"strconv"
	"strings"
)

// zeroDecimal are the currencies Stripe counts in whole units: an amount
// of 2000 jpy is ¥2,000, not ¥20.00 (Stripe's "zero-decimal currencies").
var zeroDecimal = map[string]bool{
	"bif": true, "clp": true, "djf": true, "gnf": true, "jpy": true, "kmf": true, "krw": true, "mga": true,
	"pyg": true, "rwf": true, "ugx": true, "vnd": true, "vuv": true, "xaf": true, "xof": true, "xpf": true,
}

// symbols are the signs the hosted page writes before an amount; other
// currencies are written with their code after it.
var symbols = map[string]string{"usd": "$", "eur": "€", "gbp": "£", "jpy": "¥"}

// formatAmount writes an amount in a currency's smallest unit the way the
// hosted page shows it: $20.00, €16.00, ¥2,000, 12.50 CHF. The simulation
// shows what Stripe would, so it keeps its own table rather than the shop's.
func formatAmount(amount int64, currency string) string {
	neg := amount < 0
	if neg {
		amount = -amount
	}
	major, minor := amount, ""
	if !zeroDecimal[currency] {
		major = amount / 100
		minor = "." + strconv.FormatInt(amount%100+100, 10)[1:]
	}
	s := groupThousands(strconv.FormatInt(major, 10)) + minor
	if sym, ok := symbols[currency]; ok {
		s = sym + s
	} else {
		s += " " + strings.ToUpper(currency)
	}
	if neg {
		s = "-" + s
	}
	return s
}

func groupThousands(digits string) string {
	var b strings.Builder
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	return b.String()
}
