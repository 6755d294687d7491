package bench_test

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestBootstrapMedian(t *testing.T) {
	rounds := []float64{0.62, 0.54, 0.77, 0.61, 0.66, 0.59}
	iv := bootstrapMedian(rounds)
	if iv.Median != 0.615 || iv.N != 6 {
		t.Errorf("median %v of %d, want 0.615 of 6", iv.Median, iv.N)
	}
	if !(iv.Low <= iv.Median && iv.Median <= iv.High) || iv.Low < 0.54 || iv.High > 0.77 || iv.Low == iv.High {
		t.Errorf("interval %v: want the median inside, within the rounds, and some width", iv)
	}
	if again := bootstrapMedian(rounds); again != iv {
		t.Errorf("the same rounds gave %v, then %v: the seed is not fixed", iv, again)
	}
	if same := bootstrapMedian([]float64{3, 3, 3, 3}); same.Low != 3 || same.High != 3 {
		t.Errorf("equal rounds: %v, want [3, 3]", same)
	}
	if none := bootstrapMedian(nil); none != (interval{}) {
		t.Errorf("no rounds: %v, want nothing measured", none)
	}
	// A tight cluster gives a narrower interval than a spread one.
	tight := bootstrapMedian([]float64{0.80, 0.81, 0.82, 0.81, 0.80, 0.82})
	if tight.High-tight.Low >= iv.High-iv.Low {
		t.Errorf("tight rounds %v are no narrower than spread ones %v", tight, iv)
	}
}

func TestVerdicts(t *testing.T) {
	iv := func(lo, hi float64) interval { return interval{Median: (lo + hi) / 2, Low: lo, High: hi, N: 6} }
	for _, c := range []struct {
		name      string
		got       interval
		goal      float64
		least, at verdict
	}{
		{"above", iv(0.82, 0.90), 0.80, met, missed},
		{"on the goal", iv(0.80, 0.85), 0.80, met, inconclusive},
		{"straddling", iv(0.75, 0.85), 0.80, inconclusive, inconclusive},
		{"below", iv(0.60, 0.70), 0.80, missed, met},
		{"nothing measured", interval{}, 0.80, inconclusive, inconclusive},
		{"no rounds", bootstrapMedian(nil), 0.80, inconclusive, inconclusive},
	} {
		if v := atLeast(c.got, c.goal); v != c.least {
			t.Errorf("%s: at least %v: %s, want %s", c.name, c.goal, v, c.least)
		}
		if v := atMost(c.got, c.goal); v != c.at {
			t.Errorf("%s: at most %v: %s, want %s", c.name, c.goal, v, c.at)
		}
	}
}

func TestSlope(t *testing.T) {
	if s := slope([]float64{0, 1, 2, 3}, []float64{10, 12, 14, 16}); s != 2 {
		t.Errorf("slope %v, want 2", s)
	}
	if s := slope([]float64{1}, []float64{1}); s != 0 {
		t.Errorf("one point: slope %v, want 0", s)
	}
}

func TestParseProcStat(t *testing.T) {
	// A command with a space and a parenthesis in it; utime 250, stime 50.
	stat := "4242 (upgrades (x) serve) S 1 4242 4242 0 -1 4194560 3456 0 0 0 250 50 0 0 20 0 9 0 12345 1234567 890 18446744073709551615"
	if cpu, ok := parseProcessStat(stat); !ok || cpu != 3*time.Second {
		t.Errorf("process: %v, %t; want 3s", cpu, ok)
	}
	if _, ok := parseProcessStat("4242 (short) S 1"); ok {
		t.Error("a truncated stat was read")
	}
	machine := "cpu  1000 20 300 5000 400 10 20 30 0 0\ncpu0 500 10 150 2500 200 5 10 15 0 0\n"
	// user+nice+system+irq+softirq+steal = 1380 ticks; idle and iowait left out.
	if busy, ok := parseMachineStat(machine); !ok || busy != 13800*time.Millisecond {
		t.Errorf("machine: %v, %t; want 13.8s", busy, ok)
	}
	if _, ok := parseMachineStat("intr 1 2 3"); ok {
		t.Error("a line other than cpu was read")
	}
}

