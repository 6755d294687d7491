package bench_test

import (
	"net/http"
	"time"
)

func init() { salesMeasure = (*bench).measureSalesCase }

// measureSalesCase times the owners' sales page of the last 30 days with
// a million upgrades paid over two years (seedSales) beside what the
// other sections left, on the server under test; the gate is the slower
// of the page's two forms, HTML and JSON.
func (b *bench) measureSalesCase() *salesResult {
	t := b.t
	start := time.Now()
	seedSales(t, b.db, 1_000_000)
	t.Logf("seeded a million paid upgrades over two years in %v", time.Since(start).Round(time.Millisecond))
	b.restartServer()
	s := measureSales(t, b.url(""), func(r *http.Request) { r.SetBasicAuth("owner", apiKey("owner")) })
	return &salesResult{P50MS: s.Page.P50MS, P95: exact(max(s.Page.P95MS, s.JSON.P95MS)), TargetP95MS: 50,
		Command: sectionCommand("sales")}
}
