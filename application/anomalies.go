package application

import (
	"context"
	"fmt"
	"strings"
	"time"

	"upgrades/domain"
)

// Kinds of what needs an owner.
const (
	AnomalyEvent  = "anomaly"      // an event that did not fit its upgrade
	AnomalyFailed = "failed_event" // an event whose processing failed
	AnomalyRefund = "stuck_refund" // a refund owed and not made
)

// StuckRefundAfter is how long an owed refund may wait before owners see
// it: the reconciler sends it every interval, so an hour means many
// attempts failed.
const StuckRefundAfter = time.Hour

// anomaliesShown bounds each kind on the page: more than this is an
// outage, for the alerts, not a list.
const anomaliesShown = 100

// Anomaly is one thing that needs an owner, with what can be done.
type Anomaly struct {
	Kind      string
	Subject   string // what a resolution names: event:ID or refund:ID
	At        time.Time
	EventID   string
	EventType string
	UpgradeID domain.UpgradeID
	Detail    string // the error, or how the event ended
	CanReplay bool   // a failed event: replaying applies it again
	CanRefund bool   // its upgrade is complete and paid: it can be refunded
}

// ListAnomalies lists what needs the owners, oldest concern first within
// each kind: anomalies, failed events and stuck refunds not resolved yet.
type ListAnomalies struct{ ViewerID domain.UserID }

type ListAnomaliesHandler struct {
	uow   UnitOfWork
	clock Clock
}

func NewListAnomaliesHandler(uow UnitOfWork, clock Clock) ListAnomaliesHandler {
	return ListAnomaliesHandler{uow, clock}
}

func (h ListAnomaliesHandler) Handle(ctx context.Context, cmd ListAnomalies) ([]Anomaly, error) {
	var out []Anomaly
	err := h.uow.Do(ctx, func(ctx context.Context, s Store) error {
		if err := authorizeOwner(ctx, s, Actor{ID: cmd.ViewerID}, "see the anomalies"); err != nil {
			return err
		}
		var all []Anomaly
		for _, kind := range []struct{ status, kind string }{{"anomaly", AnomalyEvent}, {EventFailed, AnomalyFailed}} {
			events, err := s.Events.List(ctx, EventFilter{Status: kind.status, Limit: anomaliesShown})
			if err != nil {
				return err
			}
			for _, e := range events {
				a := Anomaly{Kind: kind.kind, Subject: domain.SubjectEvent(e.ID), At: e.ReceivedAt, EventID: e.ID, EventType: e.Type,
					UpgradeID: e.UpgradeID, Detail: e.LastError, CanReplay: kind.kind == AnomalyFailed}
				all = append(all, a)
			}
		}
		stuck, err := s.Refunds.Stuck(ctx, h.clock.Now().Add(-StuckRefundAfter), anomaliesShown)
		if err != nil {
			return err
		}
		for _, r := range stuck {
			detail := r.LastError
			if r.GaveUp {
				detail = "given up after " + fmt.Sprint(r.Attempts) + " attempts: " + detail
			}
			all = append(all, Anomaly{Kind: AnomalyRefund, Subject: fmt.Sprintf("refund:%d", r.ID), At: r.CreatedAt, UpgradeID: r.UpgradeID, Detail: detail})
		}
		subjects := make([]string, len(all))
		for i, a := range all {
			subjects[i] = a.Subject
		}
		resolved, err := s.Resolved.Resolved(ctx, subjects)
		if err != nil {
			return err
		}
		for _, a := range all {
			if _, done := resolved[a.Subject]; done {
				continue
			}
			if a.UpgradeID != 0 && a.Kind == AnomalyEvent {
				up, err := s.Upgrades.ByID(ctx, a.UpgradeID, false)
				if err != nil && !domain.IsKind(err, domain.KindNotFound) {
					return err
				}
				a.CanRefund = err == nil && up.IsRefundable()
			}
			out = append(out, a)
		}
		return nil
	})
	return out, err
}

// ResolveAnomaly marks an anomaly resolved with a note, which the audit
// trail keeps too (owners and the command line).
type ResolveAnomaly struct {
	By      Actor
	Subject string
	Note    string
}

type ResolveAnomalyHandler struct {
	uow   UnitOfWork
	clock Clock
}

func NewResolveAnomalyHandler(uow UnitOfWork, clock Clock) ResolveAnomalyHandler {
	return ResolveAnomalyHandler{uow, clock}
}

func (h ResolveAnomalyHandler) Handle(ctx context.Context, cmd ResolveAnomaly) error {
	subject := strings.TrimSpace(cmd.Subject)
	if kind, _, _ := strings.Cut(subject, ":"); kind != "event" && kind != "refund" {
		return domain.Errorf(domain.KindInvalid, "an anomaly is event:ID or refund:ID, not %q", cmd.Subject)
	}
	entry, err := newEntry(domain.AuditAnomalyResolution, cmd.By, subject, cmd.Note, h.clock)
	if err != nil {
		return err
	}
	if entry.Reason() == "" {
		return domain.Errorf(domain.KindInvalid, "say in a note what was done")
	}
	return h.uow.Do(ctx, func(ctx context.Context, s Store) error {
		if err := authorizeOwner(ctx, s, cmd.By, "resolve anomalies"); err != nil {
			return err
		}
		if err := s.Resolved.Resolve(ctx, Resolution{Subject: subject, Note: entry.Reason(), By: cmd.By.ID, At: entry.CreatedAt()}); err != nil {
			return err
		}
		return s.Audit.Record(ctx, &entry)
	})
}