func TestOwnPostgres(t *testing.T) {
	for _, c := range []struct {
		cmdline string
		own     bool
	}{
		{"/usr/lib/postgresql/15/bin/postgres\x00-D\x00/var/lib/postgresql/15/main\x00", true},
		{"postgres: 15/main: checkpointer ", true},
		{"postgres: 15/main: walwriter ", true},
		{"postgres: 15/main: postgres bench_db 127.0.0.1(53412) idle", true},
		{"postgres: 15/main: postgres bench_db 127.0.0.1(53412) INSERT", true},
		{"postgres: 15/main: autovacuum worker bench_db", true},
		{"postgres: 15/main: postgres other_db 127.0.0.1(53413) idle", false},
		{"postgres: 15/main: autovacuum worker other_db", false},
		{"postgres: postgres bench_db_2 [local] idle", false},
	} {
		if got := ownPostgres(c.cmdline, "bench_db"); got != c.own {
			t.Errorf("%q: own %t, want %t", c.cmdline, got, c.own)
		}
	}
}

func TestForeignShare(t *testing.T) {
	// 20 s on 2 processors is 40 s of capacity; 30 s busy, 26 of them ours.
	if s := foreignShare(30*time.Second, 26*time.Second, 20*time.Second, 2); math.Abs(s-0.1) > 1e-9 {
		t.Errorf("share %v, want 0.1", s)
	}
	// Ours measured a little above the machine (sampling) is no foreign CPU.
	if s := foreignShare(10*time.Second, 11*time.Second, 20*time.Second, 2); s != 0 {
		t.Errorf("share %v, want 0", s)
	}
}

func TestParseRSS(t *testing.T) {
	r := parseRSS("Name:\tupgrades\nVmPeak:\t  812345 kB\nVmHWM:\t   51200 kB\nVmRSS:\t   40960 kB\nThreads:\t9\n")
	if r.peakMB != 50 || r.nowMB != 40 {
		t.Errorf("%+v, want peak 50 MB, now 40 MB", r)
	}
}

func TestP95Intervals(t *testing.T) {
	var fast, slow latencies
	for i := range 200 {
		fast = append(fast, time.Duration(1000+i*10)*time.Microsecond) // 1 to 3 ms
		slow = append(slow, time.Duration(2000+i*20)*time.Microsecond) // twice as slow
	}
	iv := p95Interval(fast)
	if iv.Median != 2.89 || iv.Low > iv.Median || iv.High < iv.Median || iv.High > 2.99 {
		t.Errorf("p95 %v, want 2.89 inside an interval within the sample", iv)
	}
	r := p95RatioInterval(slow, fast)
	if math.Abs(r.Median-2) > 1e-9 || r.Low > 2 || r.High < 2 {
		t.Errorf("ratio %v, want 2 inside its interval", r)
	}
}

func TestParseGCStats(t *testing.T) {
	g := parseGCStats(strings.NewReader(`# HELP go_gc_duration_seconds A summary of the wall-time pause (stop-the-world) duration in garbage collection cycles.
# TYPE go_gc_duration_seconds summary
go_gc_duration_seconds{quantile="0"} 2.1e-05
go_gc_duration_seconds{quantile="0.5"} 5.2e-05
go_gc_duration_seconds{quantile="1"} 0.00123
go_gc_duration_seconds_sum 0.0456
go_gc_duration_seconds_count 321
go_goroutines 17
# HELP go_sql_wait_count_total The total number of connections waited for.
go_sql_wait_count_total{db_name="upgrades"} 12
go_sql_wait_duration_seconds_total{db_name="upgrades"} 0.25
`))
	if g.count != 321 || g.sum != 0.0456 || g.max != 0.00123 || g.poolWaits != 12 || g.poolWaited != 0.25 {
		t.Errorf("%+v, want 321 collections, 0.0456 s in all, at most 1.23 ms; 12 waits for 0.25 s", g)
	}
}

// verdictOf finds a target of the report by the start of its name.
func verdictOf(t *testing.T, r *report, name string) target {
	t.Helper()
	for _, tg := range r.Targets {
		if strings.HasPrefix(tg.Name, name) {
			return tg
		}
	}
	t.Fatalf("no target %q in %+v", name, r.Targets)
	return target{}
}

