package bench_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// measureCheckout has members each buy themselves Gold through the JSON
// API, from -perf.concurrency clients at once: eligibility, the pending
// upgrade, the Checkout Session at the simulated Stripe and storing it. A
// member buys once, so that every request creates a checkout instead of
// finding the one it created before.
func (b *bench) measureCheckout() *checkoutResult {
	t := b.t
	warm := *concurrency * 10
	buyers := b.seedPool("cb", warm+*checkouts, buyersOnly)
	buy := func(offset int) func(i int) error {
		return func(i int) error {
			req, err := http.NewRequest(http.MethodPost, b.url("/user_upgrades.json"), strings.NewReader(`{"upgrade_type": "gold"}`))
			if err != nil {
				return err
			}
			req.Header.Set("Content-Type", "application/json")
			name := buyers.name(offset + i)
			req.SetBasicAuth(name, apiKey(name))
			body, err := b.do(req, http.StatusCreated)
			if err != nil {
				return err
			}
			var up struct {
				Session string `json:"checkout_session_id"`
			}
			if err := json.Unmarshal(body, &up); err != nil || up.Session == "" {
				return fmt.Errorf("the created upgrade has no checkout session: %s", body)
			}
			return nil
		}
	}
	if r := closedLoop(warm, *concurrency, buy(0)); r.errors > 0 {
		t.Fatalf("checkout warm-up: %d failed: %v", r.errors, r.firstErr)
	}
	b.db.settle()
	t.Logf("creating %d checkouts, %d at a time", *checkouts, *concurrency)
	stop := b.stripe.record()
	cpu := startCPU(b.dbName, b.server.Pid(), b.sim.Pid())
	r := closedLoop(*checkouts, *concurrency, buy(warm))
	round := cpu.end()
	used := round.perOp(*checkouts)
	simMS := round.Others * 1000 / float64(*checkouts)
	waited := stop()
	if r.errors > 0 {
		t.Fatalf("checkout: %d of %d failed: %v", r.errors, *checkouts, r.firstErr)
	}
	return &checkoutResult{
		Requests: *checkouts, Concurrency: *concurrency,
		PerSecond: r.rate(), P50MS: ms(r.lat.percentile(50)), P99MS: ms(r.lat.percentile(99)),
		StripeCalls: len(waited), StripeP50MS: ms(waited.percentile(50)),
		StripeShare: waited.sum().Seconds() / r.lat.sum().Seconds(),
		CPU:         used, StripeCPUMS: simMS, ForeignShare: round.Foreign,
		Command: sectionCommand("checkout"),
	}
}
