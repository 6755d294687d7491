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
	UpgradeID int64     `bun:"upgrade_id,nullzero"`
	Body      string    `bun:"body,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
	ReadAt    time.Time `bun:"read_at,nullzero"`
}

func (m *messageRow) toDomain() *domain.Message {
	return &domain.Message{ID: domain.MessageID(m.ID), UserID: domain.UserID(m.UserID), UpgradeID: domain.UpgradeID(m.UpgradeID),
		Body: m.Body, CreatedAt: m.CreatedAt.UTC(), ReadAt: utc(m.ReadAt)}
}

// messages is the Messages repository bound to one transaction.
type messages struct{ db conn }

var _ application.Messages = messages{}

func (r messages) Create(ctx context.Context, m *domain.Message) error {
	row := &messageRow{UserID: int64(m.UserID), UpgradeID: int64(m.UpgradeID), Body: m.Body, CreatedAt: m.CreatedAt, ReadAt: m.ReadAt}
	_, err := r.db.NewInsert().Model(row).ExcludeColumn("id").Returning("id").Exec(ctx)
	if err != nil {
		return messageRefused(err, m.UserID)
	}
	m.ID = domain.MessageID(row.ID)
	return nil
}

// messageRefused explains a refused message in the application's terms.
func messageRefused(err error, user domain.UserID) error {
	switch constraintError(err, foreignKeyViolation) {
	case "messages_user_fkey":
		return notFound("user %d not found", user)
	case "messages_upgrade_fkey":
		return notFound("the message's upgrade was not found")
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

// MarkRead finds the unread ones along the partial index.
func (r messages) MarkRead(ctx context.Context, user domain.UserID, ids []domain.MessageID, now time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := r.db.NewUpdate().Table("messages").Set("read_at = ?", now).
		Where("user_id = ?", user).Where("read_at IS NULL").Where("id IN (?)", bun.In(ids)).Exec(ctx)
	return translate(err, "mark messages read")
}
