package bench_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"upgrades/application"
)

type listResult struct {
	Cases []*listCase `json:"cases"`
	// Skipped are the cases this revision cannot answer, and why.
	Skipped     []string  `json:"skipped,omitempty"`
	SeedSeconds []float64 `json:"bulk_load_seconds"`
	// Aged is how many upgrades of the big table were updated after its
	// load, as a shop's history updates them.
	Aged int64 `json:"aged_upgrades"`
	// WebhookRate is the rate of the webhooks sent during the cases
	// marked under load.
	WebhookRate float64 `json:"webhooks_per_second_under_load"`
	// HostMS is the host's time for a fixed piece of work (hostMS) before
	// and after each size's cases. The two sizes are measured minutes
	// apart; when these timings are more than HostMax apart, the host's
	// speed moved between them and their ratio decides nothing.
	HostMS  map[string][2]float64 `json:"host_ms"`
	HostMax float64               `json:"host_max"`
	// Awake says whether the processors were kept from idling while the
	// cases without webhooks ran (keepAwake).
	Awake       bool    `json:"processors_kept_awake"`
	TargetP95MS float64 `json:"target_p95_ms"`
	TargetRatio float64 `json:"target_ratio_p95"`
	Command     string  `json:"command"`
}

// listCase is one list page as a user asks for it.
type listCase struct {
	Name  string `json:"name"`
	User  string `json:"user"`
	Query string `json:"query"`
	// Empty is a case whose page has nothing on it; the others' pages
	// are full.
	Empty bool `json:"empty,omitempty"`
	// BigOnly is a case only the big table has enough rows for.
	BigOnly bool `json:"big_only,omitempty"`
	// UnderLoad is a case measured while webhooks arrive at the fixed rate.
	UnderLoad bool `json:"under_load,omitempty"`
	// At each table size ("10k", "1m").
	At map[string]*listFigure `json:"at"`
	// RatioP95 is the 1M p95 over the 10k p95.
	RatioP95 *interval `json:"ratio_p95,omitempty"`
}

type listFigure struct {
	Rows  int64    `json:"rows_in_table"`
	P50MS float64  `json:"p50_ms"`
	P95MS float64  `json:"p95_ms"`
	P95   interval `json:"p95_interval_ms"`
	Items int      `json:"items_on_page"`

	lat latencies
}

// listCases are every filter of the list as the owner (who sees every
// upgrade) uses them, alone, combined and empty; the owner's first, 100th
// and 1000th page (numbered pages stop there) and, where the server has
// them, keyset pages deep in the table; a member's own list (what most
// people open) and their 100th page; and user2, who receives a gift in a
// hundred upgrades. Each is measured alone and again while webhooks arrive
// at the fixed rate. user1, the busiest customer, has full pages at
// either size.
func listCases() []*listCase {
	q := func(kv ...string) string {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v.Encode()
	}
	cases := []*listCase{
		{Name: "owner, first page", User: "owner"},
		{Name: "owner, page 100", User: "owner", Query: q("page", "100")},
		{Name: "owner, page 1000", User: "owner", Query: q("page", "1000"), BigOnly: true},
		{Name: "owner, keyset page in the middle", User: "owner", Query: "page=b{middle}"},
		{Name: "owner, keyset page near the end", User: "owner", Query: "page=b{end}"},
		{Name: "owner, by recipient name", User: "owner", Query: q("search[recipient_name]", "user1")},
		{Name: "owner, by purchaser name", User: "owner", Query: q("search[purchaser_name]", "user1")},
		{Name: "owner, by type", User: "owner", Query: q("search[upgrade_type]", "gold_to_platinum")},
		{Name: "owner, by status", User: "owner", Query: q("search[status]", "pending")},
		{Name: "owner, gifted", User: "owner", Query: q("search[is_gifted]", "true")},
		{Name: "owner, combined filters", User: "owner", Query: q("search[status]", "complete", "search[upgrade_type]", "gold", "search[is_gifted]", "true")},
		{Name: "owner, empty filters", User: "owner", Query: "search[recipient_name]=&search[purchaser_name]=&search[upgrade_type]=&search[status]=&search[is_gifted]="},
		{Name: "owner, filter matching nothing", User: "owner", Query: q("search[recipient_name]", "nobody-by-this-name"), Empty: true},
		{Name: "member, own first page", User: "user1"},
		{Name: "member, own page 100", User: "user1", Query: q("page", "100"), BigOnly: true},
		{Name: "member with many gifts received", User: "user2"},
	}
	alone := len(cases)
	for _, c := range cases[:alone] {
		loaded := *c
		loaded.Name += ", under webhooks"
		loaded.UnderLoad = true
		cases = append(cases, &loaded)
	}
	return cases
}

// query is the case's query on a table of rows upgrades: keyset pages
// start in its middle or near its end.
func (c *listCase) query(rows int64) string {
	return strings.NewReplacer("{middle}", strconv.FormatInt(rows/2, 10), "{end}", strconv.FormatInt(max(rows/100, 100), 10)).Replace(c.Query)
}

