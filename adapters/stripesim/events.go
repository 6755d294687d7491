package stripesim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"
)

// eventRecord is an emitted event and how its delivery went.
type eventRecord struct {
	id, typ, objectID string
	payload           []byte // the event, rendered once when it happened

	// answered is closed when the first delivery attempt has an answer
	// (or will not be made): what a paying browser waits for.
	answered     chan struct{}
	answeredOnce sync.Once

	// Guarded by the Simulator's mutex.
	attempts   int
	lastStatus int
	state      string
}

// Delivery states of an event.
const (
	DeliveryPending   = "pending"   // being delivered or waiting to retry
	DeliveryDelivered = "delivered" // the endpoint answered 2xx
	DeliveryFailed    = "failed"    // retries ran out
	DeliveryDropped   = "dropped"   // DropWebhooks, or emitted after Shutdown
	DeliveryStopped   = "stopped"   // Shutdown interrupted it
)

// EventInfo describes an emitted event, for tests and operators.
type EventInfo struct {
	ID         string
	Type       string
	ObjectID   string // the session or charge it is about
	Attempts   int
	LastStatus int // the endpoint's last HTTP status; 0 for a transport error
	State      string
}

// Events lists the emitted events, oldest first.
func (s *Simulator) Events() []EventInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]EventInfo, len(s.events))
	for i, e := range s.events {
		out[i] = EventInfo{ID: e.id, Type: e.typ, ObjectID: e.objectID, Attempts: e.attempts, LastStatus: e.lastStatus, State: e.state}
	}
	return out
}

// emit records an event about obj and starts delivering it. Called with
// the mutex held.
func (s *Simulator) emit(typ string, obj any) *eventRecord {
	ev := event{
		ID: newID("evt_"), Object: "event", APIVersion: APIVersion, Created: s.now().Unix(),
		Data: eventData{Object: obj}, PendingWebhooks: 1, Type: typ,
	}
	payload, err := json.MarshalIndent(ev, "", "  ")
	if err != nil {
		panic(err) // the objects are plain data
	}
	rec := &eventRecord{id: ev.ID, typ: typ, objectID: objectID(obj), payload: payload, answered: make(chan struct{}), state: DeliveryPending}
	s.events = append(s.events, rec)
	if s.cfg.DropWebhooks || s.stop.Err() != nil {
		rec.state = DeliveryDropped
		rec.answer()
		return rec
	}
	s.delivery.Add(1)
	go s.deliver(rec)
	return rec
}

func (e *eventRecord) answer() { e.answeredOnce.Do(func() { close(e.answered) }) }

func objectID(obj any) string {
	switch o := obj.(type) {
	case session:
		return o.ID
	case charge:
		return o.ID
	}
	return ""
}

// deliver POSTs the event until the endpoint answers 2xx, backing off
// exponentially, for at most RetryFor; each attempt is signed afresh, as
// Stripe does, so a retry is never too old to verify.
func (s *Simulator) deliver(e *eventRecord) {
	defer s.delivery.Done()
	defer e.answer()
	start := time.Now()
	wait := s.cfg.RetryInitial
	for {
		status, err := s.post(e)
		s.mu.Lock()
		e.attempts++
		e.lastStatus = status
		delivered := err == nil && status >= 200 && status < 300
		switch {
		case delivered:
			e.state = DeliveryDelivered
		case s.stop.Err() != nil:
			e.state = DeliveryStopped
		case time.Since(start)+wait > s.cfg.RetryFor:
			e.state = DeliveryFailed
		}
		state := e.state
		s.mu.Unlock()
		e.answer()
		if state != DeliveryPending {
			if state == DeliveryFailed {
				s.cfg.Logger.Warn("webhook delivery gave up", "event", e.id, "type", e.typ, "status", status, "err", err)
			}
			return
		}
		s.cfg.Logger.Info("webhook delivery failed; retrying", "event", e.id, "type", e.typ, "status", status, "err", err, "retry_in", wait.String())
		t := time.NewTimer(wait)
		select {
		case <-s.stop.Done():
			t.Stop()
			s.mu.Lock()
			e.state = DeliveryStopped
			s.mu.Unlock()
			return
		case <-t.C:
		}
		wait = min(2*wait, s.cfg.RetryMax)
	}
}

// post makes one delivery attempt and returns the endpoint's status.
func (s *Simulator) post(e *eventRecord) (int, error) {
	now := time.Now() // the receiver checks the signature against its wall clock
	sig := webhook.ComputeSignature(now, e.payload, s.cfg.WebhookSecret)
	req, err := http.NewRequestWithContext(s.stop, http.MethodPost, s.cfg.WebhookURL, bytes.NewReader(e.payload))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)")
	req.Header.Set("Stripe-Signature", fmt.Sprintf("t=%d,v1=%x", now.Unix(), sig))
	resp, err := s.cfg.HTTPClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, nil
}

// waitAnswered waits, at most RedirectWait, for the first answer to each
// event's delivery.
func (s *Simulator) waitAnswered(ctx context.Context, events ...*eventRecord) {
	if s.cfg.RedirectWait < 0 {
		return
	}
	t := time.NewTimer(s.cfg.RedirectWait)
	defer t.Stop()
	for _, e := range events {
		if e == nil {
			continue
		}
		select {
		case <-e.answered:
		case <-t.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

// listEvents is GET /v1/events: newest first, with limit and type, and
// paged like Stripe's lists: starting_after names the last event of the
// previous page.
func (s *Simulator) listEvents(r apiRequest) apiResponse {
	if k, bad := r.form.unknown(func(segs []string) bool {
		return len(segs) == 1 && (segs[0] == "limit" || segs[0] == "type" || segs[0] == "starting_after")
	}); bad {
		return rejected(unknownParam(k))
	}
	limit := 10
	if v, sent := r.form.get("limit"); sent {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return rejected(invalidParam("limit", "This value must be between 1 and 100."))
		}
		limit = n
	}
	typ, _ := r.form.get("type")
	from := len(s.events) - 1
	if after, sent := r.form.get("starting_after"); sent {
		i := slices.IndexFunc(s.events, func(e *eventRecord) bool { return e.id == after })
		if i < 0 {
			return rejected(noSuch("event", after, "starting_after"))
		}
		from = i - 1
	}
	data := []json.RawMessage{}
	more := false
	for i := from; i >= 0; i-- {
		e := s.events[i]
		if typ != "" && e.typ != typ {
			continue
		}
		if len(data) == limit {
			more = true
			break
		}
		data = append(data, e.payload)
	}
	return answer(map[string]any{"object": "list", "url": "/v1/events", "has_more": more, "data": data})
}

// retrieveEvent is GET /v1/events/{id}.
func (s *Simulator) retrieveEvent(r apiRequest) apiResponse {
	for _, e := range s.events {
		if e.id == r.PathValue("id") {
			return answer(json.RawMessage(e.payload))
		}
	}
	return rejected(noSuch("event", r.PathValue("id"), ""))
}
