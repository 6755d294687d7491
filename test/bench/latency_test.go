package bench_test

import (
	"fmt"
	"slices"
	"strconv"
	"sync/atomic"
	"time"
)

// latencyResult is the server and pgbench side by side at one fixed rate:
// 0.35 × pgbench's own closed-loop rate, the same for both, so that a
// slower server does not get an easier test. Both are open loops: the
// server's latency counts from when each webhook was due, pgbench -R's
// from when each transaction was scheduled. No CHECKPOINT is forced
// before or inside a round; PostgreSQL's own may land, as in production.
type latencyResult struct {
	PerSecond    float64   `json:"per_second"`
	RateFrom     string    `json:"rate_from"`
	RoundSeconds float64   `json:"round_seconds"`
	Server       *openSide `json:"server"`
	Pgbench      *openSide `json:"pgbench,omitempty"`
	// Of the server's deliveries over all rounds.
	Duplicates   int     `json:"duplicates"`
	Unhandled    int     `json:"unhandled"`
	TargetP99MS  float64 `json:"target_p99_ms"`
	TargetOverMS float64 `json:"target_over_pgbench_ms"`
	Command      string  `json:"command"`
}

// openSide is one side's rounds at the fixed rate.
type openSide struct {
	Rounds          []openRound `json:"rounds"`
	PooledP50MS     float64     `json:"pooled_p50_ms"`
	PooledP99MS     float64     `json:"pooled_p99_ms"`
	WorstRoundP99MS float64     `json:"worst_round_p99_ms"`
	MaxInFlight     int64       `json:"max_in_flight"`
	// Excluded counts the rounds left out for foreign CPU.
	Excluded int `json:"excluded_rounds"`
	all      latencies
}

// openRound is one round at the fixed rate.
type openRound struct {
	Count       int      `json:"count"`
	P50MS       float64  `json:"p50_ms"`
	P99MS       float64  `json:"p99_ms"`
	MaxMS       float64  `json:"max_ms"`
	MaxInFlight int64    `json:"max_in_flight"`
	CPU         roundCPU `json:"cpu"`
	Excluded    bool     `json:"excluded,omitempty"`
	// Background is what PostgreSQL did on its own meanwhile.
	Background string `json:"background"`
	// Where a stall may come from, for the server's rounds: its
	// collections and their longest recent pause, the connections it
	// waited for from its pool and how long, and the most the sender
	// sent a webhook after it was due.
	GCs          int64   `json:"gcs,omitempty"`
	GCPauseMaxMS float64 `json:"gc_pause_max_ms,omitempty"`
	PoolWaits    int64   `json:"pool_waits,omitempty"`
	PoolWaitMS   float64 `json:"pool_wait_ms,omitempty"`
	SenderLagMS  float64 `json:"sender_lag_max_ms,omitempty"`
	// Shed counts the server's answers of 503 with Retry-After (its
	// webhook queue full); each was sent again after it, and its latency
	// runs to the delivery that was accepted.
	Shed int64 `json:"shed,omitempty"`
}

// add records round r; one with more foreign CPU than -perf.foreign-max
// is kept in the report, flagged, and left out of the figures.
func (s *openSide) add(r openRound, lat latencies) {
	r.Excluded = r.CPU.Foreign > *foreignMax
	s.Rounds = append(s.Rounds, r)
	if r.Excluded {
		s.Excluded++
		return
	}
	s.all = append(s.all, lat...)
	s.PooledP50MS, s.PooledP99MS = ms(s.all.percentile(50)), ms(s.all.percentile(99))
	s.WorstRoundP99MS = max(s.WorstRoundP99MS, r.P99MS)
	s.MaxInFlight = max(s.MaxInFlight, r.MaxInFlight)
}

// latencyRate is the fixed rate: -perf.rate, or 0.35 × pgbench's median
// rate from the webhook section, or from one round of pgbench run here.
func (b *bench) latencyRate() (float64, string) {
	if *fixedRate > 0 {
		return *fixedRate, "-perf.rate"
	}
	if w := b.rep.Webhook; w != nil && w.Pgbench.N > 0 {
		return 0.35 * w.Pgbench.Median, fmt.Sprintf("0.35 × pgbench's %.0f/s", w.Pgbench.Median)
	}
	if w := b.rep.Webhook; w != nil && w.PgbenchAll > 0 {
		return 0.35 * w.PgbenchAll, fmt.Sprintf("0.35 × pgbench's %.0f/s, all rounds, none clean", w.PgbenchAll)
	}
	r, _ := b.pgbenchRound(*guessRate, *roundFor, true)
	b.t.Logf("pgbench alone: %.0f/s", r.Rate)
	return 0.35 * r.Rate, fmt.Sprintf("0.35 × pgbench's %.0f/s, one round", r.Rate)
}

