package memory

import (
	"context"
	"sort"
	"time"

	"upgrades/application"
	"upgrades/domain"
)

// salesKey is a row of the daily sales totals.
type salesKey struct {
	day      time.Time
	kind     domain.UpgradeType
	currency string
}

type sales DB

var _ application.Sales = (*sales)(nil)

// add adds c to its day's totals, undone with the unit of work.
func (r *sales) add(c domain.DailySales) {
	if c.IsZero() {
		return
	}
	db := (*DB)(r)
	if db.sales == nil {
		db.sales = map[salesKey]domain.DailySales{}
	}
	k := salesKey{domain.Day(c.Day), c.Type, c.Currency}
	before, had := db.sales[k]
	sum := before
	sum.Day, sum.Type, sum.Currency = k.day, k.kind, k.currency
	sum.Sales += c.Sales
	sum.SalesAmount += c.SalesAmount
	sum.Refunds += c.Refunds
	sum.RefundsAmount += c.RefundsAmount
	db.sales[k] = sum
	db.onRollback(func() {
		if had {
			db.sales[k] = before
		} else {
			delete(db.sales, k)
		}
	})
}

func (r *sales) Daily(_ context.Context, from, to time.Time) ([]domain.DailySales, error) {
	from, to = domain.Day(from), domain.Day(to)
	var out []domain.DailySales
	for k, v := range r.sales {
		if !k.day.Before(from) && !k.day.After(to) {
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if !a.Day.Equal(b.Day) {
			return a.Day.Before(b.Day)
		}
		if a.Type != b.Type {
			return a.Type.String() < b.Type.String()
		}
		return a.Currency < b.Currency
	})
	return out, nil
}
