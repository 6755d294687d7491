package bench_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// interval is a median and the bootstrap 90 % interval around it.
type interval struct {
	Median float64 `json:"median"`
	Low    float64 `json:"low"`
	High   float64 `json:"high"`
	// N is how many values it is made of.
	N int `json:"n"`
}

func (iv interval) String() string {
	if iv.N == 0 {
		return "none measured"
	}
	return fmt.Sprintf("%s [%s, %s]", figure(iv.Median), figure(iv.Low), figure(iv.High))
}

// figure is v to three significant digits, and whole from 1,000 up
// rather than in exponent form (1034, not 1.03e+03).
func figure(v float64) string {
	if math.Abs(v) >= 1000 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.3g", v)
}

// bootstrapSeed fixes the resampling, so that the same rounds always give
// the same interval.
const bootstrapSeed = 16

// bootstrapResamples is how many medians the interval is read from.
const bootstrapResamples = 10_000

// bootstrapMedian is the median of vs and its 90 % interval: vs is
// resampled with replacement, from a fixed seed, and the interval runs
// from the 5th to the 95th percentile of the resamples' medians.
func bootstrapMedian(vs []float64) interval {
	return bootstrap(func(s [][]float64) float64 { return median(s[0]) }, vs)
}

// bootstrap is stat of the samples and its 90 % interval, each sample
// resampled on its own with replacement from a fixed seed.
func bootstrap(stat func([][]float64) float64, samples ...[]float64) interval {
	n := len(samples[0])
	for _, s := range samples {
		if len(s) == 0 {
			return interval{} // N 0: nothing measured
		}
		n = min(n, len(s))
	}
	rng := rand.New(rand.NewPCG(bootstrapSeed, bootstrapSeed))
	stats := make([]float64, bootstrapResamples)
	resampled := make([][]float64, len(samples))
	for i := range resampled {
		resampled[i] = make([]float64, len(samples[i]))
	}
	for k := range stats {
		for i, s := range samples {
			for j := range resampled[i] {
				resampled[i][j] = s[rng.IntN(len(s))]
			}
		}
		stats[k] = stat(resampled)
	}
	slices.Sort(stats)
	at := func(p float64) float64 { return stats[min(int(p*float64(len(stats))), len(stats)-1)] }
	return interval{Median: stat(samples), Low: at(0.05), High: at(0.95), N: n}
}

// percentileOf is the nearest-rank percentile p (0 to 100) of vs.
func percentileOf(vs []float64, p float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	i := int(math.Ceil(float64(len(s))*p/100)) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// p95Interval is the 95th percentile of the latencies, ms, and its interval.
func p95Interval(lat latencies) interval {
	return bootstrap(func(s [][]float64) float64 { return percentileOf(s[0], 95) }, lat.ms())
}

// p95RatioInterval is big's p95 over small's, and its interval.
func p95RatioInterval(big, small latencies) interval {
	return bootstrap(func(s [][]float64) float64 { return percentileOf(s[0], 95) / percentileOf(s[1], 95) }, big.ms(), small.ms())
}

// verdict is what a run says of a target.
type verdict string

const (
	met          verdict = "met"
	missed       verdict = "MISSED"
	inconclusive verdict = "inconclusive"
)

// atLeast judges a figure that must reach goal: met when the whole
// interval does, MISSED when none of it does, inconclusive when it
// straddles the goal or nothing was measured.
func atLeast(iv interval, goal float64) verdict {
	switch {
	case iv.N == 0:
		return inconclusive
	case iv.Low >= goal:
		return met
	case iv.High < goal:
		return missed
	}
	return inconclusive
}

// atMost judges a figure that must stay at or under goal.
func atMost(iv interval, goal float64) verdict {
	switch {
	case iv.N == 0:
		return inconclusive
	case iv.High <= goal:
		return met
	case iv.Low > goal:
		return missed
	}
	return inconclusive
}

// exact is a figure measured once, without spread: its interval is itself.
func exact(v float64) interval { return interval{Median: v, Low: v, High: v, N: 1} }

// slope is the least-squares slope of ys over xs; 0 from fewer than two
// points.
func slope(xs, ys []float64) float64 {
	n := float64(len(xs))
	if len(xs) < 2 || len(xs) != len(ys) {
		return 0
	}
	var sx, sy, sxx, sxy float64
	for i := range xs {
		sx, sy, sxx, sxy = sx+xs[i], sy+ys[i], sxx+xs[i]*xs[i], sxy+xs[i]*ys[i]
	}
	d := n*sxx - sx*sx
	if d == 0 {
		return 0
	}
	return (n*sxy - sx*sy) / d
}