func TestReportVerdicts(t *testing.T) {
	capture := captureResult{ServerRoundTrips: 4, PgbenchRoundTrips: 4, TargetRoundTrips: 4}

	// A script that no longer matches is MISSED, and so is the ratio it
	// could not measure: neither is left out.
	r := &report{Webhook: &webhookResult{TargetRatio: 0.8, Capture: capture}}
	r.finish()
	if tg := verdictOf(t, r, "fulfilment vs pgbench"); tg.Verdict != missed || !strings.Contains(tg.Got, "not measured") {
		t.Errorf("ratio with a stale script: %+v", tg)
	}
	if tg := verdictOf(t, r, "fulfil.sql is the server's SQL"); tg.Verdict != missed {
		t.Errorf("stale script: %+v", tg)
	}

	// Pairs straddling the goal are inconclusive; all excluded too.
	capture.ScriptMatches = true
	ratios := []float64{0.72, 0.85, 0.78, 0.83, 0.80, 0.76}
	r = &report{Webhook: &webhookResult{TargetRatio: 0.8, Capture: capture, Ratio: bootstrapMedian(ratios), Pairs: make([]webhookPair, 6)}}
	r.finish()
	if tg := verdictOf(t, r, "fulfilment vs pgbench"); tg.Verdict != inconclusive || tg.Interval == nil {
		t.Errorf("straddling pairs: %+v", tg)
	}
	if tg := verdictOf(t, r, "round trips"); tg.Verdict != met {
		t.Errorf("4 round trips: %+v", tg)
	}
	r = &report{Webhook: &webhookResult{TargetRatio: 0.8, Capture: capture, Ratio: bootstrapMedian([]float64{0.5, 0.55}), Pairs: make([]webhookPair, 6), Excluded: 4}}
	r.finish()
	if tg := verdictOf(t, r, "fulfilment vs pgbench"); tg.Verdict != inconclusive || !strings.Contains(tg.Got, "only 2 clean pairs") {
		t.Errorf("two clean pairs: %+v", tg)
	}
	r = &report{Webhook: &webhookResult{TargetRatio: 0.8, Capture: capture, Pairs: make([]webhookPair, 6), Excluded: 6}}
	r.finish()
	if tg := verdictOf(t, r, "fulfilment vs pgbench"); tg.Verdict != inconclusive || !strings.Contains(tg.Got, "6 of 6 excluded") {
		t.Errorf("every pair excluded: %+v", tg)
	}

	// The fixed rate: a worst round over the goal with the pooled p99
	// under it is inconclusive.
	r = &report{Latency: &latencyResult{TargetP99MS: 25, TargetOverMS: 10,
		Server:  &openSide{PooledP99MS: 20, WorstRoundP99MS: 40, all: latencies{time.Millisecond}},
		Pgbench: &openSide{PooledP99MS: 5, WorstRoundP99MS: 8, all: latencies{time.Millisecond}}}}
	r.finish()
	if tg := verdictOf(t, r, "p99 at 0.35"); tg.Verdict != inconclusive {
		t.Errorf("pooled under, worst over: %+v", tg)
	}
	if tg := verdictOf(t, r, "p99 over pgbench"); tg.Verdict != missed {
		t.Errorf("15 to 32 ms over pgbench: %+v", tg)
	}

	// The list's sizes: a ratio under the goal is met while the host held
	// its speed, and decides nothing when it moved between the sizes.
	list := func(host10k, host1m [2]float64) *report {
		ratio := bootstrapMedian([]float64{1.1, 1.2, 1.15, 1.1, 1.2})
		return &report{List: &listResult{TargetP95MS: 30, TargetRatio: 1.5, HostMax: 0.10,
			HostMS: map[string][2]float64{"10k": host10k, "1m": host1m},
			Cases:  []*listCase{{Name: "owner, first page", At: map[string]*listFigure{"1m": {P95MS: 5}}, RatioP95: &ratio}}}}
	}
	r = list([2]float64{15, 15.5}, [2]float64{15.2, 16})
	r.finish()
	if tg := verdictOf(t, r, "list 1M/10k"); tg.Verdict != met {
		t.Errorf("a steady host: %+v", tg)
	}
	r = list([2]float64{15, 15.5}, [2]float64{18, 19})
	r.finish()
	if tg := verdictOf(t, r, "list 1M/10k"); tg.Verdict != inconclusive || !strings.Contains(tg.Got, "27 % apart") {
		t.Errorf("a host 27 %% slower for the big table: %+v", tg)
	}
}

