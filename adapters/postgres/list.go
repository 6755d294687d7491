package postgres

import (
	"context"

	"github.com/uptrace/bun"

	"upgrades/application"
	"upgrades/domain"
)

// listRow is an upgrade with the names of its purchaser and recipient.
type listRow struct {
	upgradeRow `bun:",extend"`

	PurchaserName string `bun:"purchaser_name,scanonly"`
	RecipientName string `bun:"recipient_name,scanonly"`
}

// List reads a page of upgrades, newest first. Every filter is an equality
// on an indexed column whose index yields rows in id order, so a page costs
// about its own size however large the table is: names are turned into
// user ids first, and "gifted" is the stored is_gifted column.
func (r upgrades) List(ctx context.Context, q application.UpgradeQuery) ([]application.UpgradeRow, error) {
	sel := r.db.NewSelect().Model((*listRow)(nil)).
		ColumnExpr("?TableColumns").
		ColumnExpr("p.name AS purchaser_name").
		ColumnExpr("rc.name AS recipient_name").
		Join("JOIN users AS p ON p.id = u.purchaser_id").
		Join("JOIN users AS rc ON rc.id = u.recipient_id")

	for _, f := range []struct {
		name, column string
	}{{q.RecipientName, "u.recipient_id"}, {q.PurchaserName, "u.purchaser_id"}} {
		if f.name == "" {
			continue
		}
		id, found, err := r.userIDByName(ctx, f.name)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, nil
		}
		sel = sel.Where("? = ?", bun.Safe(f.column), id)
	}
	if q.VisibleTo != 0 {
		sel = sel.WhereGroup(" AND ", func(g *bun.SelectQuery) *bun.SelectQuery {
			return g.Where("u.purchaser_id = ?", q.VisibleTo).WhereOr("u.recipient_id = ?", q.VisibleTo)
		})
	}
	if !q.Type.IsZero() {
		sel = sel.Where("u.upgrade_type = ?", q.Type.String())
	}
	if !q.Status.IsZero() {
		sel = sel.Where("u.status = ?", q.Status.String())
	}
	if q.IsGifted != nil {
		sel = sel.Where("u.is_gifted = ?", *q.IsGifted)
	}
	sel = sel.OrderExpr("u.id DESC")
	if q.Limit > 0 {
		sel = sel.Limit(int64(q.Limit))
	}
	if q.Offset > 0 {
		sel = sel.Offset(int64(q.Offset))
	}

	var rows []listRow
	if err := sel.Scan(ctx, &rows); err != nil {
		return nil, translate(err, "list upgrades")
	}
	out := make([]application.UpgradeRow, len(rows))
	for i := range rows {
		up, err := rows[i].toDomain(nil)
		if err != nil {
			return nil, err
		}
		out[i] = application.UpgradeRow{Upgrade: up, PurchaserName: rows[i].PurchaserName, RecipientName: rows[i].RecipientName}
	}
	return out, nil
}

// userIDByName resolves a name filter through the users' name index.
func (r upgrades) userIDByName(ctx context.Context, name string) (domain.UserID, bool, error) {
	var ids []int64
	err := r.db.NewSelect().Table("users").Column("id").Where("lower(name) = lower(?)", name).Limit(1).Scan(ctx, &ids)
	if err != nil {
		return 0, false, translate(err, "find user by name")
	}
	if len(ids) == 0 {
		return 0, false, nil
	}
	return domain.UserID(ids[0]), true, nil
}
