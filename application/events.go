package application

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"upgrades/domain"
)

// Event statuses an operator lists by, besides the outcomes of processed
// events (applied, anomaly, unmatched…).
const (
	EventUnprocessed = "unprocessed" // not processed yet: failed, or in flight
	EventFailed      = "failed"      // not processed, and the last attempt failed
)

// EventStatuses are the values of EventFilter.Status.
var EventStatuses = []string{EventUnprocessed, EventFailed, "applied", "ignored", "anomaly", "noted", "unhandled", "unmatched"}

// Bounds of an event listing.
const (
	DefaultEventLimit = 50
	MaxEventLimit     = 1000
)

// EventFilter selects stored events; zero fields select everything.
type EventFilter struct {
	Status string
	Type   string
	Limit  int
}

// StoredEvent is a provider event as stored, with how it ended.
type StoredEvent struct {
	ID          string
	Type        string
	Livemode    bool
	ReceivedAt  time.Time
	ProcessedAt time.Time // zero while unprocessed
	Outcome     string    // "" while unprocessed
	UpgradeID   domain.UpgradeID
	Attempts    int
	LastError   string
	Payload     []byte // filled by Get only
}

// Status is the outcome of a processed event, else failed or unprocessed.
func (e StoredEvent) Status() string {
	switch {
	case e.Outcome != "":
		return e.Outcome
	case e.LastError != "":
		return EventFailed
	}
	return EventUnprocessed
}

// ListEvents lists stored provider events for operators.
type ListEventsHandler struct{ uow UnitOfWork }

func NewListEventsHandler(uow UnitOfWork) ListEventsHandler { return ListEventsHandler{uow} }

func (h ListEventsHandler) Handle(ctx context.Context, f EventFilter) ([]StoredEvent, error) {
	f.Status, f.Type = strings.ToLower(strings.TrimSpace(f.Status)), strings.TrimSpace(f.Type)
	if f.Status != "" && !contains(EventStatuses, f.Status) {
		return nil, domain.Errorf(domain.KindInvalid, "the status must be one of %s, not %q", strings.Join(EventStatuses, ", "), f.Status)
	}
	switch {
	case f.Limit < 0 || f.Limit > MaxEventLimit:
		return nil, domain.Errorf(domain.KindInvalid, "the limit must be between 1 and %d", MaxEventLimit)
	case f.Limit == 0:
		f.Limit = DefaultEventLimit
	}
	var out []StoredEvent
	err := h.uow.Do(ctx, func(ctx context.Context, s Store) (err error) {
		out, err = s.Events.List(ctx, f)
		return err
	})
	return out, err
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// ReplayEvent applies a stored provider event again.
type ReplayEvent struct {
	By         Actor
	ID, Reason string
}

// Replayed says what replaying did.
type Replayed struct {
	Event   StoredEvent // as it was before the replay
	Applied Applied     // Duplicate: it was already processed, nothing was done
}

// ReplayEventHandler reads a stored event's payload with the same mapping
// as the webhook and hands it to the same fulfilment. The signature is not
// checked again: it was checked before the event was stored, and Stripe's
// signatures expire after minutes, so a replay could never pass it.
type ReplayEventHandler struct {
	reader EventReader
	fulfil fulfilment
}

func NewReplayEventHandler(uow UnitOfWork, reader EventReader, gateway PaymentGateway, clock Clock, logger *slog.Logger, shop Shop) ReplayEventHandler {
	return ReplayEventHandler{reader, newFulfilment(uow, gateway, clock, logger, shop)}
}

func (h ReplayEventHandler) Handle(ctx context.Context, cmd ReplayEvent) (Replayed, error) {
	if h.reader == nil {
		return Replayed{}, errors.New("no event reader is configured")
	}
	var stored StoredEvent
	err := h.fulfil.uow.Do(ctx, func(ctx context.Context, s Store) (err error) {
		if err = authorizeOwner(ctx, s, cmd.By, "replay events"); err != nil {
			return err
		}
		stored, err = s.Events.Get(ctx, cmd.ID)
		return err
	})
	if err != nil {
		return Replayed{}, err
	}
	if stored.Outcome != "" {
		// Fulfilment would see the id processed and do nothing; saying so
		// here spares reading a payload that may no longer parse.
		return Replayed{Event: stored, Applied: Applied{Duplicate: true}}, nil
	}
	if len(stored.Payload) == 0 {
		return Replayed{Event: stored}, domain.Errorf(domain.KindInvalid, "event %s was stored without its payload: it cannot be replayed", stored.ID)
	}
	entry, err := newEntry(domain.AuditEventReplay, cmd.By, domain.SubjectEvent(stored.ID), cmd.Reason, h.fulfil.clock)
	if err != nil {
		return Replayed{Event: stored}, err
	}
	ev, err := h.reader.Read(stored.Payload)
	if err != nil {
		return Replayed{Event: stored}, fmt.Errorf("reading the stored event %s: %w", stored.ID, err)
	}
	if ev.ID != stored.ID {
		return Replayed{Event: stored}, domain.Errorf(domain.KindInvalid, "the stored payload of %s is event %q", stored.ID, ev.ID)
	}
	ev.Source, ev.Audit = "replay", &entry
	h.fulfil.logger.InfoContext(ctx, "replaying a stored event", "event", ev.ID, "type", ev.Type)
	applied, err := h.fulfil.apply(ctx, ev)
	return Replayed{Event: stored, Applied: applied}, err
}
