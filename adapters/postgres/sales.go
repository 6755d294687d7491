package postgres

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"upgrades/application"
	"upgrades/domain"
)

// salesRow is a row of sales_daily, kept by Outcomes.Save.
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
type sales struct{ db bun.IDB }

var _ application.Sales = sales{}

func (r sales) Daily(ctx context.Context, from, to time.Time) ([]domain.DailySales, error) {
	var rows []salesRow
	err := r.db.NewSelect().Model(&rows).
		Where("day BETWEEN ?::date AND ?::date", from.UTC().Format(time.DateOnly), to.UTC().Format(time.DateOnly)).
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