// A pair whose rounds were framed by host timings more than HostMax
// apart is left out, and counted apart from foreign CPU's.
func TestSummariseExcludesPairsOnAMovingHost(t *testing.T) {
	round := func(kind string, pair int, rate float64, host ...float64) webhookRound {
		return webhookRound{Kind: kind, Pair: pair, Rate: rate, Count: 100, HostMS: [2]float64{host[0], host[1]}}
	}
	res := &webhookResult{HostMax: 0.10, Rounds: []webhookRound{
		round("server", 0, 80, 15, 15.5), round("pgbench", 0, 100, 15.2, 15),
		round("pgbench", 1, 100, 15, 15), round("server", 1, 60, 15, 18), // 20 % apart
		round("server", 2, 82, 15, 15), round("pgbench", 2, 100, 14.8, 15.1),
	}}
	res.Rounds[5].Excluded = true // foreign CPU
	res.summarise(true)
	if res.Excluded != 2 || res.HostExcluded != 1 {
		t.Fatalf("excluded %d, for the host %d; want 2 and 1", res.Excluded, res.HostExcluded)
	}
	if res.Ratio.N != 1 || res.Ratio.Median != 0.8 {
		t.Fatalf("ratio %+v, want pair 1's 0.8 alone", res.Ratio)
	}
	if d := hostDrift(&res.Rounds[0], nil); d < 0.033 || d > 0.034 {
		t.Fatalf("hostDrift = %v, want 15.5/15 - 1", d)
	}
}

// go test -bench's lines are read with and without a MB/s column, and
// each benchmark's median is taken.
func TestParseGoBench(t *testing.T) {
	out := `goos: linux
BenchmarkVerify-2   	  101954	     10438 ns/op	 305.34 MB/s	    1521 B/op	      30 allocs/op
BenchmarkVerify-2   	  115884	     10269 ns/op	 310.36 MB/s	    1521 B/op	      30 allocs/op
BenchmarkVerify-2   	  111556	     10368 ns/op	 307.39 MB/s	    1520 B/op	      30 allocs/op
BenchmarkConstructEvent   	   18571	     63668 ns/op	    15730 B/op	     270 allocs/op
PASS`
	got := parseGoBench(out)
	want := []goBenchmark{{"BenchmarkVerify", 10368, 1521, 30}, {"BenchmarkConstructEvent", 63668, 15730, 270}}
	if !slices.Equal(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	if got := parseGoBench("FAIL\n"); len(got) != 0 {
		t.Fatalf("from no lines: %+v", got)
	}
}

func TestIntervalsPrintWithoutExponents(t *testing.T) {
	for iv, want := range map[interval]string{
		{Median: 1012.4, Low: 990.2, High: 1034, N: 2}:  "1012 [990, 1034]",
		{Median: 0.755, Low: 0.7191, High: 0.792, N: 2}: "0.755 [0.719, 0.792]",
		{}: "none measured",
	} {
		if got := iv.String(); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

// A pair with a round whose flushes of the write-ahead log took more than
// 1 + DiskMax times its side's median, or less than the median over it,
// is left out, and counted apart.
func TestSummariseExcludesPairsOnASlowerDisk(t *testing.T) {
	round := func(kind string, pair int, rate, flush float64) webhookRound {
		return webhookRound{Kind: kind, Pair: pair, Rate: rate, Count: 100, FlushMS: flush}
	}
	res := &webhookResult{DiskMax: 0.5, Rounds: []webhookRound{
		round("server", -1, 70, 9), round("pgbench", -1, 90, 1), // warm-ups: not in the medians
		round("server", 0, 80, 1.0), round("pgbench", 0, 100, 0.8),
		round("pgbench", 1, 60, 1.5), round("server", 1, 62, 1.1), // pgbench's 1.5 ms > 1.5 × its median 0.875
		round("server", 2, 82, 1.2), round("pgbench", 2, 100, 0.85),
		round("server", 3, 90, 0.6), round("pgbench", 3, 100, 0.9), // the server's 0.6 ms < its median 1.05 / 1.5
	}}
	for i := range res.Rounds[:2] {
		res.Rounds[i].WarmUp = true
	}
	res.summarise(true)
	if res.Excluded != 2 || res.DiskExcluded != 2 || res.HostExcluded != 0 {
		t.Fatalf("excluded %d, for the disk %d, for the host %d; want 2, 2 and 0", res.Excluded, res.DiskExcluded, res.HostExcluded)
	}
	if res.Ratio.N != 2 || res.Ratio.Median != 0.81 {
		t.Fatalf("ratio %+v, want the median of pairs 0 and 2 (0.8 and 0.82)", res.Ratio)
	}
}
