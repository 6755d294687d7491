package secure

import (
	"sync"
	"time"

	"upgrades/application"
)

// Throttle is a token bucket per key, in memory: Burst attempts at once,
// then one more every Every. A key whose bucket has refilled is forgotten,
// so memory follows the keys that failed recently, not every key ever seen.
//
// Each server process keeps its own buckets: behind a load balancer with
// several replicas a guesser gets the allowance once per replica.
type Throttle struct {
	burst float64
	every time.Duration

	mu        sync.Mutex
	buckets   map[string]*bucket
	sweepSize int // the map's size that triggers the next sweep
}

type bucket struct {
	tokens float64
	at     time.Time // when tokens was last brought up to date
}

var _ application.Throttle = (*Throttle)(nil)

// NewThrottle allows burst attempts per key, then one every every.
func NewThrottle(burst int, every time.Duration) *Throttle {
	if burst < 1 || every <= 0 {
		panic("secure: a throttle needs a burst of at least 1 and a positive refill interval")
	}
	return &Throttle{burst: float64(burst), every: every, buckets: map[string]*bucket{}, sweepSize: 1024}
}

func (t *Throttle) Take(key string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	b, ok := t.buckets[key]
	if !ok {
		t.sweep(now)
		b = &bucket{tokens: t.burst, at: now}
		t.buckets[key] = b
	}
	t.refill(b, now)
	if b.tokens < 1 {
		return time.Duration((1 - b.tokens) * float64(t.every))
	}
	b.tokens--
	return 0
}

func (t *Throttle) Return(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if b, ok := t.buckets[key]; ok {
		b.tokens = min(t.burst, b.tokens+1)
	}
}

func (t *Throttle) refill(b *bucket, now time.Time) {
	if now.After(b.at) {
		b.tokens = min(t.burst, b.tokens+float64(now.Sub(b.at))/float64(t.every))
		b.at = now
	}
}

// sweep forgets the full buckets once the map has doubled since the last
// sweep, so that the work is proportional to the keys added.
func (t *Throttle) sweep(now time.Time) {
	if len(t.buckets) < t.sweepSize {
		return
	}
	for k, b := range t.buckets {
		if t.refill(b, now); b.tokens >= t.burst {
			delete(t.buckets, k)
		}
	}
	t.sweepSize = max(1024, 2*len(t.buckets))
}
