package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"upgrades/application"
	"upgrades/domain"
)

// userRow is a row of users.
type userRow struct {
	bun.BaseModel `bun:"table:users"`

	ID           int64     `bun:"id,pk,autoincrement"`
	Name         string    `bun:"name,notnull"`
	Email        string    `bun:"email,nullzero"`
	PasswordHash string    `bun:"password_hash,notnull"`
	APIKeyHash   string    `bun:"api_key,notnull"` // SHA-256 of the key, hex
	Level        int16     `bun:"level,notnull"`   // the level's rank
	Banned       bool      `bun:"banned,notnull"`
	SessionGen   int64     `bun:"session_generation,notnull"`
	CreatedAt    time.Time `bun:"created_at,notnull"`
}

func userFromDomain(u *domain.User) *userRow {
	return &userRow{
		ID: int64(u.ID()), Name: u.Name(), Email: u.Email(), PasswordHash: u.PasswordHash(),
		APIKeyHash: u.APIKeyHash(), Level: int16(u.Level().Rank()), Banned: u.IsBanned(),
		SessionGen: u.SessionGeneration(), CreatedAt: u.CreatedAt(),
	}
}

func (r *userRow) toDomain() (*domain.User, error) {
	level, err := domain.LevelFromRank(int(r.Level))
	if err != nil {
		return nil, fmt.Errorf("postgres: user %d: %w", r.ID, err)
	}
	return domain.UnmarshalUserFromDatabase(domain.UserID(r.ID), r.Name, r.Email, r.PasswordHash, r.APIKeyHash,
		level, r.Banned, r.CreatedAt.UTC()).WithSessionGeneration(r.SessionGen), nil
}

// users is the Users repository bound to one transaction.
type users struct{ db conn }

var _ application.Users = users{}

func (r users) Create(ctx context.Context, u *domain.User) error {
	row := userFromDomain(u)
	_, err := r.db.NewInsert().Model(row).ExcludeColumn("id").Returning("id").Exec(ctx)
	switch constraintError(err, uniqueViolation) {
	case "":
	case "users_name_lower_key":
		return domain.Errorf(domain.KindConflict, "the name %s is taken", u.Name())
	case "users_api_key_key":
		return domain.Errorf(domain.KindConflict, "the API key is already in use")
	}
	if err != nil {
		return translate(err, "create user")
	}
	u.AssignID(domain.UserID(row.ID))
	return nil
}

func (r users) ByID(ctx context.Context, id domain.UserID) (*domain.User, error) {
	return r.one(ctx, r.db.NewSelect().Where("id = ?", id), fmt.Sprintf("user %d not found", id))
}

// ByIDCountingUnread counts in a subquery of the same statement, along
// messages_unread_idx: the unread count costs no round trip.
func (r users) ByIDCountingUnread(ctx context.Context, id domain.UserID) (*domain.User, int, error) {
	var row struct {
		userRow `bun:",extend"`
		Unread  int `bun:"unread,scanonly"`
	}
	err := r.db.NewSelect().Model(&row).
		ColumnExpr("?TableColumns").
		ColumnExpr("(SELECT count(*) FROM messages AS m WHERE m.user_id = ?TableAlias.id AND m.read_at IS NULL) AS unread").
		Where("?TableAlias.id = ?", id).Scan(ctx)
	if isNoRows(err) {
		return nil, 0, notFound("user %d not found", id)
	}
	if err != nil {
		return nil, 0, translate(err, "read user")
	}
	u, err := row.toDomain()
	return u, row.Unread, err
}

func (r users) ByName(ctx context.Context, name string) (*domain.User, error) {
	// lower(name) is what the unique index holds, so this uses it.
	return r.one(ctx, r.db.NewSelect().Where("lower(name) = lower(?)", name), fmt.Sprintf("no user is named %q", name))
}

// LockByID takes FOR NO KEY UPDATE rather than FOR UPDATE: it serialises
// everyone who changes the user just the same, but does not block the
// foreign key checks of rows that merely point at the user (a gift bought
// for them, a message to them), which would otherwise deadlock two users
// buying each other a gift at the same moment.
func (r users) LockByID(ctx context.Context, id domain.UserID) (*domain.User, error) {
	return r.one(ctx, r.db.NewSelect().Where("id = ?", id).For("NO KEY UPDATE"), fmt.Sprintf("user %d not found", id))
}

func (r users) one(ctx context.Context, q *bun.SelectQuery, missing string) (*domain.User, error) {
	var row userRow
	if err := q.Model(&row).Scan(ctx); err != nil {
		if isNoRows(err) {
			return nil, notFound("%s", missing)
		}
		return nil, translate(err, "read user")
	}
	return row.toDomain()
}

func (r users) Update(ctx context.Context, u *domain.User) error {
	res, err := r.db.NewUpdate().Model(userFromDomain(u)).
		Column("name", "email", "password_hash", "api_key", "level", "banned", "session_generation").
		WherePK().Exec(ctx)
	if constraintError(err, uniqueViolation) == "users_name_lower_key" {
		return domain.Errorf(domain.KindConflict, "the name %s is taken", u.Name())
	}
	if err != nil {
		return translate(err, "update user")
	}
	return mustAffect(res, "user %d not found", u.ID())
}

func (r users) Owners(ctx context.Context) ([]*domain.User, error) {
	var rows []userRow
	err := r.db.NewSelect().Model(&rows).
		Where("level >= ?", domain.LevelOwner.Rank()).
		OrderExpr("id").Scan(ctx)
	if err != nil {
		return nil, translate(err, "read owners")
	}
	out := make([]*domain.User, 0, len(rows))
	for i := range rows {
		u, err := rows[i].toDomain()
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}
