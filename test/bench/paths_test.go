package bench_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// created is a checkout a member started through the JSON API.
type created struct {
	buyer   string
	upgrade int64
	session string
}

// startCheckouts has n of buyers' members each start a checkout for
// Gold, from -perf.concurrency clients, and returns them.
func (b *bench) startCheckouts(buyers pool, n int) []created {
	out := make([]created, n)
	r := closedLoop(n, *concurrency, func(i int) error {
		req, err := http.NewRequest(http.MethodPost, b.url("/user_upgrades.json"), strings.NewReader(`{"upgrade_type": "gold"}`))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		name := buyers.name(i)
		req.SetBasicAuth(name, apiKey(name))
		body, err := b.do(req, http.StatusCreated)
		if err != nil {
			return err
		}
		var up struct {
			ID      int64  `json:"id"`
			Session string `json:"checkout_session_id"`
		}
		if err := json.Unmarshal(body, &up); err != nil || up.Session == "" || up.ID == 0 {
			return fmt.Errorf("the created upgrade has no id or checkout session: %s", body)
		}
		out[i] = created{name, up.ID, up.Session}
		return nil
	})
	if r.errors > 0 {
		b.t.Fatalf("starting checkouts: %d of %d failed: %v", r.errors, n, r.firstErr)
	}
	return out
}

// payAll pays every checkout at the simulated Stripe, by card, as the
// buyer would on its page; its webhooks are dropped.
func (b *bench) payAll(cs []created) {
	r := closedLoop(len(cs), *concurrency, func(i int) error {
		req, err := http.NewRequest(http.MethodPost, "http://"+b.simAddr+"/pay/"+cs[i].session,
			strings.NewReader(url.Values{"outcome": {"paid"}, "method": {"card"}}.Encode()))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := noRedirect.Do(req)
		if err != nil {
			return err
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			return fmt.Errorf("paying %s: %d", cs[i].session, res.StatusCode)
		}
		return nil
	})
	if r.errors > 0 {
		b.t.Fatalf("paying at the simulated Stripe: %d of %d failed: %v", r.errors, len(cs), r.firstErr)
	}
}

