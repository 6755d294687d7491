package application

import (
	"context"
	"sort"
	"strings"
	"time"

	"upgrades/domain"
)

// ShowSales reads the sales of a range of days for owners.
type ShowSales struct {
	ViewerID domain.UserID
	// From and To are UTC days, YYYY-MM-DD, both included; empty, the
	// range is the DefaultSalesDays days ending today.
	From, To string
}

// The sales page's ranges.
const (
	DefaultSalesDays = 30
	MaxSalesDays     = 366 // a year, leap or not
)

// SalesReport is what was sold and refunded over a range of days.
type SalesReport struct {
	From, To time.Time // midnight UTC of the first and the last day
	// Rows are the days, types and currencies with a sale or a refund,
	// oldest first.
	Rows []domain.DailySales
	// Currencies are the currencies of Rows, by code.
	Currencies []CurrencySales
}

// CurrencySales are one currency's sales over the range: its totals, and
// every day of the range with all types together (zero for a quiet day).
type CurrencySales struct {
	Currency string
	Total    domain.DailySales
	Days     []domain.DailySales
}

type ShowSalesHandler struct {
	uow   UnitOfWork
	clock Clock
}

func NewShowSalesHandler(uow UnitOfWork, clock Clock) ShowSalesHandler {
	return ShowSalesHandler{uow, clock}
}

func (h ShowSalesHandler) Handle(ctx context.Context, cmd ShowSales) (SalesReport, error) {
	from, to, err := salesRange(cmd.From, cmd.To, h.clock.Now())
	if err != nil {
		return SalesReport{}, err
	}
	report := SalesReport{From: from, To: to}
	err = h.uow.Do(ctx, func(ctx context.Context, s Store) error {
		viewer, err := requireUser(ctx, s, cmd.ViewerID)
		if err != nil {
			return err
		}
		if !viewer.IsOwner() {
			return domain.Errorf(domain.KindForbidden, "only owners see the sales")
		}
		report.Rows, err = s.Sales.Daily(ctx, from, to)
		return err
	})
	if err != nil {
		return SalesReport{}, err
	}
	report.Currencies = byCurrency(report.Rows, from, to)
	return report, nil
}

// salesRange reads a range of days; either end missing is taken from the
// default range ending today.
func salesRange(fromText, toText string, now time.Time) (from, to time.Time, err error) {
	to = domain.Day(now)
	if t := strings.TrimSpace(toText); t != "" {
		if to, err = time.Parse(time.DateOnly, t); err != nil {
			return from, to, domain.Errorf(domain.KindInvalid, "to must be a day written YYYY-MM-DD, got %q", t)
		}
	}
	from = to.AddDate(0, 0, 1-DefaultSalesDays)
	if f := strings.TrimSpace(fromText); f != "" {
		if from, err = time.Parse(time.DateOnly, f); err != nil {
			return from, to, domain.Errorf(domain.KindInvalid, "from must be a day written YYYY-MM-DD, got %q", f)
		}
	}
	switch days := int(to.Sub(from)/(24*time.Hour)) + 1; {
	case days < 1:
		return from, to, domain.Errorf(domain.KindInvalid, "from (%s) is after to (%s)", from.Format(time.DateOnly), to.Format(time.DateOnly))
	case days > MaxSalesDays:
		return from, to, domain.Errorf(domain.KindInvalid, "a range covers at most %d days, this one %d", MaxSalesDays, days)
	}
	return from, to, nil
}

// byCurrency sums the rows of each currency, per day and in all.
func byCurrency(rows []domain.DailySales, from, to time.Time) []CurrencySales {
	index := map[string]int{}
	var out []CurrencySales
	for _, r := range rows {
		i, ok := index[r.Currency]
		if !ok {
			i = len(out)
			index[r.Currency] = i
			c := CurrencySales{Currency: r.Currency, Total: domain.DailySales{Day: from, Currency: r.Currency}}
			for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
				c.Days = append(c.Days, domain.DailySales{Day: d, Currency: r.Currency})
			}
			out = append(out, c)
		}
		c := &out[i]
		day := &c.Days[int(r.Day.Sub(from)/(24*time.Hour))]
		for _, sum := range []*domain.DailySales{day, &c.Total} {
			sum.Sales += r.Sales
			sum.SalesAmount += r.SalesAmount
			sum.Refunds += r.Refunds
			sum.RefundsAmount += r.RefundsAmount
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Currency < out[j].Currency })
	return out
}
