package bench_test

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"
)

// report is everything one run measured, each figure with the command
// that measures it again.
type report struct {
	StartedAt time.Time       `json:"started_at"`
	Seconds   float64         `json:"seconds"`
	Machine   machine         `json:"machine"`
	Command   string          `json:"command"`
	Ready     *readyResult    `json:"ready,omitempty"`
	Webhook   *webhookResult  `json:"webhook,omitempty"`
	Checkout  *checkoutResult `json:"checkout,omitempty"`
	List      *listResult     `json:"list,omitempty"`
	Memory    *memoryResult   `json:"memory,omitempty"`
	GoBench   *goBenchResult  `json:"go_benchmarks,omitempty"`
	Targets   []target        `json:"targets"`
}

type machine struct {
	CPUs       int    `json:"cpus"`
	OS         string `json:"os"`
	Go         string `json:"go"`
	Postgres   string `json:"postgres"`
	LoadBefore string `json:"load_average_before"`
	LoadAfter  string `json:"load_average_after"`
}

type readyResult struct {
	RunsMS   []float64 `json:"runs_ms"`
	MedianMS float64   `json:"median_ms"`
	TargetMS float64   `json:"target_ms"`
	Command  string    `json:"command"`
}

type webhookResult struct {
	// Events is per round, for the server and for pgbench each.
	Events      int     `json:"events_per_round"`
	Rounds      int     `json:"rounds"`
	Concurrency int     `json:"concurrency"`
	PerSecond   float64 `json:"events_per_second"`
	P50MS       float64 `json:"p50_ms"`
	P99MS       float64 `json:"p99_ms"`
	// CPU is what an event cost the server, PostgreSQL and the sender.
	CPU cpuPerOp `json:"cpu_per_event"`
	// Open is the fixed-rate run at half of PerSecond.
	Open    *openLoopResult `json:"fixed_rate"`
	Pgbench *pgbenchResult  `json:"pgbench,omitempty"`
	// PerSecond and pgbench's rate are the medians of the rounds; Ratio
	// is the median of the rounds' server rate over pgbench's.
	PerRound    []webhookRound `json:"rounds_detail"`
	Ratio       float64        `json:"ratio_server_to_pgbench"`
	TargetRatio float64        `json:"target_ratio"`
	// Statements are the fulfilment's SQL as recorded, values left out;
	// ScriptMatches says whether fulfil.sql runs the same.
	Statements       []string `json:"statements"`
	ScriptMatches    bool     `json:"script_matches"`
	ScriptDerivation string   `json:"script_derivation"`
	Command          string   `json:"command"`
}

type openLoopResult struct {
	// Events is per round.
	Events    int     `json:"events_per_round"`
	PerSecond float64 `json:"events_per_second"`
	// P50MS is of every round's events; P99MS the median of the rounds'
	// p99, PooledP99MS the p99 of all their events.
	P50MS       float64     `json:"p50_ms"`
	P99MS       float64     `json:"p99_ms"`
	PooledP99MS float64     `json:"pooled_p99_ms"`
	TargetP99MS float64     `json:"target_p99_ms"`
	PerRound    []openRound `json:"rounds_detail"`
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
	Command     string   `json:"command"`
}

type listResult struct {
	Cases       []*listCase `json:"cases"`
	SeedSeconds []float64   `json:"bulk_load_seconds"`
	TargetP95MS float64     `json:"target_p95_ms"`
	TargetRatio float64     `json:"target_ratio"`
	Command     string      `json:"command"`
}

type memoryResult struct {
	PeakMB   float64 `json:"peak_rss_mb"`
	NowMB    float64 `json:"rss_mb"`
	TargetMB float64 `json:"target_mb"`
	Command  string  `json:"command"`
}

// target is one of the targets and whether this run met it.
type target struct {
	Name string `json:"name"`
	Want string `json:"want"`
	Got  string `json:"got"`
	Met  bool   `json:"met"`
}

func newReport() *report {
	return &report{StartedAt: time.Now().UTC(), Machine: machineInfo()}
}

