package postgres

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"upgrades/application"
	"upgrades/domain"
)

// messageRow is a row of messages.
type messageRow struct {
	bun.BaseModel `bun:"table:messages"`

	ID        int64     `bun:"id,pk,autoincrement"`
	UserID    int64     `bun:"user_id,notnull"`
	Body      string    `bun:"body,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

func (m *messageRow) toDomain() *domain.Message {
	return &domain.Message{ID: domain.MessageID(m.ID), UserID: domain.UserID(m.UserID), Body: m.Body, CreatedAt: m.CreatedAt.UTC()}
}

// messages is the Messages repository bound to one transaction.
type messages struct{ db bun.IDB }

var _ application.Messages = messages{}

func (r messages) Create(ctx context.Context, m *domain.Message) error {
	row := &messageRow{UserID: int64(m.UserID), Body: m.Body, CreatedAt: m.CreatedAt}
	_, err := r.db.NewInsert().Model(row).ExcludeColumn("id").Returning("id").Exec(ctx)
	if err != nil {
		return messageRefused(err, m.UserID)
	}
	m.ID = domain.MessageID(row.ID)
	return nil
}

// messageRefused explains a refused message in the application's terms.
func messageRefused(err error, user domain.UserID) error {
	if constraintError(err, foreignKeyViolation) == "messages_user_fkey" {
		return notFound("user %d not found", user)
	}
	return translate(err, "create message")
}

// ForUser reads newest first along the (user_id, id DESC) index; limit 0
// reads them all.
func (r messages) ForUser(ctx context.Context, user domain.UserID, limit int) ([]*domain.Message, error) {
	var rows []messageRow
	q := r.db.NewSelect().Model(&rows).Where("user_id = ?", user).OrderExpr("id DESC")
	if limit > 0 {
		q = q.Limit(int64(limit))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, translate(err, "read messages")
	}
	out := make([]*domain.Message, len(rows))
	for i := range rows {
		out[i] = rows[i].toDomain()
	}
	return out, nil
}
