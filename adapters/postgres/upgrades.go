package postgres

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"upgrades/application"
	"upgrades/domain"
)

// upgrades is the Upgrades repository bound to one transaction.
type upgrades struct {
	db bun.IDB
	w  *writes
}

var _ application.Upgrades = upgrades{}

// Create inserts the upgrade at once, for its id, and holds its history.
func (r upgrades) Create(ctx context.Context, u *domain.Upgrade) error {
	if err := r.w.flush(ctx); err != nil {
		return err
	}
	row := upgradeFromDomain(u)
	if _, err := r.db.NewInsert().Model(row).ExcludeColumn("id").Returning("id").Exec(ctx); err != nil {
		if e := refused(err, u); e != nil {
			return e
		}
		return translate(err, "create upgrade")
	}
	u.AssignID(domain.UpgradeID(row.ID))
	if err := r.holdHistory(u); err != nil {
		return err
	}
	u.HistorySaved()
	return nil
}

// Update holds the upgrade's new fields and its unsaved history.
func (r upgrades) Update(ctx context.Context, u *domain.Upgrade) error {
	q := r.db.NewUpdate().Model(upgradeFromDomain(u)).Column(upgradeColumns...).WherePK()
	if err := r.w.hold(q, func(err error) error { return refused(err, u) }); err != nil {
		return err
	}
	if err := r.holdHistory(u); err != nil {
		return err
	}
	u.HistorySaved()
	return nil
}

// holdHistory holds the upgrade's unsaved entries, each to be stored after
// the ones already stored. Each INSERT numbers its entry itself, one past
// the last stored, when it runs: after the caller created or locked the
// upgrade, so nobody appends in between (and the primary key would refuse
// it if anyone did).
func (r upgrades) holdHistory(u *domain.Upgrade) error {
	for _, e := range u.UnsavedHistory() {
		row := historyFromDomain(u.ID(), 0, e)
		q := r.db.NewInsert().Model(&row).
			Value("seq", "(SELECT coalesce(max(h.seq), 0) + 1 FROM upgrade_history AS h WHERE h.upgrade_id = ?)", u.ID()).
			Returning("NULL") // bun would ask for the computed seq back; nobody reads it
		if err := r.w.hold(q, func(err error) error { return refused(err, u) }); err != nil {
			return err
		}
	}
	return nil
}

// refused explains PostgreSQL's refusal of a write of u in the
// application's terms; nil when the refusal is not one about an upgrade.
func refused(err error, u *domain.Upgrade) error {
	switch constraintError(err, foreignKeyViolation) {
	case "upgrades_purchaser_fkey":
		return notFound("purchaser %d not found", u.PurchaserID())
	case "upgrades_recipient_fkey":
		return notFound("recipient %d not found", u.RecipientID())
	}
	switch constraintError(err, uniqueViolation) {
	case "upgrades_checkout_session_key":
		return domain.Errorf(domain.KindConflict, "checkout session %s belongs to another upgrade", u.SessionID())
	case "upgrades_payment_intent_key":
		return domain.Errorf(domain.KindConflict, "payment %s belongs to another upgrade", u.PaymentIntentID())
	case "upgrade_history_pkey":
		return domain.Errorf(domain.KindConflict, "upgrade #%d was changed at the same time; try again", u.ID())
	}
	return nil
}

func (r upgrades) ByID(ctx context.Context, id domain.UpgradeID, withHistory bool) (*domain.Upgrade, error) {
	return r.one(ctx, r.db.NewSelect().Where("id = ?", id), withHistory, fmt.Sprintf("upgrade #%d not found", id))
}

func (r upgrades) LockByID(ctx context.Context, id domain.UpgradeID) (*domain.Upgrade, error) {
	return r.one(ctx, r.db.NewSelect().Where("id = ?", id).For("UPDATE"), false, fmt.Sprintf("upgrade #%d not found", id))
}

func (r upgrades) LockByPaymentIntent(ctx context.Context, pi string) (*domain.Upgrade, error) {
	if pi == "" {
		return nil, notFound("no upgrade is paid by %q", pi)
	}
	return r.one(ctx, r.db.NewSelect().Where("payment_intent_id = ?", pi).For("UPDATE"), false, fmt.Sprintf("no upgrade is paid by %q", pi))
}

func (r upgrades) LatestPending(ctx context.Context, purchaser, recipient domain.UserID, t domain.UpgradeType) (*domain.Upgrade, error) {
	q := r.db.NewSelect().
		Where("purchaser_id = ?", purchaser).
		Where("recipient_id = ?", recipient).
		Where("upgrade_type = ?", t.String()).
		Where("status = ?", domain.StatusPending.String()).
		OrderExpr("id DESC").Limit(1)
	return r.one(ctx, q, false, "no pending upgrade")
}

func (r upgrades) one(ctx context.Context, q *bun.SelectQuery, withHistory bool, missing string) (*domain.Upgrade, error) {
	if err := r.w.flush(ctx); err != nil {
		return nil, err
	}
	var row upgradeRow
	if err := q.Model(&row).Scan(ctx); err != nil {
		if isNoRows(err) {
			return nil, notFound("%s", missing)
		}
		return nil, translate(err, "read upgrade")
	}
	var history []domain.HistoryEntry
	if withHistory {
		var err error
		if history, err = r.history(ctx, row.ID); err != nil {
			return nil, err
		}
	}
	return row.toDomain(history)
}

func (r upgrades) history(ctx context.Context, id int64) ([]domain.HistoryEntry, error) {
	var rows []historyRow
	if err := r.db.NewSelect().Model(&rows).Where("upgrade_id = ?", id).OrderExpr("seq").Scan(ctx); err != nil {
		return nil, translate(err, "read upgrade history")
	}
	out := make([]domain.HistoryEntry, len(rows))
	for i := range rows {
		e, err := rows[i].toDomain()
		if err != nil {
			return nil, fmt.Errorf("postgres: upgrade %d history %d: %w", id, rows[i].Seq, err)
		}
		out[i] = e
	}
	return out, nil
}

// ClaimStale leases open upgrades. SKIP LOCKED lets replicas that claim at
// the same moment take different rows instead of waiting for each other;
// the lease then keeps the rows from the next claims until it ends.
func (r upgrades) ClaimStale(ctx context.Context, olderThan, now, leaseUntil time.Time, limit int) ([]domain.UpgradeID, error) {
	if limit <= 0 {
		return nil, nil
	}
	if err := r.w.flush(ctx); err != nil {
		return nil, err
	}
	var ids []int64
	err := r.db.NewRaw(`
		UPDATE upgrades SET lease_until = ?
		WHERE id IN (
			SELECT id FROM upgrades
			WHERE status IN ('pending', 'processing')
			  AND updated_at < ?
			  AND (lease_until IS NULL OR lease_until <= ?)
			ORDER BY id
			LIMIT ?
			FOR UPDATE SKIP LOCKED)
		RETURNING id`, leaseUntil, olderThan, now, limit).Scan(ctx, &ids)
	if err != nil {
		return nil, translate(err, "claim stale upgrades")
	}
	slices.Sort(ids)
	out := make([]domain.UpgradeID, len(ids))
	for i, id := range ids {
		out[i] = domain.UpgradeID(id)
	}
	return out, nil
}
