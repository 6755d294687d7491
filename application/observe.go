package application

import (
	"context"
	"time"

	"upgrades/domain"
)

// Observer hears how each webhook ended, for the operator's metrics.
// Implementations must be quick and safe for concurrent use: they are
// called on the request's path.
type Observer interface {
	// Webhook reports one delivery: its event type ("" when the payload
	// could not be verified or read), how it ended (an event outcome,
	// "duplicate", "rejected" or "failed"), whether it raised a level, and
	// how long handling it took.
	Webhook(eventType string, handled bool, outcome string, fulfilled bool, took time.Duration)
}

// Backlog is what is waiting, as counted for the operator's gauges.
type Backlog struct {
	UnprocessedEvents int
	OpenUpgrades      map[domain.Status]int // pending and processing, each present
}

// CountBacklogHandler reads the backlog in one unit of work.
type CountBacklogHandler struct{ uow UnitOfWork }

func NewCountBacklogHandler(uow UnitOfWork) CountBacklogHandler { return CountBacklogHandler{uow} }

func (h CountBacklogHandler) Handle(ctx context.Context) (Backlog, error) {
	var b Backlog
	err := h.uow.Do(ctx, func(ctx context.Context, s Store) (err error) {
		if b.UnprocessedEvents, err = s.Events.CountUnprocessed(ctx); err != nil {
			return err
		}
		b.OpenUpgrades, err = s.Upgrades.CountOpen(ctx)
		return err
	})
	return b, err
}

// CodeObserver counts redemptions of upgrade codes; an Observer that is
// also a CodeObserver is told of each.
type CodeObserver interface {
	CodeRedeemed(upgradeType string)
}
