package bench_test

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/tabwriter"
	"time"
)

// report is everything one run measured, each figure with the command
// that measures it again.
type report struct {
	StartedAt time.Time        `json:"started_at"`
	Seconds   float64          `json:"seconds"`
	Machine   machine          `json:"machine"`
	Command   string           `json:"command"`
	Ready     *readyResult     `json:"ready,omitempty"`
	Webhook   *webhookResult   `json:"webhook,omitempty"`
	Latency   *latencyResult   `json:"fixed_rate,omitempty"`
	Checkout  *checkoutResult  `json:"checkout,omitempty"`
	Success   *successResult   `json:"success_page,omitempty"`
	Reconcile *reconcileResult `json:"reconciler,omitempty"`
	Codes     *codesResult     `json:"codes,omitempty"`
	List      *listResult      `json:"list,omitempty"`
	Sales     *salesResult     `json:"sales_page,omitempty"`
	Memory    *memoryResult    `json:"memory,omitempty"`
	Soak      *soakResult      `json:"soak,omitempty"`
	GoBench   *goBenchResult   `json:"go_benchmarks,omitempty"`
	Targets   []target         `json:"targets"`
}

type machine struct {
	CPUs       int    `json:"cpus"`
	OS         string `json:"os"`
	Go         string `json:"go"`
	Postgres   string `json:"postgres"`
	LoadBefore string `json:"load_average_before"`
	LoadAfter  string `json:"load_average_after"`
	// Settings are PostgreSQL's that decide what a commit costs.
	Settings map[string]string `json:"postgres_settings"`
}

// postgres records the server's version and settings.
func (m *machine) postgres(t *testing.T, db *sqlDB) {
	m.Postgres = db.one(t, "SHOW server_version")
	m.Settings = map[string]string{}
	for _, name := range []string{"fsync", "synchronous_commit", "shared_buffers", "max_connections", "wal_level", "checkpoint_timeout"} {
		m.Settings[name] = db.one(t, "SHOW "+name)
	}
}

type readyResult struct {
	RunsMS   []float64 `json:"runs_ms"`
	MedianMS interval  `json:"median_ms"`
	TargetMS float64   `json:"target_ms"`
	Command  string    `json:"command"`
}

type checkoutResult struct {
	Requests    int     `json:"requests"`
	Concurrency int     `json:"concurrency"`
	PerSecond   float64 `json:"requests_per_second"`
	P50MS       float64 `json:"p50_ms"`
	P99MS       float64 `json:"p99_ms"`
	StripeCalls int     `json:"stripe_calls"`
	StripeP50MS float64 `json:"stripe_p50_ms"`
	// StripeShare is the time the server waited on the simulated Stripe
	// over the time the requests took.
	StripeShare float64 `json:"stripe_share"`
	// CPU is what a checkout cost the server, PostgreSQL and the sender;
	// StripeCPUMS what it cost the simulated Stripe.
	CPU         cpuPerOp `json:"cpu_per_checkout"`
	StripeCPUMS float64  `json:"simulated_stripe_cpu_ms"`
	// ForeignShare is the machine's share that went to other processes.
	ForeignShare float64 `json:"foreign_cpu_share"`
	Command      string  `json:"command"`
}

type memoryResult struct {
	PeakMB   float64 `json:"peak_rss_mb"`
	NowMB    float64 `json:"rss_mb"`
	TargetMB float64 `json:"target_mb"`
	Command  string  `json:"command"`
}

// skippedResult is a section that could not run on this revision, and why.
type skippedResult struct {
	Skipped string `json:"skipped"`
}

// target is one of the targets and what this run says of it.
type target struct {
	Name     string    `json:"name"`
	Want     string    `json:"want"`
	Got      string    `json:"got"`
	Interval *interval `json:"interval,omitempty"`
	Verdict  verdict   `json:"verdict"`
}

func newReport() *report {
	return &report{StartedAt: time.Now().UTC(), Machine: machineInfo()}
}

