package postgres

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"upgrades/application"
	"upgrades/domain"
)

// salesSlots is how many rows sales_daily splits a day, type and
// currency into (the migration's CHECK): an upgrade's sales go to the
// slot of its id modulo salesSlots.
const salesSlots = 16

// salesRow is a day, type and currency of sales_daily, its slots added up.
type salesRow struct {
	bun.BaseModel `bun:"table:sales_daily"`

	Day           time.Time `bun:"day"`
	UpgradeType   string    `bun:"upgrade_type"`
	Currency      string    `bun:"currency"`
	Sales         int64     `bun:"sales"`
	SalesAmount   int64     `bun:"sales_amount"`
	Refunds       int64     `bun:"refunds"`
	RefundsAmount int64     `bun:"refunds_amount"`
}

// sales is the Sales repository bound to one transaction.
type sales struct{ db conn }

var _ application.Sales = sales{}

func (r sales) Daily(ctx context.Context, from, to time.Time) ([]domain.DailySales, error) {
	var rows []salesRow
	err := r.db.NewSelect().Model(&rows).
		Column("day", "upgrade_type", "currency").
		ColumnExpr("sum(sales) AS sales, sum(sales_amount) AS sales_amount").
		ColumnExpr("sum(refunds) AS refunds, sum(refunds_amount) AS refunds_amount").
		Where("day BETWEEN ?::date AND ?::date", from.UTC().Format(time.DateOnly), to.UTC().Format(time.DateOnly)).
		Group("day", "upgrade_type", "currency").
		Order("day", "upgrade_type", "currency").Scan(ctx)
	if err != nil {
		return nil, translate(err, "read the daily sales")
	}
	out := make([]domain.DailySales, len(rows))
	for i, row := range rows {
		t, err := domain.ParseUpgradeType(row.UpgradeType)
		if err != nil {
			return nil, err
		}
		out[i] = domain.DailySales{
			Day: domain.Day(row.Day), Type: t, Currency: row.Currency,
			Sales: row.Sales, SalesAmount: row.SalesAmount, Refunds: row.Refunds, RefundsAmount: row.RefundsAmount,
		}
	}
	return out, nil
}
