package postgres

import (
	"context"
	"database/sql"
	"time"

	"github.com/uptrace/bun"

	"upgrades/application"
	"upgrades/domain"
)

type resolutionRow struct {
	bun.BaseModel `bun:"table:anomaly_resolutions"`

	Subject    string        `bun:"subject,pk"`
	Note       string        `bun:"note,notnull"`
	ResolvedBy sql.NullInt64 `bun:"resolved_by"`
	ResolvedAt time.Time     `bun:"resolved_at,notnull"`
}

// resolutions is the Resolutions repository bound to one transaction.
type resolutions struct{ db conn }

var _ application.Resolutions = resolutions{}

func (r resolutions) Resolve(ctx context.Context, res application.Resolution) error {
	row := &resolutionRow{Subject: res.Subject, Note: res.Note, ResolvedAt: res.At,
		ResolvedBy: sql.NullInt64{Int64: int64(res.By), Valid: res.By != 0}}
	_, err := r.db.NewInsert().Model(row).Exec(ctx)
	switch {
	case constraintError(err, uniqueViolation) == "anomaly_resolutions_pkey":
		return domain.Errorf(domain.KindConflict, "%s is resolved already", res.Subject)
	case constraintError(err, foreignKeyViolation) == "anomaly_resolutions_resolved_by_fkey":
		return notFound("user %d not found", res.By)
	case err != nil:
		return translate(err, "resolve an anomaly")
	}
	return nil
}

func (r resolutions) Resolved(ctx context.Context, subjects []string) (map[string]application.Resolution, error) {
	out := map[string]application.Resolution{}
	if len(subjects) == 0 {
		return out, nil
	}
	var rows []resolutionRow
	if err := r.db.NewSelect().Model(&rows).Where("subject IN (?)", bun.In(subjects)).Scan(ctx); err != nil {
		return nil, translate(err, "read resolutions")
	}
	for _, row := range rows {
		out[row.Subject] = application.Resolution{Subject: row.Subject, Note: row.Note, By: domain.UserID(row.ResolvedBy.Int64), At: row.ResolvedAt.UTC()}
	}
	return out, nil
}