// finish judges the targets: every row of the table whose section
// ran, and the capture's checks.
func (r *report) finish() {
	r.Seconds = time.Since(r.StartedAt).Seconds()
	r.Machine.LoadAfter = loadAverage()
	add := func(name, want, got string, iv *interval, v verdict) {
		r.Targets = append(r.Targets, target{name, want, got, iv, v})
	}
	judged := func(name, want, got string, iv interval, v verdict) { add(name, want, got, &iv, v) }
	if w := r.Webhook; w != nil {
		c := w.Capture
		switch {
		case c.ScriptMatches && w.Ratio.N == 0:
			add("fulfilment vs pgbench, same SQL and clients", fmt.Sprintf("≥ %.2f×", w.TargetRatio),
				fmt.Sprintf("no clean pairs (%d of %d excluded for foreign CPU or the host's speed)", w.Excluded, len(w.Pairs)), nil, inconclusive)
		case c.ScriptMatches && w.Ratio.N < minPairs:
			// An interval of one or two pairs decides nothing.
			judged("fulfilment vs pgbench, same SQL and clients", fmt.Sprintf("≥ %.2f×", w.TargetRatio),
				fmt.Sprintf("%.2f×, only %d clean pairs of %d", w.Ratio.Median, w.Ratio.N, len(w.Pairs)), w.Ratio, inconclusive)
		case c.ScriptMatches:
			judged("fulfilment vs pgbench, same SQL and clients", fmt.Sprintf("≥ %.2f×", w.TargetRatio),
				fmt.Sprintf("%.2f× (%.0f vs %.0f/s; %d of %d pairs clean)", w.Ratio.Median, w.Server.Median, w.Pgbench.Median,
					len(w.Pairs)-w.Excluded, len(w.Pairs)), w.Ratio, atLeast(w.Ratio, w.TargetRatio))
		default:
			add("fulfilment vs pgbench, same SQL and clients", fmt.Sprintf("≥ %.2f×", w.TargetRatio),
				"not measured: fulfil.sql is not the server's SQL", nil, missed)
		}
		add("fulfil.sql is the server's SQL", "same statements", fmt.Sprintf("%d statements, match: %t", len(c.Statements), c.ScriptMatches),
			nil, pass(c.ScriptMatches))
		add("round trips per fulfilment, BEGIN and COMMIT included", fmt.Sprintf("≤ %d", c.TargetRoundTrips),
			fmt.Sprintf("%d (pgbench %d)", c.ServerRoundTrips, c.PgbenchRoundTrips), nil, pass(c.ServerRoundTrips <= c.TargetRoundTrips))
		add("queries outside the fulfilment's transaction", "none", fmt.Sprint(len(c.OutsideTransaction)), nil, pass(len(c.OutsideTransaction) == 0))
	}
	if l := r.Latency; l != nil {
		s, p := l.Server, l.Pgbench
		iv := spread(s.PooledP99MS, s.WorstRoundP99MS)
		got := fmt.Sprintf("%.1f ms (worst round %.1f) at %.0f/s", s.PooledP99MS, s.WorstRoundP99MS, l.PerSecond)
		if len(s.all) == 0 {
			iv, got = interval{}, fmt.Sprintf("no clean rounds (%d excluded for foreign CPU)", s.Excluded)
		}
		judged("p99 at 0.35 × pgbench's rate, pooled (to the worst round)", fmt.Sprintf("≤ %.0f ms", l.TargetP99MS), got, iv, atMost(iv, l.TargetP99MS))
		if p != nil {
			over := spread(s.PooledP99MS-p.PooledP99MS, s.WorstRoundP99MS-p.WorstRoundP99MS)
			got := fmt.Sprintf("%+.1f ms (%.1f vs %.1f)", over.Median, s.PooledP99MS, p.PooledP99MS)
			if len(s.all) == 0 || len(p.all) == 0 {
				over, got = interval{}, "no clean rounds of one side or both"
			}
			judged("p99 over pgbench's at the same rate", fmt.Sprintf("≤ +%.0f ms", l.TargetOverMS), got, over, atMost(over, l.TargetOverMS))
		}
	}
	if l := r.List; l != nil {
		for _, c := range l.Cases {
			big := c.At["1m"]
			if big == nil {
				continue
			}
			judged("list p95 at 1M: "+c.Name, fmt.Sprintf("≤ %.0f ms", l.TargetP95MS), fmt.Sprintf("%.1f ms", big.P95MS),
				big.P95, atMost(big.P95, l.TargetP95MS))
			if c.RatioP95 != nil {
				got, v := fmt.Sprintf("%.2f", c.RatioP95.Median), atMost(*c.RatioP95, l.TargetRatio)
				if d := l.hostDrift(); l.HostMax > 0 && d > l.HostMax {
					// The host's own speed moved between the sizes.
					got, v = fmt.Sprintf("%s, the host %.0f %% apart between the sizes", got, d*100), inconclusive
				}
				judged("list 1M/10k p95: "+c.Name, fmt.Sprintf("≤ %.1f", l.TargetRatio), got, *c.RatioP95, v)
			}
		}
	}
	if s := r.Sales; s != nil && s.Skipped == "" {
		judged("sales page p95, 30 days at 1M over two years", fmt.Sprintf("≤ %.0f ms", s.TargetP95MS), fmt.Sprintf("%.1f ms", s.P95.Median),
			s.P95, atMost(s.P95, s.TargetP95MS))
	}
	if m := r.Memory; m != nil {
		add("peak RSS under load", fmt.Sprintf("≤ %.0f MB", m.TargetMB), fmt.Sprintf("%.1f MB", m.PeakMB), nil, pass(m.PeakMB <= m.TargetMB))
	}
	if s := r.Soak; s != nil {
		v := pass(s.SlopeMBPerMin <= s.TargetSlope)
		if s.SlopePoints < 2 {
			v = inconclusive // the soak ended within its warm-up
		}
		add("soak RSS slope after warm-up", fmt.Sprintf("≤ %.0f MB/min", s.TargetSlope),
			fmt.Sprintf("%.2f MB/min, %d samples over %.1f min", s.SlopeMBPerMin, s.SlopePoints, s.Seconds/60), nil, v)
		add("peak RSS in the soak", fmt.Sprintf("≤ %.0f MB", s.TargetMB), fmt.Sprintf("%.1f MB", s.PeakMB), nil, pass(s.PeakMB <= s.TargetMB))
	}
	if rd := r.Ready; rd != nil {
		judged("ready after start (median)", fmt.Sprintf("≤ %.0f ms", rd.TargetMS), fmt.Sprintf("%.0f ms", rd.MedianMS.Median),
			rd.MedianMS, atMost(rd.MedianMS, rd.TargetMS))
	}
}

