package bench_test

import (
	"crypto/sha256"
	"time"
)

// hostWork is a fixed piece of CPU work: 16 MB through SHA-256, a few
// tens of milliseconds. Timed when the benchmark's own processes are idle
// (between rounds), it shows the host's speed at that moment: a slower
// time without foreign CPU on this machine means the host itself has less
// to give (another tenant of the same hardware), which /proc/stat cannot
// show.
var hostBlock = make([]byte, 1<<20)

// hostMS times hostWork five times and keeps the fastest (the others may
// have been preempted), in milliseconds.
func hostMS() float64 {
	best := time.Duration(1 << 62)
	for range 5 {
		start := time.Now()
		for range 16 {
			sha256.Sum256(hostBlock)
		}
		best = min(best, time.Since(start))
	}
	return ms(best)
}
