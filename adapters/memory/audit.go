package memory

import (
	"context"
	"slices"
	"strings"

	"upgrades/application"
	"upgrades/domain"
)

type audit DB

var _ application.Audit = (*audit)(nil)

// Record refuses an actor who is no user, as PostgreSQL's foreign key does.
func (r *audit) Record(_ context.Context, e *domain.AuditEntry) error {
	db := (*DB)(r)
	if id := e.ActorID(); id != 0 && db.users[id] == nil {
		return domain.Errorf(domain.KindNotFound, "user %d not found", id)
	}
	e.AssignID(db.id("audit_log"))
	db.audit = append(db.audit, *e)
	n := len(db.audit) - 1
	db.onRollback(func() { db.audit = db.audit[:n] })
	return nil
}

func (r *audit) List(_ context.Context, q application.AuditQuery) ([]application.AuditRow, error) {
	var rows []application.AuditRow
	for _, e := range slices.Backward(r.audit) {
		row := application.AuditRow{Entry: e}
		if u := r.users[e.ActorID()]; u != nil {
			row.ActorName = u.Name()
		}
		if (q.CommandLine && !e.ByCommandLine()) ||
			(q.ActorName != "" && !strings.EqualFold(row.ActorName, q.ActorName)) ||
			(!q.Action.IsZero() && e.Action() != q.Action) ||
			(q.Subject != "" && e.Subject() != q.Subject) {
			continue
		}
		rows = append(rows, row)
	}
	return window(rows, func(r application.AuditRow) int64 { return r.Entry.ID() }, q.Window), nil
}
