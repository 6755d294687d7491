package bench_test

import (
	"crypto/sha256"
	"os/exec"
	"runtime"
	"sync"
	"testing"
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

// keepAwake keeps each processor of the machine busy with a spinner of
// the lowest priority there is (SCHED_IDLE: it runs only when nothing else
// wants the processor) until stop is called. On a virtual machine an idle
// processor halts, and waking it adds milliseconds to a request that
// arrives alone, by an amount that moves with the host; pages timed one
// request at a time then measure that more than the query. The spinners
// take nothing from the processes under test. stop may be called more
// than once.
func keepAwake(t testing.TB) (stop func()) {
	var spinners []*exec.Cmd
	for range runtime.NumCPU() {
		c := exec.Command("chrt", "--idle", "0", "sh", "-c", "while :; do :; done")
		if err := c.Start(); err != nil {
			t.Fatalf("keeping the processors awake (chrt, util-linux): %v", err)
		}
		spinners = append(spinners, c)
	}
	return sync.OnceFunc(func() {
		for _, c := range spinners {
			_ = c.Process.Kill()
			_ = c.Wait()
		}
	})
}
