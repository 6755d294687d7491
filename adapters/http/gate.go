package http

import (
	"context"
	"sync/atomic"
	"time"

	"upgrades/domain"
)

// gate lets at most n requests through at once and at most queue wait for
// their turn. Webhooks pass it once their signature is verified (so a
// forged one never takes a turn) and before they reach the database: when
// PostgreSQL slows down (a checkpoint flushing, a disk busy elsewhere),
// more transactions at once only wait longer for each other's locks and
// flushes, so the excess waits here, where waiting costs nothing, and the
// transactions in flight finish as fast as they can. Past the queue the
// request is turned away, which Stripe retries, rather than held in
// memory.
type gate struct {
	slots   chan struct{}
	waiting atomic.Int64
	queue   int64
}

func newGate(n, queue int) *gate {
	return &gate{slots: make(chan struct{}, n), queue: int64(queue)}
}

// enter waits for a slot: false when the queue is full or ctx ends first.
// A true enter must be followed by leave.
func (g *gate) enter(ctx context.Context) bool {
	select {
	case g.slots <- struct{}{}:
		return true
	default:
	}
	defer g.waiting.Add(-1)
	if g.waiting.Add(1) > g.queue {
		return false
	}
	select {
	case g.slots <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

func (g *gate) leave() { <-g.slots }

// admit is enter and leave as application.ReceiveWebhook's Admit: a full
// queue, or a request given up while it waited, is unavailable for a
// second.
func (g *gate) admit(ctx context.Context) (release func(), err error) {
	if !g.enter(ctx) {
		e := domain.Errorf(domain.KindUnavailable, "too many webhooks at once; try again")
		e.RetryAfter = time.Second
		return nil, e
	}
	return g.leave, nil
}