// keyset says whether the server answers keyset pages.
func (b *bench) keyset() (bool, string) {
	req, err := http.NewRequest(http.MethodGet, b.url("/user_upgrades.json?page=b100"), nil)
	if err != nil {
		b.t.Fatal(err)
	}
	req.SetBasicAuth("owner", apiKey("owner"))
	res, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode == http.StatusOK, fmt.Sprintf("keyset pages (page=b<id>): the server answers %d", res.StatusCode)
}

// measureList fills the table to rows upgrades (aging the big one),
// restarts the server so that each size starts as cold, and times every
// list case one request at a time (after a few to warm up), as one person
// paging; the cases under load meanwhile receive webhooks, at one rate
// for both sizes.
func (b *bench) measureList(size string, rows int64) {
	t := b.t
	l := b.rep.List
	l.TargetP95MS, l.TargetRatio, l.HostMax = 30, 1.5, *hostMax
	if l.WebhookRate == 0 {
		// Both sizes take the webhooks at the rate of the first, so that
		// their ratio under webhooks compares the same load. The small
		// table is measured before the webhook sections have measured
		// pgbench's rate: it is -perf.rate, else 100/s.
		l.WebhookRate = b.backgroundRate()
	}
	// The webhooks' upgrades are seeded before the table is filled to its
	// size, so that it holds rows upgrades with them; they are made for
	// the loaded cases at 10 ms a request at 10k, 30 ms above.
	perRequest := 0.03
	if size == "10k" {
		perRequest = 0.01
	}
	var loaded int
	for _, c := range l.Cases {
		if c.UnderLoad {
			loaded++
		}
	}
	mix := b.eventMix("lw"+size+"_", int(l.WebhookRate*(float64(loaded*(*listN+10))*perRequest+10)), 5)
	// The small table is exactly its size. The big one is a shop's
	// history of its size, beside the fresh upgrades the webhook sections
	// seeded (complete, self-bought Gold), which would otherwise be most
	// of it and skew what the filters find.
	took := b.fillTo(rows, size != "10k")
	if took > 0 {
		t.Logf("bulk-loaded the upgrades to %d rows in %v", rows, took.Round(time.Millisecond))
		l.SeedSeconds = append(l.SeedSeconds, took.Seconds())
	}
	if size != "10k" {
		l.Aged += b.age(rows)
	}
	if took > 0 {
		// A shop's table grew over years; its pages were written out long
		// ago. The bulk load's are written now, not while the cases run.
		b.db.exec(t, "CHECKPOINT")
	}
	b.restartServer()
	actual := b.db.int(t, "SELECT count(*) FROM upgrades")
	t.Logf("listing with %d upgrades", actual)
	hasKeyset, why := b.keyset()
	if !hasKeyset && size == "10k" {
		l.Skipped = append(l.Skipped, why)
	}
	host := hostMS()
	sleepAgain := func() {}
	if l.Awake = *awake; l.Awake {
		sleepAgain = keepAwake(t)
		defer sleepAgain() // also when a case fails the run
	}
	var stop func() (int, bool, error)
	for _, c := range l.Cases {
		if (c.BigOnly && size == "10k") || (strings.Contains(c.Query, "page=b") && !hasKeyset) {
			continue
		}
		if c.UnderLoad && stop == nil {
			// The webhooks keep the processors busy; a spinner would only
			// stand in their way.
			sleepAgain()
			stop = b.webhooksMeanwhile(mix, l.WebhookRate)
		}
		b.listCase(c, size, actual)
	}
	if stop != nil {
		sent, ranOut, err := stop()
		if err != nil {
			t.Fatalf("webhooks during the list: %v", err)
		}
		if ranOut {
			l.Skipped = append(l.Skipped, fmt.Sprintf("at %s, the webhooks ran out after %d, before the cases under load ended", size, sent))
		}
	}
	sleepAgain()
	if l.HostMS == nil {
		l.HostMS = map[string][2]float64{}
	}
	l.HostMS[size] = [2]float64{host, hostMS()}
}

// listCase times case c at a table size.
func (b *bench) listCase(c *listCase, size string, rows int64) {
	t := b.t
	u := b.url("/user_upgrades.json")
	if q := c.query(rows); q != "" {
		u += "?" + q
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
	if want := application.DefaultPageSize; (c.Empty && items != 0) || (!c.Empty && items != want) {
		t.Fatalf("%s: %d upgrades on the page; the seed does not fit the case", c.Name, items)
	}
	if c.At == nil {
		c.At = map[string]*listFigure{}
	}
	c.At[size] = &listFigure{Rows: rows, P50MS: ms(r.lat.percentile(50)), P95MS: ms(r.lat.percentile(95)), P95: p95Interval(r.lat),
		Items: items, lat: r.lat}
	if small, big := c.At["10k"], c.At["1m"]; small != nil && big != nil {
		iv := p95RatioInterval(big.lat, small.lat)
		c.RatioP95 = &iv
	}
}

// hostDrift is how far apart the host's timings around both sizes' cases
// are (see drift); 0 unless both were timed.
func (l *listResult) hostDrift() float64 {
	small, okSmall := l.HostMS["10k"]
	big, okBig := l.HostMS["1m"]
	if !okSmall || !okBig {
		return 0
	}
	return drift(append(small[:], big[:]...))
}