// finish checks the targets.
func (r *report) finish() {
	r.Seconds = time.Since(r.StartedAt).Seconds()
	r.Machine.LoadAfter = loadAverage()
	add := func(name, want, got string, met bool) {
		r.Targets = append(r.Targets, target{name, want, got, met})
	}
	if w := r.Webhook; w != nil {
		if w.Pgbench != nil {
			add("webhook fulfilment vs pgbench", fmt.Sprintf("≥ %.2f×", w.TargetRatio),
				fmt.Sprintf("%.2f× (%.0f vs %.0f/s)", w.Ratio, w.PerSecond, w.Pgbench.TPS), w.Ratio >= w.TargetRatio)
		}
		if o := w.Open; o != nil {
			add("webhook p99 at half the rate (rounds' median)", fmt.Sprintf("≤ %.0f ms", o.TargetP99MS),
				fmt.Sprintf("%.1f ms at %.0f/s", o.P99MS, o.PerSecond), o.P99MS <= o.TargetP99MS)
		}
	}
	if l := r.List; l != nil {
		l.TargetP95MS, l.TargetRatio = 30, 1.5
		worstP95, worstRatio := 0.0, 0.0
		var p95Case, ratioCase string
		for _, c := range l.Cases {
			if f := c.At["1m"]; f != nil && f.P95MS > worstP95 {
				worstP95, p95Case = f.P95MS, c.Name
			}
			if c.Ratio > worstRatio {
				worstRatio, ratioCase = c.Ratio, c.Name
			}
		}
		if p95Case != "" {
			add("list p95 at 1M, worst case", fmt.Sprintf("≤ %.0f ms", l.TargetP95MS),
				fmt.Sprintf("%.1f ms (%s)", worstP95, p95Case), worstP95 <= l.TargetP95MS)
		}
		if ratioCase != "" {
			add("list 1M/10k (p50), worst case", fmt.Sprintf("≤ %.1f", l.TargetRatio),
				fmt.Sprintf("%.2f (%s)", worstRatio, ratioCase), worstRatio <= l.TargetRatio)
		}
	}
	if m := r.Memory; m != nil {
		add("server peak RSS", fmt.Sprintf("≤ %.0f MB", m.TargetMB), fmt.Sprintf("%.1f MB", m.PeakMB), m.PeakMB <= m.TargetMB)
	}
	if rd := r.Ready; rd != nil {
		add("ready after start (median)", fmt.Sprintf("≤ %.0f ms", rd.TargetMS), fmt.Sprintf("%.0f ms", rd.MedianMS), rd.MedianMS <= rd.TargetMS)
	}
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
	if wh := r.Webhook; wh != nil {
		p("")
		p("WEBHOOK FULFILMENT\t%d rounds of %d events, %d at a time; rates are the rounds' medians", wh.Rounds, wh.Events, wh.Concurrency)
		p("  server\t%.0f events/s\tp50 %.2f ms\tp99 %.2f ms\tCPU/event: machine %.3f ms, server %.3f ms, sender %.3f ms",
			wh.PerSecond, wh.P50MS, wh.P99MS, wh.CPU.MachineMS, wh.CPU.ServerMS, wh.CPU.LoadMS)
		if o := wh.Open; o != nil {
			p99s := make([]string, len(o.PerRound))
			for i, r := range o.PerRound {
				p99s[i] = fmt.Sprintf("%.1f", r.P99MS)
			}
			p("  server at a fixed %.0f/s\t%d rounds of %d\tp50 %.2f ms\tp99 %.2f ms (rounds %s; all %.2f)",
				o.PerSecond, len(o.PerRound), o.Events, o.P50MS, o.P99MS, strings.Join(p99s, ", "), o.PooledP99MS)
		}
		if pg := wh.Pgbench; pg != nil {
			p("  pgbench, same SQL\t%.0f tx/s\tp50 %.2f ms\tp99 %.2f ms\tCPU/tx: machine %.3f ms, pgbench %.3f ms",
				pg.TPS, pg.P50MS, pg.P99MS, pg.CPU.MachineMS, pg.CPU.LoadMS)
			rounds := make([]string, len(wh.PerRound))
			for i, r := range wh.PerRound {
				rounds[i] = fmt.Sprintf("%.0f/%.0f = %.2f", r.Server, r.Pgbench, r.Ratio)
			}
			p("  server / pgbench\t%.2f\trounds: %s", wh.Ratio, strings.Join(rounds, ", "))
			p("  pgbench command\t%s", pg.Command)
		}
		p("  SQL per fulfilment\t%d statements, recorded on the wire; fulfil.sql matches: %t", len(wh.Statements), wh.ScriptMatches)
		p("  command\t%s", wh.Command)
	}
	if c := r.Checkout; c != nil {
		p("")
		p("CHECKOUT\t%d requests, %d at a time", c.Requests, c.Concurrency)
		p("  server\t%.0f requests/s\tp50 %.2f ms\tp99 %.2f ms\tCPU/checkout: machine %.3f ms, server %.3f ms, Stripe %.3f ms, sender %.3f ms",
			c.PerSecond, c.P50MS, c.P99MS, c.CPU.MachineMS, c.CPU.ServerMS, c.StripeCPUMS, c.CPU.LoadMS)
		p("  waiting on Stripe\t%.0f%% of the time\t%d calls, p50 %.2f ms", c.StripeShare*100, c.StripeCalls, c.StripeP50MS)
		p("  command\t%s", c.Command)
	}
	if l := r.List; l != nil {
		p("")
		p("LIST\tp50 / p95 ms at 10k\tat 1M\t1M/10k p50 (p95)")
		for _, c := range l.Cases {
			small, big := c.At["10k"], c.At["1m"]
			line := "  " + c.Name + "\t"
			if small != nil {
				line += fmt.Sprintf("%.2f / %.2f", small.P50MS, small.P95MS)
			}
			line += "\t"
			if big != nil {
				line += fmt.Sprintf("%.2f / %.2f\t%.2f (%.2f)", big.P50MS, big.P95MS, c.Ratio, c.RatioP95)
			}
			p("%s", line)
		}
		if len(l.SeedSeconds) > 0 {
			secs := make([]string, len(l.SeedSeconds))
			for i, s := range l.SeedSeconds {
				secs[i] = fmt.Sprintf("%.1f s", s)
			}
			p("  bulk loads\t%s", strings.Join(secs, ", "))
		}
		p("  command\t%s", l.Command)
	}
	if m := r.Memory; m != nil {
		p("")
		p("MEMORY\tpeak RSS %.1f MB (now %.1f MB), after all the load above", m.PeakMB, m.NowMB)
	}
	if rd := r.Ready; rd != nil {
		p("")
		p("READY\tmedian %.0f ms from exec to the first 200 of /readyz\truns %v", rd.MedianMS, rd.RunsMS)
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
	p("TARGETS")
	for _, tg := range r.Targets {
		verdict := "met"
		if !tg.Met {
			verdict = "MISSED"
		}
		p("  %s\t%s\t%s\t%s", tg.Name, tg.Want, tg.Got, verdict)
	}
	w.Flush()
}