var noRedirect = &http.Client{Timeout: 30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// openUpgrades counts which of cs are still open.
func (b *bench) openUpgrades(cs []created) int64 {
	return b.db.int(b.t, `SELECT count(*) FROM upgrades WHERE id BETWEEN $1 AND $2 AND status IN ('pending', 'processing')`,
		cs[0].upgrade, cs[len(cs)-1].upgrade)
}

// backgroundRate is the rate of webhooks sent while another path is
// measured: the fixed rate when known, else -perf.rate, else 100/s.
func (b *bench) backgroundRate() float64 {
	switch {
	case *fixedRate > 0:
		return *fixedRate
	case b.rep.Latency != nil:
		return b.rep.Latency.PerSecond
	case b.rep.Webhook != nil && b.rep.Webhook.Pgbench.N > 0:
		return 0.35 * b.rep.Webhook.Pgbench.Median
	case b.rep.Webhook != nil && b.rep.Webhook.PgbenchAll > 0:
		return 0.35 * b.rep.Webhook.PgbenchAll
	}
	return 100
}

// webhooksMeanwhile sends the realistic mix, made for n deliveries, at
// rate until the function it returns is called, which says how many were
// sent, whether they ran out before, and the first error.
func (b *bench) webhooksMeanwhile(mix *eventMix, rate float64) func() (sent int, ranOut bool, err error) {
	stop := make(chan struct{})
	done := make(chan *loadRun, 1)
	go func() { done <- openLoopUntil(len(mix.entries), rate, stop, mix.deliver) }()
	return func() (int, bool, error) {
		var r *loadRun
		select {
		case r = <-done:
			return len(r.lat), true, r.firstErr
		default:
		}
		close(stop)
		r = <-done
		return len(r.lat), false, r.firstErr
	}
}

// successResult is the page buyers come back to from Checkout, which asks
// Stripe about the payment (SyncUpgrade) and fulfils it when the webhook
// is late: here every webhook is, and the page fulfils every upgrade.
type successResult struct {
	Requests    int     `json:"requests"`
	Concurrency int     `json:"concurrency"`
	WebhookRate float64 `json:"webhooks_per_second_meanwhile"`
	PerSecond   float64 `json:"pages_per_second"`
	P50MS       float64 `json:"p50_ms"`
	P95MS       float64 `json:"p95_ms"`
	P99MS       float64 `json:"p99_ms"`
	Command     string  `json:"command"`
}

// measureSuccess has members start checkouts, pay them at the simulated
// Stripe (whose webhooks are dropped) and come back to the success page,
// from -perf.concurrency clients, while webhooks arrive at the fixed rate.
func (b *bench) measureSuccess() *successResult {
	t := b.t
	n := max(*checkouts/2, *concurrency)
	cs := b.startCheckouts(b.seedPool("sb", n, buyersOnly), n)
	b.payAll(cs)
	rate := b.backgroundRate()
	// The page takes well under 100 ms; the webhooks last as long.
	stop := b.webhooksMeanwhile(b.eventMix("sw", int(rate*(float64(n)/float64(*concurrency)*0.1+10)), 3), rate)
	t.Logf("%d returns to the success page, %d at a time, webhooks at %.0f/s", n, *concurrency, rate)
	r := closedLoop(n, *concurrency, func(i int) error {
		req, err := http.NewRequest(http.MethodGet, b.url(fmt.Sprintf("/user_upgrades/%d.json?session_id=%s", cs[i].upgrade, cs[i].session)), nil)
		if err != nil {
			return err
		}
		req.SetBasicAuth(cs[i].buyer, apiKey(cs[i].buyer))
		_, err = b.do(req, http.StatusOK)
		return err
	})
	sent, ranOut, err := stop()
	if err != nil {
		t.Fatalf("webhooks meanwhile: %v", err)
	}
	if ranOut {
		t.Logf("the webhooks ran out after %d, before the pages did", sent)
	}
	if r.errors > 0 {
		t.Fatalf("success page: %d of %d failed: %v", r.errors, n, r.firstErr)
	}
	if open := b.openUpgrades(cs); open != 0 {
		t.Fatalf("success page: %d of %d paid upgrades are still open", open, n)
	}
	return &successResult{Requests: n, Concurrency: *concurrency, WebhookRate: rate, PerSecond: r.rate(),
		P50MS: ms(r.lat.percentile(50)), P95MS: ms(r.lat.percentile(95)), P99MS: ms(r.lat.percentile(99)),
		Command: sectionCommand("success")}
}

// reconcileResult is the reconciler draining upgrades left open.
type reconcileResult struct {
	Open         int     `json:"open_upgrades"`
	DrainSeconds float64 `json:"drain_seconds"`
	PerSecond    float64 `json:"per_second"`
	Interval     string  `json:"reconcile_interval"`
	Command      string  `json:"command"`
}

// measureReconcile leaves -perf.reconcile checkouts paid at the simulated
// Stripe without their webhooks, then restarts the server with the
// reconciler on (every second, for upgrades open a second) and times it,
// the restart included, until none is open.
func (b *bench) measureReconcile() *reconcileResult {
	t := b.t
	n := *reconcileN
	cs := b.startCheckouts(b.seedPool("rb", n, buyersOnly), n)
	b.payAll(cs)
	// The other sections' open upgrades were never the simulated Stripe's:
	// the reconciler could only fail on them, before these. They are
	// leased away meanwhile and given back after.
	b.db.exec(t, `UPDATE upgrades SET lease_until = 'infinity' WHERE status IN ('pending', 'processing')
		AND lease_until IS NULL AND id NOT BETWEEN $1 AND $2`, cs[0].upgrade, cs[n-1].upgrade)
	t.Logf("the reconciler drains %d paid, open upgrades", n)
	start := time.Now()
	b.restartServer("RECONCILE_INTERVAL=1s", "RECONCILE_AFTER=1s")
	last, progress := int64(n), time.Now()
	for open := b.openUpgrades(cs); open > 0; open = b.openUpgrades(cs) {
		if open < last {
			last, progress = open, time.Now()
		}
		if time.Since(progress) > time.Minute {
			t.Fatalf("the reconciler left %d of %d upgrades open, none closed for a minute", open, n)
		}
		time.Sleep(250 * time.Millisecond)
	}
	took := time.Since(start)
	b.restartServer()
	b.db.exec(t, `UPDATE upgrades SET lease_until = NULL WHERE lease_until = 'infinity'`)
	return &reconcileResult{Open: n, DrainSeconds: took.Seconds(), PerSecond: float64(n) / took.Seconds(), Interval: "1s",
		Command: sectionCommand("reconcile")}
}

// salesResult is the owners' sales page: 30 days at a million upgrades
// over two years.
type salesResult struct {
	P50MS       float64  `json:"p50_ms"`
	P95         interval `json:"p95_ms"`
	TargetP95MS float64  `json:"target_p95_ms"`
	Skipped     string   `json:"skipped,omitempty"`
	Command     string   `json:"command"`
}

// salesMeasure measures the sales page where the benchmark has a case
// for it (sales_case_test.go sets it).
var salesMeasure func(b *bench) *salesResult

func (b *bench) measureSalesPage() *salesResult {
	if salesMeasure == nil {
		return &salesResult{Skipped: "the benchmark has no sales-page case on this revision", TargetP95MS: 50}
	}
	return salesMeasure(b)
}

// storeEvents fills stripe_events with n processed events of a real
// event's size and shape, with random ids, as two years of a busy shop
// would leave it, in batches, then vacuums and analyses it.
func (b *bench) storeEvents(n int) {
	t := b.t
	start := time.Now()
	have := b.db.int(t, "SELECT count(*) FROM stripe_events")
	payload := string(b.completedEvent(pool{prefix: "old", firstUser: 1, firstUpgrade: 1, n: 1}, 0, taggedIDs(1)))
	const batch = 100_000
	for from := have; from < int64(n); from += batch {
		to := min(from+batch, int64(n))
		b.db.exec(t, `INSERT INTO stripe_events (id, type, livemode, payload, received_at, processed_at, outcome, attempts)
			SELECT 'evt_' || substr(md5(g::text || 'e'), 1, 24), 'checkout.session.completed', false,
			       convert_to(replace($1, 'evt_b100000000000000001', 'evt_' || substr(md5(g::text || 'e'), 1, 24)), 'UTF8'),
			       now() - interval '30 seconds' * ($3::bigint - g), now() - interval '30 seconds' * ($3::bigint - g), 'applied', 1
			FROM generate_series($2::bigint, $3::bigint - 1) g`, payload, from, to)
	}
	b.db.exec(t, "VACUUM ANALYZE stripe_events")
	b.db.settle()
	t.Logf("stored %d events in %v", n, time.Since(start).Round(time.Second))
}