// measureLatency runs -perf.open-rounds rounds of the server and of
// pgbench -R at the fixed rate, in ABBA order, each -perf.open-for long,
// after a discarded warm-up of each; the server's deliveries are the
// realistic mix.
func (b *bench) measureLatency() *latencyResult {
	t, c := b.t, *concurrency
	rate, from := b.latencyRate()
	res := &latencyResult{PerSecond: rate, RateFrom: from, RoundSeconds: openFor.Seconds(), Server: &openSide{},
		TargetP99MS: 25, TargetOverMS: 10, Command: sectionCommand("latency")}
	if b.rep.Webhook == nil || b.rep.Webhook.Capture.ScriptMatches {
		res.Pgbench = &openSide{}
	}
	// A round of a side at the rate for d: the server's deliveries are
	// the realistic mix; name tells its upgrades apart from the others'.
	round := func(kind, name string, seed uint64, d time.Duration) (openRound, latencies) {
		if kind == "server" {
			mix := b.eventMix("wo"+name, max(int(rate*d.Seconds()), 1), seed)
			res.Duplicates += mix.duplicates
			res.Unhandled += mix.unhandled
			evs := mix.build()
			t.Logf("fixed rate, round %s: %d deliveries to the server at %.0f/s", name, len(evs), rate)
			bg, gc := b.background(), b.gcStats()
			cpu := startCPU(b.dbName, b.server.Pid(), b.sim.Pid())
			var shed atomic.Int64
			o := openLoop(len(evs), rate, deliverAgainWhenShed(b.sender, evs, &shed))
			used := cpu.end()
			after := b.gcStats()
			if o.errors > 0 {
				t.Fatalf("webhooks at a fixed rate: %d of %d failed: %v", o.errors, len(evs), o.firstErr)
			}
			if err := b.fulfilled(mix); err != nil {
				t.Fatalf("webhooks at a fixed rate: %v", err)
			}
			return openRound{Count: len(o.lat), P50MS: ms(o.lat.percentile(50)), P99MS: ms(o.lat.percentile(99)),
				MaxMS: ms(o.lat.percentile(100)), MaxInFlight: o.inFlight, CPU: used, Background: b.background().since(bg, len(o.lat)),
				GCs: after.count - gc.count, GCPauseMaxMS: after.max * 1000, PoolWaits: after.poolWaits - gc.poolWaits,
				PoolWaitMS: (after.poolWaited - gc.poolWaited) * 1000, SenderLagMS: ms(o.senderLag), Shed: shed.Load()}, o.lat
		}
		p := b.seedPool("po"+name, poolFor(rate, d, c), ownUpgrades)
		t.Logf("fixed rate, round %s: pgbench -R %.0f", name, rate)
		bg := b.background()
		run := b.pgbench(p, c, d, rate)
		return openRound{Count: run.processed, P50MS: ms(run.lat.percentile(50)), P99MS: ms(run.lat.percentile(99)),
			MaxMS: ms(run.lat.percentile(100)), MaxInFlight: int64(c), CPU: run.cpu, Background: b.background().since(bg, run.processed)}, run.lat
	}
	kinds := []string{"server"}
	if res.Pgbench != nil {
		kinds = append(kinds, "pgbench")
	}
	// A discarded warm-up of each first, a sixth of a round: the server's
	// pool opens its connections and its heap grows, as after any start.
	for _, kind := range kinds {
		round(kind, "warm-up", 99, max(*openFor/6, time.Second))
	}
	res.Duplicates, res.Unhandled = 0, 0 // the measured rounds' alone
	for i := range *openRounds {
		order := slices.Clone(kinds)
		if i%2 == 1 {
			slices.Reverse(order)
		}
		for _, kind := range order {
			r, lat := round(kind, strconv.Itoa(i+1), uint64(i), *openFor)
			if kind == "server" {
				res.Server.add(r, lat)
			} else {
				res.Pgbench.add(r, lat)
			}
		}
	}
	return res
}
