package http

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"upgrades/application"
	"upgrades/domain"
)

// salesJSON is the sales of a range of days. Amounts are in the
// currency's minor units, as everywhere in the API.
type salesJSON struct {
	From   string           `json:"from"`
	To     string           `json:"to"`
	Rows   []salesRowJSON   `json:"rows"`
	Totals []salesTotalJSON `json:"totals"`
}

type salesRowJSON struct {
	Day         string `json:"day"`
	UpgradeType string `json:"upgrade_type"`
	salesTotalJSON
}

type salesTotalJSON struct {
	Currency      string `json:"currency"`
	Sales         int64  `json:"sales"`
	SalesAmount   int64  `json:"sales_amount"`
	Refunds       int64  `json:"refunds"`
	RefundsAmount int64  `json:"refunds_amount"`
	Net           int64  `json:"net"`
}

func salesTotalOut(d domain.DailySales) salesTotalJSON {
	return salesTotalJSON{Currency: d.Currency, Sales: d.Sales, SalesAmount: d.SalesAmount,
		Refunds: d.Refunds, RefundsAmount: d.RefundsAmount, Net: d.Net()}
}

// salesPage is the sales page: the range's form, and each currency's
// chart and table.
type salesPage struct {
	application.SalesReport
	FromText, ToText string
	Charts           []salesChart
	Query            string // the range, for the download links
}

// sales answers /sales in HTML or JSON, and /sales.csv.
func (h *handlers) sales(c *gin.Context) {
	report, ok := h.salesReport(c)
	if !ok {
		return
	}
	if wantsJSON(c) {
		out := salesJSON{From: report.From.Format(time.DateOnly), To: report.To.Format(time.DateOnly),
			Rows: make([]salesRowJSON, len(report.Rows)), Totals: make([]salesTotalJSON, len(report.Currencies))}
		for i, r := range report.Rows {
			out.Rows[i] = salesRowJSON{Day: r.Day.Format(time.DateOnly), UpgradeType: r.Type.String(), salesTotalJSON: salesTotalOut(r)}
		}
		for i, cur := range report.Currencies {
			out.Totals[i] = salesTotalOut(cur.Total)
		}
		c.JSON(http.StatusOK, out)
		return
	}
	data := salesPage{SalesReport: report, FromText: report.From.Format(time.DateOnly), ToText: report.To.Format(time.DateOnly)}
	data.Query = "from=" + data.FromText + "&to=" + data.ToText
	for _, cur := range report.Currencies {
		data.Charts = append(data.Charts, newSalesChart(cur))
	}
	h.page(c, http.StatusOK, "sales.html", "Sales", data)
}

// salesReport reads the range the query asks for; on an error it answers.
func (h *handlers) salesReport(c *gin.Context) (application.SalesReport, bool) {
	cmd := application.ShowSales{ViewerID: viewerID(c), From: c.Query("from"), To: c.Query("to")}
	report, err := h.app.ShowSales.Handle(c.Request.Context(), cmd)
	if err != nil {
		h.fail(c, err)
		return report, false
	}
	return report, true
}

// salesCSV answers /sales.csv: the rows of /sales.json, amounts formatted
// by each currency's rules.
func (h *handlers) salesCSV(c *gin.Context) {
	report, ok := h.salesReport(c)
	if !ok {
		return
	}
	cw := startCSV(c, fmt.Sprintf("sales-%s-%s.csv", report.From.Format(time.DateOnly), report.To.Format(time.DateOnly)))
	err := cw.row("day", "upgrade_type", "currency", "sales", "sales_amount", "refunds", "refunds_amount", "net")
	for _, r := range report.Rows {
		if err != nil {
			break
		}
		err = cw.row(r.Day.Format(time.DateOnly), r.Type.String(), strings.ToUpper(r.Currency),
			strconv.FormatInt(r.Sales, 10), formatMinor(r.SalesAmount, r.Currency),
			strconv.FormatInt(r.Refunds, 10), formatMinor(r.RefundsAmount, r.Currency), formatMinor(r.Net(), r.Currency))
	}
	if err == nil {
		err = cw.flush()
	}
	if err != nil {
		// The status is sent: all that is left is to say why it stopped.
		h.log.WarnContext(c.Request.Context(), "sales download cut short", "err", err)
	}
}

// The chart's drawing: one slot of barSlot units per day, barHeight
// units tall. It is stretched to the page's width and a fixed height
// (preserveAspectRatio none: bars stretch well, text would not), so its
// labels are HTML around it.
const (
	barSlot   = 10.0
	barHeight = 100.0
)

// salesChart is one currency's bars: a day's sales above the line and
// its refunds below, on one scale.
type salesChart struct {
	Currency string
	ID       string // for aria-labelledby
	Title    string
	Desc     string
	Width    float64
	Height   float64
	Baseline float64
	Bars     []salesBar
	MaxLabel string
	FirstDay string
	LastDay  string
	Total    domain.DailySales
}

type salesBar struct {
	X, Width           float64
	SalesY, SalesH     float64
	RefundsY, RefundsH float64
}

func newSalesChart(cur application.CurrencySales) salesChart {
	money := func(a int64) string { return formatMinor(a, cur.Currency) }
	ch := salesChart{
		Currency: strings.ToUpper(cur.Currency), ID: "chart-" + cur.Currency,
		Width: barSlot * float64(len(cur.Days)), Height: barHeight, Total: cur.Total,
	}
	var maxSales, maxRefunds int64
	busiest := cur.Days[0]
	for _, d := range cur.Days {
		maxSales, maxRefunds = max(maxSales, d.SalesAmount), max(maxRefunds, d.RefundsAmount)
		if d.SalesAmount > busiest.SalesAmount {
			busiest = d
		}
	}
	span := float64(maxSales + maxRefunds)
	if span == 0 {
		span = 1
	}
	scale := barHeight / span
	ch.Baseline = float64(maxSales) * scale
	for i, d := range cur.Days {
		b := salesBar{X: float64(i)*barSlot + barSlot*0.1, Width: barSlot * 0.8}
		b.SalesH = float64(d.SalesAmount) * scale
		b.SalesY = ch.Baseline - b.SalesH
		b.RefundsY, b.RefundsH = ch.Baseline, float64(d.RefundsAmount)*scale
		ch.Bars = append(ch.Bars, b)
	}
	ch.MaxLabel = money(maxSales)
	first, last := cur.Days[0].Day, cur.Days[len(cur.Days)-1].Day
	ch.FirstDay, ch.LastDay = first.Format("2 Jan"), last.Format("2 Jan")
	ch.Title = fmt.Sprintf("Sales and refunds in %s per day, %s to %s", ch.Currency, first.Format("2 Jan 2006"), last.Format("2 Jan 2006"))
	ch.Desc = fmt.Sprintf("Bars above the line are each day's sales, below it its refunds. In all, %d sales for %s, %d refunds for %s, %s net.",
		cur.Total.Sales, money(cur.Total.SalesAmount), cur.Total.Refunds, money(cur.Total.RefundsAmount), money(cur.Total.Net()))
	if busiest.SalesAmount > 0 {
		ch.Desc += fmt.Sprintf(" The best day was %s, with %s.", busiest.Day.Format("2 Jan"), money(busiest.SalesAmount))
	}
	return ch
}
