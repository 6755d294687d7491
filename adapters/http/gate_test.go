package http

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestGateLetsNThroughAndQueuesTheRest(t *testing.T) {
	g := newGate(2, 1)
	ctx := context.Background()
	if !g.enter(ctx) || !g.enter(ctx) {
		t.Fatal("the first two were not let through")
	}
	// The third waits for a slot; a fourth finds the queue full.
	third := make(chan bool)
	go func() { third <- g.enter(ctx) }()
	for g.waiting.Load() != 1 {
		time.Sleep(time.Millisecond) // until the third is waiting
	}
	if g.enter(ctx) {
		t.Fatal("a request past the queue was let through")
	}
	g.leave()
	if !<-third {
		t.Fatal("the waiting request was not let through when a slot freed")
	}
	// One whose context ends while it waits gives up.
	cancelled, cancel := context.WithCancel(ctx)
	gaveUp := make(chan bool)
	go func() { gaveUp <- g.enter(cancelled) }()
	for g.waiting.Load() != 1 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if <-gaveUp {
		t.Fatal("a cancelled request was let through")
	}
	if g.waiting.Load() != 0 {
		t.Fatalf("%d still counted as waiting", g.waiting.Load())
	}
}

func TestGateNeverHasMoreThanNInside(t *testing.T) {
	const n, callers = 3, 64
	g := newGate(n, callers)
	var inside, most atomic.Int64
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			if !g.enter(context.Background()) {
				t.Error("turned away with room in the queue")
				return
			}
			now := inside.Add(1)
			for m := most.Load(); now > m && !most.CompareAndSwap(m, now); m = most.Load() {
			}
			time.Sleep(time.Millisecond) // hold the slot so others queue
			inside.Add(-1)
			g.leave()
		})
	}
	wg.Wait()
	if most.Load() > n {
		t.Fatalf("%d inside at once, want at most %d", most.Load(), n)
	}
}
