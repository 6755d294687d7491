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

// List reads a page of upgrades, newest first (oldest first above
// q.After), in time that depends on the
// page and not on the size of the table. It first finds the page's ids,
// then reads those rows with their people's names, so that a deep page
// joins the users of its own rows only.
//
// Every filter is an equality on a column whose index yields rows in id
// order (names are turned into user ids first; "gifted" is the stored
// is_gifted column), so the newest matching ids come first. "Visible to" is
// an OR of two columns, which no index orders: PostgreSQL would walk the
// primary key backwards and, for someone with few or old upgrades, read the
// whole table. Its ids are instead the newest of the ones they bought and
// the newest of the gifts they received, each read along its own index.
func (r upgrades) List(ctx context.Context, q application.UpgradeQuery) ([]application.UpgradeRow, error) {
	ids, err := r.pageIDs(ctx, q)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	var rows []listRow
	sel := r.db.NewSelect().Model((*listRow)(nil)).
		ColumnExpr("?TableColumns").
		ColumnExpr("p.name AS purchaser_name").
		ColumnExpr("coalesce(rc.name, '') AS recipient_name").
		Join("JOIN users AS p ON p.id = u.purchaser_id").
		Join("LEFT JOIN users AS rc ON rc.id = u.recipient_id"). // none for codes
		Where("u.id IN (?)", bun.In(ids))
	err = ordered(sel, "u.id", q.Window).Scan(ctx, &rows)
	if err != nil {
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

// pageIDs returns the ids of the upgrades on the page q asks for.
func (r upgrades) pageIDs(ctx context.Context, q application.UpgradeQuery) ([]int64, error) {
	filter, matchable, err := r.listFilter(ctx, q)
	if err != nil || !matchable {
		return nil, err
	}
	ids := func() *bun.SelectQuery {
		return filter(r.db.NewSelect().TableExpr("upgrades AS u").ColumnExpr("u.id"))
	}
	sel := window(ids(), "u.id", q.Window)
	if q.VisibleTo != 0 {
		// Each branch needs at most the rows up to the window's end.
		branch := q.Window
		if branch.Limit > 0 {
			branch.Limit += branch.Offset
		}
		branch.Offset = 0
		bought := window(ids().Where("u.purchaser_id = ?", q.VisibleTo), "u.id", branch)
		// Received and not bought is a gift: said so, the gifts' own index
		// yields exactly those rows, not every upgrade received.
		received := window(ids().Where("u.recipient_id = ?", q.VisibleTo).Where("u.is_gifted"), "u.id", branch)
		union := r.db.NewSelect().TableExpr("(?) AS v", bought.UnionAll(received)).ColumnExpr("v.id")
		sel = page(ordered(union, "v.id", q.Window), q.Offset, q.Limit)
	}
	var out []int64
	if err := sel.Scan(ctx, &out); err != nil {
		return nil, translate(err, "list upgrades")
	}
	return out, nil
}

// listFilter turns q's filters, except visibility, into WHERE clauses.
// matchable is false when a name matches no user, so nothing can match.
func (r upgrades) listFilter(ctx context.Context, q application.UpgradeQuery) (filter func(*bun.SelectQuery) *bun.SelectQuery, matchable bool, err error) {
	var recipient, purchaser domain.UserID
	for _, f := range []struct {
		name string
		id   *domain.UserID
	}{{q.RecipientName, &recipient}, {q.PurchaserName, &purchaser}} {
		if f.name == "" {
			continue
		}
		id, found, err := r.userIDByName(ctx, f.name)
		if err != nil || !found {
			return nil, false, err
		}
		*f.id = id
	}
	return func(s *bun.SelectQuery) *bun.SelectQuery {
		if recipient != 0 {
			s = s.Where("u.recipient_id = ?", recipient)
		}
		if purchaser != 0 {
			s = s.Where("u.purchaser_id = ?", purchaser)
		}
		if q.PurchaserID != 0 {
			s = s.Where("u.purchaser_id = ?", q.PurchaserID)
		}
		if !q.Type.IsZero() {
			s = s.Where("u.upgrade_type = ?", q.Type.String())
		}
		if !q.Status.IsZero() {
			s = s.Where("u.status = ?", q.Status.String())
		}
		if q.IsGifted != nil {
			s = s.Where("u.is_gifted = ?", *q.IsGifted)
		}
		return s
	}, true, nil
}

// window orders a list's query by its id column and cuts it to w: newest
// first, Limit rows after Offset or below Before; or oldest first above
// After. Each is a range of the index the filter walks, so a deep keyset
// page costs what the first does.
func window(s *bun.SelectQuery, id string, w application.Window) *bun.SelectQuery {
	if w.Before > 0 {
		s = s.Where("? < ?", bun.Safe(id), w.Before)
	}
	if w.After > 0 {
		s = s.Where("? > ?", bun.Safe(id), w.After)
	}
	return page(ordered(s, id, w), w.Offset, w.Limit)
}

// ordered orders by id in w's direction: oldest first when reading up
// from After.
func ordered(s *bun.SelectQuery, id string, w application.Window) *bun.SelectQuery {
	if w.After > 0 {
		return s.OrderExpr("? ASC", bun.Safe(id))
	}
	return s.OrderExpr("? DESC", bun.Safe(id))
}

// page applies an offset and a limit; a zero limit reads to the end.
func page(s *bun.SelectQuery, offset, limit int) *bun.SelectQuery {
	if limit > 0 {
		s = s.Limit(int64(limit))
	}
	if offset > 0 {
		s = s.Offset(int64(offset))
	}
	return s
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
