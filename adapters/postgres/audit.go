package postgres

import (
	"context"
	"database/sql"
	"time"

	"github.com/uptrace/bun"

	"upgrades/application"
	"upgrades/domain"
)

// auditRow is a row of audit_log.
type auditRow struct {
	bun.BaseModel `bun:"table:audit_log,alias:a"`

	ID        int64         `bun:"id,pk,autoincrement"`
	Action    string        `bun:"action,notnull"`
	ActorID   sql.NullInt64 `bun:"actor_id"`
	Subject   string        `bun:"subject,notnull"`
	Reason    string        `bun:"reason,notnull"`
	CreatedAt time.Time     `bun:"created_at,notnull"`
	ActorName string        `bun:"actor_name,scanonly"`
}

// audit is the Audit repository bound to one transaction.
type audit struct{ db conn }

var _ application.Audit = audit{}

func (r audit) Record(ctx context.Context, e *domain.AuditEntry) error {
	row := &auditRow{
		Action: e.Action().String(), Subject: e.Subject(), Reason: e.Reason(), CreatedAt: e.CreatedAt(),
		ActorID: sql.NullInt64{Int64: int64(e.ActorID()), Valid: !e.ByCommandLine()},
	}
	_, err := r.db.NewInsert().Model(row).ExcludeColumn("id").Returning("id").Exec(ctx)
	if constraintError(err, foreignKeyViolation) == "audit_log_actor_id_fkey" {
		return notFound("user %d not found", e.ActorID())
	}
	if err != nil {
		return translate(err, "record audit entry")
	}
	e.AssignID(row.ID)
	return nil
}

// List reads the window newest first (oldest first from After); each filter is an equality on an indexed column
// that yields rows in id order (an actor's name is matched through the
// users' case-insensitive name index).
func (r audit) List(ctx context.Context, q application.AuditQuery) ([]application.AuditRow, error) {
	var rows []auditRow
	sel := r.db.NewSelect().Model(&rows).ColumnExpr("a.*").ColumnExpr("u.name AS actor_name").
		Join("LEFT JOIN users AS u ON u.id = a.actor_id")
	switch {
	case q.CommandLine:
		sel = sel.Where("a.actor_id IS NULL")
	case q.ActorName != "":
		sel = sel.Where("a.actor_id = (SELECT id FROM users WHERE lower(name) = lower(?))", q.ActorName)
	}
	if !q.Action.IsZero() {
		sel = sel.Where("a.action = ?", q.Action.String())
	}
	if q.Subject != "" {
		sel = sel.Where("a.subject = ?", q.Subject)
	}
	if err := window(sel, "a.id", q.Window).Scan(ctx); err != nil {
		return nil, translate(err, "list audit entries")
	}
	out := make([]application.AuditRow, len(rows))
	for i, row := range rows {
		action, err := domain.ParseAuditAction(row.Action)
		if err != nil {
			return nil, err
		}
		e := domain.RebuildAuditEntry(row.ID, action, domain.UserID(row.ActorID.Int64), row.Subject, row.Reason, row.CreatedAt.UTC())
		out[i] = application.AuditRow{Entry: e, ActorName: row.ActorName}
	}
	return out, nil
}
