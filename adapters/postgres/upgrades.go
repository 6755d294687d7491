package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"upgrades/application"
	"upgrades/domain"
)

// upgrades is the Upgrades repository bound to one transaction.
type upgrades struct{ db conn }

var _ application.Upgrades = upgrades{}

// Create inserts the upgrade, for its id, and then its history.
// Create inserts the upgrade and its first history entries in one
// statement, one round trip: the history's insert takes the new id from
// the upgrade's.
func (r upgrades) Create(ctx context.Context, u *domain.Upgrade) error {
	insert := r.db.NewInsert().Model(upgradeFromDomain(u)).ExcludeColumn("id").Returning("id")
	q := r.db.NewSelect().With("created", insert).Table("created").Column("id")
	if entries := u.UnsavedHistory(); len(entries) > 0 {
		hq, args := historyInsert(bun.Safe("(SELECT id FROM created)"), entries, "")
		q = q.With("history", r.db.NewRaw(hq, args...))
	}
	var id int64
	if err := q.Scan(ctx, &id); err != nil {
		if e := refused(err, u); e != nil {
			return e
		}
		return translate(err, "create upgrade")
	}
	u.AssignID(domain.UpgradeID(id))
	u.HistorySaved()
	return nil
}

// Update stores the upgrade's fields, and then its unsaved history.
func (r upgrades) Update(ctx context.Context, u *domain.Upgrade) error {
	res, err := r.db.NewUpdate().Model(upgradeFromDomain(u)).Column(upgradeColumns...).WherePK().Exec(ctx)
	if err != nil {
		if e := refused(err, u); e != nil {
			return e
		}
		return translate(err, "update upgrade")
	}
	if err := mustAffect(res, "upgrade #%d not found", u.ID()); err != nil {
		return err
	}
	return r.saveHistory(ctx, u)
}

func (r upgrades) saveHistory(ctx context.Context, u *domain.Upgrade) error {
	entries := u.UnsavedHistory()
	if len(entries) == 0 {
		return nil
	}
	q, args := historyInsert(u.ID(), entries, "")
	if _, err := r.db.NewRaw(q, args...).Exec(ctx); err != nil {
		if e := refused(err, u); e != nil {
			return e
		}
		return translate(err, "append upgrade history")
	}
	u.HistorySaved()
	return nil
}

// historyInsert is one INSERT of an upgrade's new history entries, each
// numbered after the last one stored. It runs after the caller created or
// locked the upgrade, so nobody appends in between (and the primary key
// would refuse it if anyone did). A non-empty onlyIf is a condition the
// entries are inserted under.
func historyInsert(id any, entries []domain.HistoryEntry, onlyIf string) (string, []any) {
	var b strings.Builder
	args := []any{id}
	b.WriteString(`INSERT INTO upgrade_history (upgrade_id, seq, at, from_status, to_status, event, outcome, cause, note)
		SELECT ?, last.seq + e.n, e.at, e.from_status, e.to_status, e.event, e.outcome, e.cause, e.note
		FROM (SELECT coalesce(max(seq), 0) AS seq FROM upgrade_history WHERE upgrade_id = ?) AS last,
		(VALUES `)
	args = append(args, id)
	for i, e := range entries {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?::int, ?::timestamptz, ?::text, ?::text, ?::text, ?::text, ?::text, ?::text)")
		row := historyFromDomain(0, 0, e)
		args = append(args, i+1, row.At, nullString(row.FromStatus), row.ToStatus, nullString(row.Event), row.Outcome, row.Cause, row.Note)
	}
	b.WriteString(") AS e (n, at, from_status, to_status, event, outcome, cause, note)")
	if onlyIf != "" {
		b.WriteString(" WHERE " + onlyIf)
	}
	return b.String(), args
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
	q := r.db.NewSelect().Where("purchaser_id = ?", purchaser)
	if recipient == 0 {
		q = q.Where("recipient_id IS NULL") // a purchase of codes
	} else {
		q = q.Where("recipient_id = ?", recipient)
	}
	q = q.
		Where("upgrade_type = ?", t.String()).
		Where("status = ?", domain.StatusPending.String()).
		OrderExpr("id DESC").Limit(1)
	return r.one(ctx, q, false, "no pending upgrade")
}

func (r upgrades) one(ctx context.Context, q *bun.SelectQuery, withHistory bool, missing string) (*domain.Upgrade, error) {
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

// ByRecipient reads along the index of recipients.
func (r upgrades) ByRecipient(ctx context.Context, recipient domain.UserID, statuses ...domain.Status) ([]*domain.Upgrade, error) {
	if len(statuses) == 0 {
		return nil, nil
	}
	names := make([]string, len(statuses))
	for i, st := range statuses {
		names[i] = st.String()
	}
	var rows []upgradeRow
	err := r.db.NewSelect().Model(&rows).
		Where("recipient_id = ?", recipient).
		Where("status IN (?)", bun.In(names)).
		OrderExpr("id").Scan(ctx)
	if err != nil {
		return nil, translate(err, "read fulfilled upgrades")
	}
	out := make([]*domain.Upgrade, len(rows))
	for i := range rows {
		if out[i], err = rows[i].toDomain(nil); err != nil {
			return nil, err
		}
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

func (r upgrades) CountOpen(ctx context.Context) (map[domain.Status]int, error) {
	var rows []struct {
		Status string
		N      int
	}
	err := r.db.NewRaw(`SELECT status, count(*) AS n FROM upgrades WHERE status IN ('pending', 'processing') GROUP BY status`).Scan(ctx, &rows)
	if err != nil {
		return nil, translate(err, "count open upgrades")
	}
	counts := map[domain.Status]int{domain.StatusPending: 0, domain.StatusProcessing: 0}
	for _, row := range rows {
		s, err := domain.ParseStatus(row.Status)
		if err != nil {
			return nil, err
		}
		counts[s] = row.N
	}
	return counts, nil
}
