package bench_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"upgrades/application"
)

// listCase is one list page as a user asks for it.
type listCase struct {
	Name  string `json:"name"`
	User  string `json:"user"`
	Query string `json:"query"`
	// At each table size ("10k", "1m").
	At map[string]*listFigure `json:"at"`
	// Ratio is the 1M median over the 10k median; RatioP95 the same of p95.
	Ratio    float64 `json:"ratio_p50"`
	RatioP95 float64 `json:"ratio_p95"`
}

type listFigure struct {
	Rows  int64   `json:"rows_in_table"`
	P50MS float64 `json:"p50_ms"`
	P95MS float64 `json:"p95_ms"`
	Items int     `json:"items_on_page"`
}

// listCases are every filter of the list, as the owner (who sees every
// upgrade) uses them, the owner's unfiltered first and 100th page, and a
// member's own list, which is what most people open; the people named are
// user1, the busiest customer, whose pages are full at either size.
func listCases() []*listCase {
	q := func(kv ...string) string {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v.Encode()
	}
	return []*listCase{
		{Name: "owner, first page", User: "owner"},
		{Name: "owner, page 100", User: "owner", Query: q("page", "100")},
		{Name: "owner, by recipient name", User: "owner", Query: q("search[recipient_name]", "user1")},
		{Name: "owner, by purchaser name", User: "owner", Query: q("search[purchaser_name]", "user1")},
		{Name: "owner, by type", User: "owner", Query: q("search[upgrade_type]", "gold_to_platinum")},
		{Name: "owner, by status", User: "owner", Query: q("search[status]", "pending")},
		{Name: "owner, gifted", User: "owner", Query: q("search[is_gifted]", "true")},
		{Name: "member, own first page", User: "user1"},
	}
}

// measureList fills the table to rows upgrades and times every list case
// one request at a time (after a few to warm up), as one person paging.
func (b *bench) measureList(size string, rows int64) {
	t := b.t
	took := b.fillTo(rows)
	if took > 0 {
		t.Logf("bulk-loaded the upgrades to %d rows in %v", rows, took.Round(time.Millisecond))
		b.rep.List.SeedSeconds = append(b.rep.List.SeedSeconds, took.Seconds())
	}
	actual := b.db.int(t, "SELECT count(*) FROM upgrades")
	t.Logf("listing with %d upgrades", actual)
	for _, c := range b.rep.List.Cases {
		u := b.url("/user_upgrades.json")
		if c.Query != "" {
			u += "?" + c.Query
		}
		var items int
		get := func(int) error {
			req, err := http.NewRequest(http.MethodGet, u, nil)
			if err != nil {
				return err
			}
			req.SetBasicAuth(c.User, apiKey(c.User))
			body, err := b.do(req, http.StatusOK)
			if err != nil {
				return err
			}
			var page struct {
				UserUpgrades []json.RawMessage `json:"user_upgrades"`
			}
			if err := json.Unmarshal(body, &page); err != nil {
				return fmt.Errorf("reading the list: %v", err)
			}
			items = len(page.UserUpgrades)
			return nil
		}
		closedLoop(10, 1, get)
		r := closedLoop(*listN, 1, get)
		if r.errors > 0 {
			t.Fatalf("%s: %d of %d requests failed: %v", c.Name, r.errors, *listN, r.firstErr)
		}
		if items != application.DefaultPageSize {
			t.Fatalf("%s: %d upgrades on the page; the seed does not fit the case", c.Name, items)
		}
		if c.At == nil {
			c.At = map[string]*listFigure{}
		}
		c.At[size] = &listFigure{Rows: actual, P50MS: ms(r.lat.percentile(50)), P95MS: ms(r.lat.percentile(95)), Items: items}
		if small, big := c.At["10k"], c.At["1m"]; small != nil && big != nil {
			c.Ratio = big.P50MS / small.P50MS
			c.RatioP95 = big.P95MS / small.P95MS
		}
	}
}
