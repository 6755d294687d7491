package memory

import (
	"context"
	"sync"
	"time"

	"upgrades/application"
)

// Throttles keeps allowances in this process: with several replicas each
// has its own, which is why PostgreSQL keeps them when there is one.
// A bucket that has refilled is forgotten, so memory follows the keys that
// failed recently, not every key ever seen.
type Throttles struct {
	mu        sync.Mutex
	buckets   map[string]*bucket
	sweepSize int // the map's size that triggers the next sweep
}

type bucket struct {
	limit  application.Limit
	tokens float64
	at     time.Time // when tokens was last brought up to date
}

var _ application.Throttles = (*Throttles)(nil)

func NewThrottles() *Throttles {
	return &Throttles{buckets: map[string]*bucket{}, sweepSize: 1024}
}

func (t *Throttles) Take(ctx context.Context, now time.Time, keys []application.Allowance, decide func([]float64) time.Duration) (time.Duration, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sweep(now)
	levels := make([]float64, len(keys))
	for i, k := range keys {
		levels[i] = t.level(k, now)
	}
	wait := decide(levels)
	if wait > 0 {
		return wait, nil
	}
	for i, k := range keys {
		t.buckets[k.Key] = &bucket{limit: k.Limit, tokens: max(levels[i]-1, 0), at: latest(t.buckets[k.Key], now)}
	}
	return 0, nil
}

func (t *Throttles) Return(ctx context.Context, now time.Time, keys []application.Allowance) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		if b, ok := t.buckets[k.Key]; ok {
			b.tokens, b.at = min(t.level(k, now)+1, float64(k.Limit.Burst)), latest(b, now)
		}
	}
	return nil
}

// level is the key's level at now; a key without a bucket is full.
func (t *Throttles) level(k application.Allowance, now time.Time) float64 {
	b, ok := t.buckets[k.Key]
	if !ok {
		return float64(k.Limit.Burst)
	}
	return k.Limit.Level(b.tokens, b.at, now)
}

// latest never moves a bucket's time back, should the clock.
func latest(b *bucket, now time.Time) time.Time {
	if b != nil && b.at.After(now) {
		return b.at
	}
	return now
}

// sweep forgets the full buckets once the map has doubled since the last
// sweep, so that the work is proportional to the keys added.
func (t *Throttles) sweep(now time.Time) {
	if len(t.buckets) < t.sweepSize {
		return
	}
	for k, b := range t.buckets {
		if b.limit.Level(b.tokens, b.at, now) >= float64(b.limit.Burst) {
			delete(t.buckets, k)
		}
	}
	t.sweepSize = max(1024, 2*len(t.buckets))
}

// Len is how many keys the throttles remember.
func (t *Throttles) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.buckets)
}