// minPairs is the fewest clean pairs whose ratio can decide a target.
const minPairs = 3

// pass is the verdict of a check without spread.
func pass(ok bool) verdict {
	if ok {
		return met
	}
	return missed
}

// spread is the interval from a pooled figure to the worst round's.
func spread(pooled, worst float64) interval {
	return interval{Median: pooled, Low: math.Min(pooled, worst), High: math.Max(pooled, worst), N: 1}
}

func (r *report) write(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func (r *report) print(out io.Writer) {
	w := tabwriter.NewWriter(out, 2, 8, 2, ' ', 0)
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	p("")
	p("Upgrades benchmark, %s, %d CPUs, %s, PostgreSQL %s", r.StartedAt.Format(time.RFC3339), r.Machine.CPUs, r.Machine.Go, r.Machine.Postgres)
	p("load average before %s, after %s; %.0f s", r.Machine.LoadBefore, r.Machine.LoadAfter, r.Seconds)
	var settings []string
	for _, k := range []string{"fsync", "synchronous_commit", "shared_buffers", "max_connections", "wal_level", "checkpoint_timeout"} {
		settings = append(settings, k+"="+r.Machine.Settings[k])
	}
	p("PostgreSQL: %s", strings.Join(settings, ", "))
	if wh := r.Webhook; wh != nil {
		p("")
		p("WEBHOOK FULFILMENT\t%d pairs of %.0f s rounds (ABBA, after a warm-up of each), %d clients; %d pairs excluded: %d for foreign CPU over %.0f%%, %d for the host's speed moving over %.0f%%, %d for the disk's flushes moving over %.0f%%; %d events stored before",
			len(wh.Pairs), wh.RoundSeconds, wh.Concurrency, wh.Excluded, wh.Excluded-wh.HostExcluded-wh.DiskExcluded, wh.ForeignMax*100, wh.HostExcluded, wh.HostMax*100,
			wh.DiskExcluded, wh.DiskMax*100, wh.StoredEvents)
		p("  server\t%s events/s\tp50 %.2f ms\tp99 %.2f ms\tCPU/event: machine %.3f ms, server %.3f ms, PostgreSQL %.3f ms, sender %.3f ms",
			wh.Server, wh.P50MS, wh.P99MS, wh.CPU.MachineMS, wh.CPU.ServerMS, wh.CPU.PostgresMS, wh.CPU.LoadMS)
		if wh.Pgbench.N > 0 {
			p("  pgbench, same SQL\t%s tx/s\tp50 %.2f ms\tp99 %.2f ms\tCPU/tx: machine %.3f ms, PostgreSQL %.3f ms, pgbench %.3f ms",
				wh.Pgbench, wh.PgbenchP50MS, wh.PgbenchP99MS, wh.PgbenchCPU.MachineMS, wh.PgbenchCPU.PostgresMS, wh.PgbenchCPU.LoadMS)
			p("  server / pgbench\t%s\t(median [90%% interval])", wh.Ratio)
		}
		for _, rd := range wh.Rounds {
			name := fmt.Sprintf("pair %d", rd.Pair+1)
			if rd.WarmUp {
				name = "warm-up"
			}
			flag := ""
			if rd.Excluded {
				flag = "EXCLUDED"
			}
			p("    %s, %s\t%.0f/s\t%d done, p99 %.1f ms\tforeign CPU %.1f%%\thost %.1f/%.1f ms\t%s\t%s", name, rd.Kind, rd.Rate, rd.Count, rd.P99MS,
				rd.CPU.Foreign*100, rd.HostMS[0], rd.HostMS[1], rd.Background, flag)
		}
		if lo, hi := hostRange(wh.Rounds); lo > 0 {
			p("  host\t%.1f–%.1f ms for the same fixed work around the measured rounds (%.0f %% apart; see hostMS)", lo, hi, (hi/lo-1)*100)
		}
		c := wh.Capture
		p("  SQL per fulfilment\t%d round trips (pgbench %d), recorded on the wire; fulfil.sql matches: %t; outside the transaction: %d",
			c.ServerRoundTrips, c.PgbenchRoundTrips, c.ScriptMatches, len(c.OutsideTransaction))
		if wh.PgbenchCommand != "" {
			p("  pgbench command\t%s", wh.PgbenchCommand)
		}
		p("  command\t%s", wh.Command)
	}
	if l := r.Latency; l != nil {
		p("")
		p("FIXED RATE\t%.0f/s (%s), %d rounds of %.0f s each after a discarded warm-up of each a sixth as long; server: a mix of %.0f%% gifts, %d duplicates, %d unhandled events",
			l.PerSecond, l.RateFrom, len(l.Server.Rounds), l.RoundSeconds, giftShare*100, l.Duplicates, l.Unhandled)
		side := func(name string, s *openSide) {
			if s == nil {
				return
			}
			p99s := make([]string, len(s.Rounds))
			for i, rd := range s.Rounds {
				p99s[i] = fmt.Sprintf("%.1f", rd.P99MS)
			}
			p("  %s\tp50 %.2f ms\tp99 pooled %.2f ms, worst round %.2f ms (rounds %s)\tmax in flight %d; %d of %d rounds excluded for foreign CPU",
				name, s.PooledP50MS, s.PooledP99MS, s.WorstRoundP99MS, strings.Join(p99s, ", "), s.MaxInFlight, s.Excluded, len(s.Rounds))
		}
		side("server", l.Server)
		side("pgbench -R", l.Pgbench)
		for i, rd := range l.Server.Rounds {
			p("    server round %d\tp99 %.1f ms, max %.1f ms\tforeign CPU %.1f%%\tGC %d, pause max %.2f ms; pool waits %d (%.1f ms); sender late by up to %.1f ms; shed %d (503, sent again after Retry-After)\t%s",
				i+1, rd.P99MS, rd.MaxMS, rd.CPU.Foreign*100, rd.GCs, rd.GCPauseMaxMS, rd.PoolWaits, rd.PoolWaitMS, rd.SenderLagMS, rd.Shed, rd.Background)
		}
		if l.Pgbench != nil {
			for i, rd := range l.Pgbench.Rounds {
				p("    pgbench round %d\tp99 %.1f ms, max %.1f ms\tforeign CPU %.1f%%\t%s", i+1, rd.P99MS, rd.MaxMS, rd.CPU.Foreign*100, rd.Background)
			}
		}
		p("  command\t%s", l.Command)
	}
	if c := r.Checkout; c != nil {
		p("")
		p("CHECKOUT\t%d requests, %d at a time, foreign CPU %.1f%%", c.Requests, c.Concurrency, c.ForeignShare*100)
		p("  server\t%.0f requests/s\tp50 %.2f ms\tp99 %.2f ms\tCPU/checkout: machine %.3f ms, server %.3f ms, PostgreSQL %.3f ms, Stripe %.3f ms, sender %.3f ms",
			c.PerSecond, c.P50MS, c.P99MS, c.CPU.MachineMS, c.CPU.ServerMS, c.CPU.PostgresMS, c.StripeCPUMS, c.CPU.LoadMS)
		p("  waiting on Stripe\t%.0f%% of the time\t%d calls, p50 %.2f ms", c.StripeShare*100, c.StripeCalls, c.StripeP50MS)
		p("  command\t%s", c.Command)
	}
	if s := r.Success; s != nil {
		p("")
		p("SUCCESS PAGE\t%d returns from Checkout, %d at a time, while webhooks arrive at %.0f/s", s.Requests, s.Concurrency, s.WebhookRate)
		p("  server\t%.0f pages/s\tp50 %.2f ms\tp95 %.2f ms\tp99 %.2f ms", s.PerSecond, s.P50MS, s.P95MS, s.P99MS)
		p("  command\t%s", s.Command)
	}
	if rc := r.Reconcile; rc != nil {
		p("")
		p("RECONCILER\t%d open upgrades drained in %.1f s (%.0f/s)", rc.Open, rc.DrainSeconds, rc.PerSecond)
		p("  command\t%s", rc.Command)
	}
	if c := r.Codes; c != nil && c.Skipped != "" {
		p("")
		p("CODE REDEMPTION\tskipped: %s", c.Skipped)
	} else if c != nil {
		p("")
		p("CODE REDEMPTION\t%d codes minted by the owner, each redeemed by its own member, %d at a time, after %d to warm up; a client network per member (%d); foreign CPU %.1f%%",
			c.Codes, c.Concurrency, c.Networks-c.Codes, c.Networks, c.ForeignShare*100)
		p("  server\t%.0f redemptions/s\tp50 %.2f ms\tp99 %.2f ms\tCPU/redemption: machine %.3f ms, server %.3f ms, PostgreSQL %.3f ms, sender %.3f ms",
			c.PerSecond, c.P50MS, c.P99MS, c.CPU.MachineMS, c.CPU.ServerMS, c.CPU.PostgresMS, c.CPU.LoadMS)
		p("  redeemed once\t%d of %d codes, warm-up's included, each by its own member (checked in the database)", c.RedeemedOnce, c.Networks)
		p("  command\t%s", c.Command)
	}
	if l := r.List; l != nil {
		p("")
		p("LIST\tp50 / p95 ms at 10k\tat 1M\tp95 at 1M [90%%]\t1M/10k p95 [90%%]")
		for _, c := range l.Cases {
			small, big := c.At["10k"], c.At["1m"]
			line := "  " + c.Name + "\t"
			if small != nil {
				line += fmt.Sprintf("%.2f / %.2f", small.P50MS, small.P95MS)
			}
			line += "\t"
			if big != nil {
				line += fmt.Sprintf("%.2f / %.2f\t%s", big.P50MS, big.P95MS, big.P95)
			}
			if c.RatioP95 != nil {
				line += "\t" + c.RatioP95.String()
			}
			p("%s", line)
		}
		p("  under webhooks\tat %.0f/s, the same at both sizes", l.WebhookRate)
		if l.Awake {
			p("  processors\tkept from idling by a SCHED_IDLE spinner each while the cases without webhooks ran (-perf.awake)")
		}
		if small, big := l.HostMS["10k"], l.HostMS["1m"]; l.hostDrift() > 0 {
			p("  host\t%.1f, %.1f ms around the 10k cases, %.1f, %.1f around the 1M (%.0f %% apart; ratios inconclusive above %.0f %%)",
				small[0], small[1], big[0], big[1], l.hostDrift()*100, l.HostMax*100)
		}
		for _, s := range l.Skipped {
			p("  skipped\t%s", s)
		}
		if len(l.SeedSeconds) > 0 {
			secs := make([]string, len(l.SeedSeconds))
			for i, s := range l.SeedSeconds {
				secs[i] = fmt.Sprintf("%.1f s", s)
			}
			p("  bulk loads\t%s; aged: %d upgrades updated", strings.Join(secs, ", "), l.Aged)
		}
		p("  command\t%s", l.Command)
	}
	if s := r.Sales; s != nil {
		p("")
		if s.Skipped != "" {
			p("SALES PAGE\tskipped: %s", s.Skipped)
		} else {
			p("SALES PAGE\tp50 %.2f ms\tp95 %s ms", s.P50MS, s.P95)
			p("  command\t%s", s.Command)
		}
	}
	if m := r.Memory; m != nil {
		p("")
		p("MEMORY\tpeak RSS %.1f MB (now %.1f MB), after all the load above", m.PeakMB, m.NowMB)
	}
	if s := r.Soak; s != nil {
		p("")
		p("SOAK\t%.0f min at %.0f/s\tRSS slope after warm-up %.2f MB/min, peak %.1f MB\tp99 %.1f ms", s.Seconds/60, s.PerSecond, s.SlopeMBPerMin, s.PeakMB, s.P99MS)
		for _, x := range s.Series {
			p("    %4.0f s\tRSS %.1f MB\tGC %d, pause max %.2f ms, mean %.3f ms\tp99 %.1f ms", x.AtSeconds, x.RSSMB, x.GCs, x.GCPauseMaxMS, x.GCPauseMeanMS, x.P99MS)
		}
		p("  command\t%s", s.Command)
	}
	if rd := r.Ready; rd != nil {
		p("")
		p("READY\tmedian %s ms from exec to the first 200 of /readyz\truns %v", rd.MedianMS, rd.RunsMS)
		p("  command\t%s", rd.Command)
	}
	if g := r.GoBench; g != nil {
		p("")
		p("GO BENCHMARKS\tns/op\tB/op\tallocs/op")
		for _, b := range g.Benchmarks {
			p("  %s\t%.0f\t%.0f\t%.0f", b.Name, b.NsPerOp, b.BytesPerOp, b.AllocsPerOp)
		}
		if g.Error != "" {
			p("  error\t%s", g.Error)
		}
		p("  command\t%s", g.Command)
	}
	p("")
	p("TARGETS\tgoal\tgot\t90%% interval\tverdict")
	for _, tg := range r.Targets {
		iv := "-"
		if tg.Interval != nil && tg.Interval.N > 0 {
			iv = fmt.Sprintf("[%s, %s]", figure(tg.Interval.Low), figure(tg.Interval.High))
		}
		p("  %s\t%s\t%s\t%s\t%s", tg.Name, tg.Want, tg.Got, iv, tg.Verdict)
	}
	w.Flush()
}

// hostRange is the fastest and slowest timing of the host's fixed work
// around the measured (not warm-up) rounds.
func hostRange(rounds []webhookRound) (lo, hi float64) {
	var measured []*webhookRound
	for i := range rounds {
		if !rounds[i].WarmUp {
			measured = append(measured, &rounds[i])
		}
	}
	return hostSpan(measured...)
}
