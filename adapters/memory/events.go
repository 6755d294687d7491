package memory

import (
	"context"
	"slices"
	"strings"
	"time"

	"upgrades/application"
	"upgrades/domain"
)

type events DB

var _ application.PaymentEvents = (*events)(nil)

func (r *events) Record(_ context.Context, e application.ReceivedEvent) (bool, error) {
	rec, ok := r.events[e.ID]
	if ok && !rec.processedAt.IsZero() {
		return false, nil
	}
	if ok {
		old := *rec
		rec.attempts++
		(*DB)(r).onRollback(func() { *rec = old })
		return true, nil
	}
	r.events[e.ID] = &eventRecord{event: e, attempts: 1}
	(*DB)(r).onRollback(func() { delete(r.events, e.ID) })
	return true, nil
}

func (r *events) Finish(_ context.Context, id string, outcome domain.Outcome, upgrade domain.UpgradeID, at time.Time) error {
	rec, ok := r.events[id]
	if !ok {
		return domain.Errorf(domain.KindNotFound, "event %s not recorded", id)
	}
	old := *rec
	rec.outcome, rec.upgrade, rec.processedAt, rec.lastError = outcome.String(), upgrade, at, ""
	(*DB)(r).onRollback(func() { *rec = old })
	return nil
}

func (r *events) Fail(_ context.Context, e application.ReceivedEvent, reason string) error {
	rec, ok := r.events[e.ID]
	if !ok {
		rec = &eventRecord{event: e}
		r.events[e.ID] = rec
		(*DB)(r).onRollback(func() { delete(r.events, e.ID) })
	} else if !rec.processedAt.IsZero() {
		return nil
	}
	old := *rec
	rec.attempts++
	rec.lastError = reason
	(*DB)(r).onRollback(func() { *rec = old })
	return nil
}

func (r *events) List(_ context.Context, f application.EventFilter) ([]application.StoredEvent, error) {
	var out []application.StoredEvent
	for _, rec := range r.events {
		e := rec.stored()
		if (f.Status == "" || f.Status == e.Status() || (f.Status == application.EventUnprocessed && e.Outcome == "")) &&
			(f.Type == "" || f.Type == e.Type) {
			e.Payload = nil
			out = append(out, e)
		}
	}
	// Newest first, as PostgreSQL orders them: by arrival, then id.
	slices.SortFunc(out, func(a, b application.StoredEvent) int {
		if c := b.ReceivedAt.Compare(a.ReceivedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

func (r *events) Get(_ context.Context, id string) (application.StoredEvent, error) {
	rec, ok := r.events[id]
	if !ok {
		return application.StoredEvent{}, domain.Errorf(domain.KindNotFound, "no event %q is stored", id)
	}
	return rec.stored(), nil
}

func (rec *eventRecord) stored() application.StoredEvent {
	return application.StoredEvent{
		ID: rec.event.ID, Type: rec.event.Type, Livemode: rec.event.Livemode,
		ReceivedAt: rec.event.ReceivedAt, ProcessedAt: rec.processedAt, Outcome: rec.outcome,
		UpgradeID: rec.upgrade, Attempts: rec.attempts, LastError: rec.lastError,
		Payload: slices.Clone(rec.event.Payload),
	}
}

// EventOutcome reports how a stored event ended ("" while unprocessed)
// and how many times it was attempted.
func (db *DB) EventOutcome(id string) (outcome string, attempts int, ok bool) {
	db.mu.Lock()
	defer db.mu.Unlock()
	rec, ok := db.events[id]
	if !ok {
		return "", 0, false
	}
	return rec.outcome, rec.attempts, true
}

type messages DB

var _ application.Messages = (*messages)(nil)

func (r *messages) Create(_ context.Context, m *domain.Message) error {
	if _, ok := r.users[m.UserID]; !ok {
		return domain.Errorf(domain.KindNotFound, "user %d not found", m.UserID)
	}
	c := *m
	c.ID = domain.MessageID((*DB)(r).id("messages"))
	m.ID = c.ID
	r.messages = append(r.messages, &c)
	n := len(r.messages)
	(*DB)(r).onRollback(func() { r.messages = r.messages[:n-1] })
	return nil
}

func (r *messages) MarkRead(_ context.Context, user domain.UserID, ids []domain.MessageID, now time.Time) error {
	for _, m := range r.messages {
		if m.UserID == user && m.Unread() && slices.Contains(ids, m.ID) {
			m.ReadAt = now
			(*DB)(r).onRollback(func() { m.ReadAt = time.Time{} })
		}
	}
	return nil
}

// unread counts a user's unread messages.
func (r *messages) unread(user domain.UserID) int {
	n := 0
	for _, m := range r.messages {
		if m.UserID == user && m.Unread() {
			n++
		}
	}
	return n
}

func (r *messages) ForUser(_ context.Context, user domain.UserID, limit int) ([]*domain.Message, error) {
	var out []*domain.Message
	for _, m := range slices.Backward(r.messages) {
		if m.UserID == user {
			c := *m
			out = append(out, &c)
			if len(out) == limit {
				break
			}
		}
	}
	return out, nil
}

func (r *events) CountUnprocessed(context.Context) (int, error) {
	n := 0
	for _, rec := range r.events {
		if rec.processedAt.IsZero() {
			n++
		}
	}
	return n, nil
}
