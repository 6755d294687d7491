package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"upgrades/application"
	"upgrades/domain"
)

// codeRow is a row of upgrade_codes.
type codeRow struct {
	bun.BaseModel `bun:"table:upgrade_codes,alias:c"`

	ID          int64     `bun:"id,pk,autoincrement"`
	Code        string    `bun:"code,notnull"`
	UpgradeType string    `bun:"upgrade_type,notnull"`
	Status      string    `bun:"status,notnull"`
	UpgradeID   int64     `bun:"upgrade_id,nullzero"` // NULL for a minted code
	BuyerID     int64     `bun:"buyer_id,notnull"`
	Note        string    `bun:"note,notnull"`
	RedeemerID  int64     `bun:"redeemer_id,nullzero"`
	RedeemedAt  time.Time `bun:"redeemed_at,nullzero"`
	LevelBefore int16     `bun:"level_before,nullzero"` // a rank; NULL until redeemed
	CreatedAt   time.Time `bun:"created_at,notnull"`
}

func codeFromDomain(c *domain.Code) *codeRow {
	s := c.Snapshot()
	return &codeRow{
		ID: int64(s.ID), Code: s.Value, UpgradeType: s.Type.String(), Status: s.Status.String(),
		UpgradeID: int64(s.UpgradeID), BuyerID: int64(s.BuyerID), Note: s.Note, RedeemerID: int64(s.RedeemerID),
		RedeemedAt: s.RedeemedAt, LevelBefore: int16(s.LevelBefore.Rank()), CreatedAt: s.CreatedAt,
	}
}

func (r *codeRow) toDomain() (*domain.Code, error) {
	fail := func(err error) (*domain.Code, error) { return nil, fmt.Errorf("postgres: code %d: %w", r.ID, err) }
	t, err := domain.ParseUpgradeType(r.UpgradeType)
	if err != nil {
		return fail(err)
	}
	status, err := domain.ParseCodeStatus(r.Status)
	if err != nil {
		return fail(err)
	}
	var before domain.Level
	if r.LevelBefore != 0 {
		if before, err = domain.LevelFromRank(int(r.LevelBefore)); err != nil {
			return fail(err)
		}
	}
	return domain.UnmarshalCodeFromDatabase(domain.CodeSnapshot{
		ID: domain.CodeID(r.ID), Value: r.Code, Type: t, Status: status, UpgradeID: domain.UpgradeID(r.UpgradeID),
		BuyerID: domain.UserID(r.BuyerID), Note: r.Note, RedeemerID: domain.UserID(r.RedeemerID),
		RedeemedAt: utc(r.RedeemedAt), LevelBefore: before, CreatedAt: r.CreatedAt.UTC(),
	}), nil
}

// codes is the Codes repository bound to one transaction.
type codes struct{ db conn }

var _ application.Codes = codes{}

func (r codes) Create(ctx context.Context, c *domain.Code) error {
	row := codeFromDomain(c)
	_, err := r.db.NewInsert().Model(row).ExcludeColumn("id").Returning("id").Exec(ctx)
	if constraintError(err, uniqueViolation) == "upgrade_codes_code_key" {
		return domain.Errorf(domain.KindConflict, "the code exists already")
	}
	if err != nil {
		return translate(err, "create code")
	}
	c.AssignID(domain.CodeID(row.ID))
	return nil
}

func (r codes) ByValue(ctx context.Context, v domain.CodeValue) (*domain.Code, error) {
	return r.one(ctx, r.db.NewSelect().Where("code = ?", v.String()))
}

func (r codes) LockByValue(ctx context.Context, v domain.CodeValue) (*domain.Code, error) {
	return r.one(ctx, r.db.NewSelect().Where("code = ?", v.String()).For("UPDATE"))
}

func (r codes) one(ctx context.Context, q *bun.SelectQuery) (*domain.Code, error) {
	var row codeRow
	if err := q.Model(&row).Scan(ctx); err != nil {
		if isNoRows(err) {
			return nil, notFound("no such code")
		}
		return nil, translate(err, "read code")
	}
	return row.toDomain()
}

func (r codes) LockByUpgrade(ctx context.Context, id domain.UpgradeID) ([]*domain.Code, error) {
	return r.many(ctx, r.db.NewSelect().Where("upgrade_id = ?", id).OrderExpr("id").For("UPDATE"))
}

func (r codes) RedeemedBy(ctx context.Context, redeemer domain.UserID) ([]*domain.Code, error) {
	return r.many(ctx, r.db.NewSelect().Where("redeemer_id = ? AND status = ?", redeemer, domain.CodeRedeemed.String()).OrderExpr("id"))
}

func (r codes) many(ctx context.Context, q *bun.SelectQuery) ([]*domain.Code, error) {
	var rows []codeRow
	if err := q.Model(&rows).Scan(ctx); err != nil {
		return nil, translate(err, "read codes")
	}
	out := make([]*domain.Code, len(rows))
	for i := range rows {
		c, err := rows[i].toDomain()
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

func (r codes) Update(ctx context.Context, c *domain.Code) error {
	res, err := r.db.NewUpdate().Model(codeFromDomain(c)).
		Column("status", "redeemer_id", "redeemed_at", "level_before").
		WherePK().Exec(ctx)
	if err != nil {
		return translate(err, "update code")
	}
	return mustAffect(res, "code %d not found", c.ID())
}

// codeListRow is a code with the names of its buyer and redeemer.
type codeListRow struct {
	codeRow `bun:",extend"`

	BuyerName    string `bun:"buyer_name,scanonly"`
	RedeemerName string `bun:"redeemer_name,scanonly"`
}

// List reads a page of codes, newest first (oldest first above
// Window.After, as every list). Names are turned into ids first, so each
// filter is an equality on an indexed column.
func (r codes) List(ctx context.Context, q application.CodeQuery) ([]application.CodeRow, error) {
	sel := r.db.NewSelect().Model((*codeListRow)(nil)).
		ColumnExpr("c.*").
		ColumnExpr("b.name AS buyer_name").
		ColumnExpr("coalesce(rd.name, '') AS redeemer_name").
		Join("JOIN users AS b ON b.id = c.buyer_id").
		Join("LEFT JOIN users AS rd ON rd.id = c.redeemer_id")
	if q.VisibleTo != 0 {
		sel = sel.Where("(c.buyer_id = ? OR c.redeemer_id = ?)", q.VisibleTo, q.VisibleTo)
	}
	if !q.Status.IsZero() {
		sel = sel.Where("c.status = ?", q.Status.String())
	}
	if !q.Type.IsZero() {
		sel = sel.Where("c.upgrade_type = ?", q.Type.String())
	}
	if q.BuyerName != "" {
		sel = sel.Where("c.buyer_id = (SELECT id FROM users WHERE lower(name) = lower(?))", q.BuyerName)
	}
	if q.RedeemerName != "" {
		sel = sel.Where("c.redeemer_id = (SELECT id FROM users WHERE lower(name) = lower(?))", q.RedeemerName)
	}
	var rows []codeListRow
	if err := window(sel, "c.id", q.Window).Scan(ctx, &rows); err != nil {
		return nil, translate(err, "list codes")
	}
	out := make([]application.CodeRow, len(rows))
	for i := range rows {
		c, err := rows[i].toDomain()
		if err != nil {
			return nil, err
		}
		out[i] = application.CodeRow{Code: c, BuyerName: rows[i].BuyerName, RedeemerName: rows[i].RedeemerName}
	}
	return out, nil
}
