package bench_test

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// soakResult is the server at the fixed rate for -perf.soak, its memory
// and garbage collector sampled every ten seconds.
type soakResult struct {
	Seconds   float64 `json:"seconds"`
	PerSecond float64 `json:"per_second"`
	P99MS     float64 `json:"p99_ms"`
	// WarmUpSeconds are left out of the slope.
	WarmUpSeconds float64      `json:"warm_up_seconds"`
	SlopeMBPerMin float64      `json:"rss_slope_mb_per_minute"`
	SlopePoints   int          `json:"slope_points"`
	PeakMB        float64      `json:"peak_rss_mb"`
	TargetSlope   float64      `json:"target_slope_mb_per_minute"`
	TargetMB      float64      `json:"target_mb"`
	Series        []soakSample `json:"series"`
	Command       string       `json:"command"`
}

// soakSample is one point of the series; the GC figures are of the
// collections since the sample before.
type soakSample struct {
	AtSeconds     float64 `json:"at_s"`
	RSSMB         float64 `json:"rss_mb"`
	GCs           int64   `json:"gcs"`
	GCPauseMaxMS  float64 `json:"gc_pause_max_ms"`
	GCPauseMeanMS float64 `json:"gc_pause_mean_ms"`
	P99MS         float64 `json:"p99_ms"`
}

// gcStats is the server's collector so far, from its /metrics.
type gcStats struct {
	count    int64
	sum, max float64 // seconds; max is of the recent collections
}

// parseGCStats reads go_gc_duration_seconds from Prometheus's text format.
func parseGCStats(r io.Reader) gcStats {
	var g gcStats
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		name, value, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil {
			continue
		}
		switch name {
		case "go_gc_duration_seconds_count":
			g.count = int64(v)
		case "go_gc_duration_seconds_sum":
			g.sum = v
		case `go_gc_duration_seconds{quantile="1"}`:
			g.max = v
		}
	}
	return g
}

func (b *bench) gcStats() gcStats {
	res, err := b.client.Get("http://" + b.metricsAddr + "/metrics")
	if err != nil {
		b.t.Fatalf("the server's metrics: %v", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b.t.Fatalf("the server's metrics: %d", res.StatusCode)
	}
	return parseGCStats(res.Body)
}

// measureSoak sends the realistic mix at the fixed rate for -perf.soak,
// ten seconds' worth at a time (each seeded just before it is sent), and
// samples the server after each: its RSS, its collections and their
// pauses, and the p99 of the deliveries. The RSS slope is fitted after
// the warm-up, the first fifth (at least a minute).
func (b *bench) measureSoak() *soakResult {
	t := b.t
	rate, _ := b.latencyRate()
	res := &soakResult{PerSecond: rate, TargetSlope: 1, TargetMB: 100, Command: baseCommand + " -perf.only=soak -perf.soak=" + soakFor.String(),
		WarmUpSeconds: max(soakFor.Seconds()/5, 60)}
	const chunk = 10 * time.Second
	start := time.Now()
	var all latencies
	lastGC := b.gcStats()
	for k := 0; time.Since(start) < *soakFor; k++ {
		mix := b.eventMix(fmt.Sprintf("sk%d_", k), max(int(rate*chunk.Seconds()), 1), uint64(k))
		r := openLoop(len(mix.entries), rate, mix.deliver)
		if r.errors > 0 {
			t.Fatalf("soak: %d of %d failed: %v", r.errors, len(r.lat), r.firstErr)
		}
		all = append(all, r.lat...)
		mem, _ := readRSS(b.server.Pid())
		gc := b.gcStats()
		s := soakSample{AtSeconds: time.Since(start).Seconds(), RSSMB: mem.nowMB, GCs: gc.count - lastGC.count,
			GCPauseMaxMS: gc.max * 1000, P99MS: ms(r.lat.percentile(99))}
		if s.GCs > 0 {
			s.GCPauseMeanMS = (gc.sum - lastGC.sum) * 1000 / float64(s.GCs)
		}
		res.Series = append(res.Series, s)
		res.PeakMB = max(res.PeakMB, mem.peakMB)
		lastGC = gc
	}
	res.Seconds = time.Since(start).Seconds()
	res.P99MS = ms(all.percentile(99))
	var xs, ys []float64
	for _, s := range res.Series {
		if s.AtSeconds >= res.WarmUpSeconds {
			xs, ys = append(xs, s.AtSeconds/60), append(ys, s.RSSMB)
		}
	}
	res.SlopePoints = len(xs)
	res.SlopeMBPerMin = slope(xs, ys)
	return res
}
