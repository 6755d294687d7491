package memory

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"upgrades/application"
	"upgrades/domain"
)

type upgrades DB

var _ application.Upgrades = (*upgrades)(nil)

func (r *upgrades) Create(_ context.Context, u *domain.Upgrade) error {
	if _, ok := r.users[u.PurchaserID()]; !ok {
		return domain.Errorf(domain.KindNotFound, "purchaser %d not found", u.PurchaserID())
	}
	if _, ok := r.users[u.RecipientID()]; !ok && !u.IsCodes() {
		return domain.Errorf(domain.KindNotFound, "recipient %d not found", u.RecipientID())
	}
	id := domain.UpgradeID((*DB)(r).id("upgrades"))
	u.AssignID(id)
	r.upgrades[id] = &upgradeRecord{snap: u.Snapshot(), history: u.UnsavedHistory()}
	u.HistorySaved()
	(*DB)(r).onRollback(func() { delete(r.upgrades, id) })
	return nil
}

func (r *upgrades) load(rec *upgradeRecord, withHistory bool) *domain.Upgrade {
	var h []domain.HistoryEntry
	if withHistory {
		h = slices.Clone(rec.history)
	}
	return domain.UnmarshalUpgradeFromDatabase(rec.snap, h)
}

func (r *upgrades) ByID(_ context.Context, id domain.UpgradeID, withHistory bool) (*domain.Upgrade, error) {
	rec, ok := r.upgrades[id]
	if !ok {
		return nil, domain.Errorf(domain.KindNotFound, "upgrade #%d not found", id)
	}
	return r.load(rec, withHistory), nil
}

func (r *upgrades) LockByID(ctx context.Context, id domain.UpgradeID) (*domain.Upgrade, error) {
	return r.ByID(ctx, id, false)
}

func (r *upgrades) LockByPaymentIntent(_ context.Context, pi string) (*domain.Upgrade, error) {
	for _, rec := range r.upgrades {
		if pi != "" && rec.snap.PaymentIntentID == pi {
			return r.load(rec, false), nil
		}
	}
	return nil, domain.Errorf(domain.KindNotFound, "no upgrade is paid by %q", pi)
}

func (r *upgrades) LatestPending(_ context.Context, purchaser, recipient domain.UserID, t domain.UpgradeType) (*domain.Upgrade, error) {
	var best *upgradeRecord
	for _, rec := range r.upgrades {
		s := rec.snap
		if s.PurchaserID == purchaser && s.RecipientID == recipient && s.Type == t && s.Status == domain.StatusPending &&
			(best == nil || s.ID > best.snap.ID) {
			best = rec
		}
	}
	if best == nil {
		return nil, domain.Errorf(domain.KindNotFound, "no pending upgrade")
	}
	return r.load(best, false), nil
}

func (r *upgrades) Update(_ context.Context, u *domain.Upgrade) error {
	rec, ok := r.upgrades[u.ID()]
	if !ok {
		return domain.Errorf(domain.KindNotFound, "upgrade #%d not found", u.ID())
	}
	snap := u.Snapshot()
	// One checkout session and one payment belong to one upgrade, as the
	// database's unique indexes have it.
	for id, other := range r.upgrades {
		switch {
		case id == u.ID():
		case snap.SessionID != "" && other.snap.SessionID == snap.SessionID:
			return domain.Errorf(domain.KindConflict, "checkout session %s belongs to another upgrade", snap.SessionID)
		case snap.PaymentIntentID != "" && other.snap.PaymentIntentID == snap.PaymentIntentID:
			return domain.Errorf(domain.KindConflict, "payment %s belongs to another upgrade", snap.PaymentIntentID)
		}
	}
	old := *rec
	rec.snap = snap
	rec.history = append(slices.Clip(rec.history), u.UnsavedHistory()...)
	u.HistorySaved()
	(*DB)(r).onRollback(func() { *rec = old })
	return nil
}

func (r *upgrades) List(_ context.Context, q application.UpgradeQuery) ([]application.UpgradeRow, error) {
	var rows []application.UpgradeRow
	for _, rec := range r.upgrades {
		s := rec.snap
		p, rcpName := r.users[s.PurchaserID], ""
		if rcp, ok := r.users[s.RecipientID]; ok {
			rcpName = rcp.Name()
		}
		gifted := s.Quantity == 0 && s.PurchaserID != s.RecipientID
		switch {
		case q.VisibleTo != 0 && s.PurchaserID != q.VisibleTo && s.RecipientID != q.VisibleTo,
			q.RecipientName != "" && (rcpName == "" || !strings.EqualFold(rcpName, q.RecipientName)),
			q.PurchaserName != "" && !strings.EqualFold(p.Name(), q.PurchaserName),
			q.PurchaserID != 0 && s.PurchaserID != q.PurchaserID,
			!q.Type.IsZero() && s.Type != q.Type,
			!q.Status.IsZero() && s.Status != q.Status,
			q.IsGifted != nil && gifted != *q.IsGifted:
			continue
		}
		rows = append(rows, application.UpgradeRow{Upgrade: r.load(rec, false), PurchaserName: p.Name(), RecipientName: rcpName})
	}
	slices.SortFunc(rows, func(a, b application.UpgradeRow) int { return int(b.Upgrade.ID() - a.Upgrade.ID()) })
	return window(rows, func(r application.UpgradeRow) int64 { return int64(r.Upgrade.ID()) }, q.Window), nil
}

func (r *upgrades) ClaimStale(_ context.Context, olderThan, now, leaseUntil time.Time, limit int) ([]domain.UpgradeID, error) {
	var ids []domain.UpgradeID
	for id, rec := range r.upgrades {
		if rec.snap.Status.IsOpen() && rec.snap.UpdatedAt.Before(olderThan) && !rec.leaseUntil.After(now) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	if len(ids) > limit {
		ids = ids[:limit]
	}
	for _, id := range ids {
		rec := r.upgrades[id]
		old := rec.leaseUntil
		rec.leaseUntil = leaseUntil
		(*DB)(r).onRollback(func() { rec.leaseUntil = old })
	}
	return ids, nil
}

func (r *upgrades) ByRecipient(_ context.Context, recipient domain.UserID, statuses ...domain.Status) ([]*domain.Upgrade, error) {
	var out []*domain.Upgrade
	for _, rec := range r.upgrades {
		if rec.snap.RecipientID == recipient && slices.Contains(statuses, rec.snap.Status) {
			out = append(out, r.load(rec, false))
		}
	}
	slices.SortFunc(out, func(a, b *domain.Upgrade) int { return cmp.Compare(a.ID(), b.ID()) })
	return out, nil
}

func (r *upgrades) CountOpen(context.Context) (map[domain.Status]int, error) {
	counts := openCounts()
	for _, rec := range r.upgrades {
		if rec.snap.Status.IsOpen() {
			counts[rec.snap.Status]++
		}
	}
	return counts, nil
}

// openCounts is a zero for every open status.
func openCounts() map[domain.Status]int {
	counts := map[domain.Status]int{}
	for _, s := range domain.Statuses {
		if s.IsOpen() {
			counts[s] = 0
		}
	}
	return counts
}
