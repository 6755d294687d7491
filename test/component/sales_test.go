package component

import (
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"time"

	"upgrades/domain"
)

// The owners' sales page answers in HTML, JSON and CSV with what was paid
// today; the ranges it cannot show are 422, and only owners see it.
func TestSalesPage(t *testing.T) {
	e := start(t, nil)
	owner := e.user("olive", domain.LevelOwner)
	alice := e.user("alice", domain.LevelMember)
	bob := e.user("bob", domain.LevelMember)
	e.api(alice).buy("platinum", bob.ID) // never paid: no sale
	e.pay(e.api(alice).buy("gold", 0).ID)
	e.pay(e.api(bob).buy("platinum", 0).ID)
	today := time.Now().UTC().Format(time.DateOnly)

	var got struct {
		From, To string
		Rows     []struct {
			Day, Currency string
			UpgradeType   string `json:"upgrade_type"`
			Sales, Net    int64
			SalesAmount   int64 `json:"sales_amount"`
		}
		Totals []struct {
			Currency    string
			Sales, Net  int64
			SalesAmount int64 `json:"sales_amount"`
		}
	}
	e.api(owner).get("/sales.json").status(http.StatusOK).decode(&got)
	from := time.Now().UTC().AddDate(0, 0, -29).Format(time.DateOnly)
	if got.From != from || got.To != today || len(got.Rows) != 2 || len(got.Totals) != 1 {
		t.Fatalf("the last 30 days: %+v", got)
	}
	if r := got.Rows[0]; r.Day != today || r.UpgradeType != "gold" || r.Currency != "usd" || r.Sales != 1 {
		t.Fatalf("first row %+v", r)
	}
	if tot := got.Totals[0]; tot.Sales != 2 || tot.SalesAmount != 6000 || tot.Net != 6000 {
		t.Fatalf("totals %+v", got.Totals)
	}

	page := e.loggedIn(owner).get("/sales").status(http.StatusOK)
	page.contains(`<figure class="chart">`, `role="img"`, "<title", "<desc", `href="/sales" aria-current="page"`, "$60.00", "USD by day and type")
	e.loggedIn(alice).get("/messages").status(http.StatusOK).lacks(`href="/sales"`)

	file := e.api(owner).get("/sales.csv?from=" + today + "&to=" + today).status(http.StatusOK)
	if ct := file.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("Content-Type %q", ct)
	}
	rows, err := csv.NewReader(strings.NewReader(file.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || strings.Join(rows[0], ",") != "day,upgrade_type,currency,sales,sales_amount,refunds,refunds_amount,net" ||
		strings.Join(rows[1], ",") != today+",gold,USD,1,$20.00,0,$0.00,$20.00" {
		t.Fatalf("CSV:\n%s", file.Body)
	}

	for _, q := range []string{
		"from=2026-13-01", "to=yesterday", "from=2026-03-02&to=2026-03-01", "from=2025-01-01&to=2026-01-02",
	} {
		e.api(owner).get("/sales.json?"+q).apiError(http.StatusUnprocessableEntity, "invalid")
		e.api(owner).get("/sales.csv?" + q).status(http.StatusUnprocessableEntity)
	}
	e.api(owner).get("/sales.json?from=2025-01-01&to=2026-01-01").status(http.StatusOK) // 366 days
	e.loggedIn(owner).get("/sales?from=2026-03-02&to=2026-03-01").status(http.StatusUnprocessableEntity).contains("after")

	e.api(alice).get("/sales.json").apiError(http.StatusForbidden, "forbidden")
	e.api(alice).get("/sales.csv").status(http.StatusForbidden)
	e.browser().get("/sales.json").apiError(http.StatusUnauthorized, "unauthenticated")
	e.browser().get("/sales.csv").status(http.StatusUnauthorized)
}
