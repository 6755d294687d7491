package memory

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"upgrades/application"
	"upgrades/domain"
)

type codes DB

var _ application.Codes = (*codes)(nil)

func (r *codes) Create(_ context.Context, c *domain.Code) error {
	if _, ok := r.users[c.BuyerID()]; !ok {
		return domain.Errorf(domain.KindNotFound, "buyer %d not found", c.BuyerID())
	}
	for _, s := range r.codes {
		if s.Value == c.Value().String() {
			return domain.Errorf(domain.KindConflict, "the code exists already")
		}
	}
	if r.codes == nil {
		r.codes = map[domain.CodeID]domain.CodeSnapshot{}
	}
	id := domain.CodeID((*DB)(r).id("upgrade_codes"))
	c.AssignID(id)
	r.codes[id] = c.Snapshot()
	(*DB)(r).onRollback(func() { delete(r.codes, id) })
	return nil
}

func (r *codes) ByValue(_ context.Context, v domain.CodeValue) (*domain.Code, error) {
	for _, s := range r.codes {
		if s.Value == v.String() {
			return domain.UnmarshalCodeFromDatabase(s), nil
		}
	}
	return nil, domain.Errorf(domain.KindNotFound, "no such code")
}

func (r *codes) LockByValue(ctx context.Context, v domain.CodeValue) (*domain.Code, error) {
	return r.ByValue(ctx, v)
}

func (r *codes) LockByUpgrade(_ context.Context, id domain.UpgradeID) ([]*domain.Code, error) {
	return r.where(func(s domain.CodeSnapshot) bool { return id != 0 && s.UpgradeID == id }), nil
}

func (r *codes) RedeemedBy(_ context.Context, redeemer domain.UserID) ([]*domain.Code, error) {
	return r.where(func(s domain.CodeSnapshot) bool { return s.Status == domain.CodeRedeemed && s.RedeemerID == redeemer }), nil
}

// where returns the codes that match, oldest first.
func (r *codes) where(match func(domain.CodeSnapshot) bool) []*domain.Code {
	var out []*domain.Code
	for _, s := range r.codes {
		if match(s) {
			out = append(out, domain.UnmarshalCodeFromDatabase(s))
		}
	}
	slices.SortFunc(out, func(a, b *domain.Code) int { return int(a.ID() - b.ID()) })
	return out
}

func (r *codes) Update(_ context.Context, c *domain.Code) error {
	old, ok := r.codes[c.ID()]
	if !ok {
		return domain.Errorf(domain.KindNotFound, "code %d not found", c.ID())
	}
	if c.RedeemerID() != 0 {
		if _, ok := r.users[c.RedeemerID()]; !ok {
			return domain.Errorf(domain.KindNotFound, "redeemer %d not found", c.RedeemerID())
		}
	}
	r.codes[c.ID()] = c.Snapshot()
	(*DB)(r).onRollback(func() { r.codes[c.ID()] = old })
	return nil
}

func (r *codes) List(_ context.Context, q application.CodeQuery) ([]application.CodeRow, error) {
	name := func(id domain.UserID) string {
		if u, ok := r.users[id]; ok {
			return u.Name()
		}
		return ""
	}
	var rows []application.CodeRow
	for _, s := range r.codes {
		buyer, redeemer := name(s.BuyerID), name(s.RedeemerID)
		switch {
		case q.VisibleTo != 0 && s.BuyerID != q.VisibleTo && s.RedeemerID != q.VisibleTo,
			!q.Status.IsZero() && s.Status != q.Status,
			!q.Type.IsZero() && s.Type != q.Type,
			q.BuyerName != "" && !strings.EqualFold(buyer, q.BuyerName),
			q.RedeemerName != "" && (s.RedeemerID == 0 || !strings.EqualFold(redeemer, q.RedeemerName)):
			continue
		}
		rows = append(rows, application.CodeRow{Code: domain.UnmarshalCodeFromDatabase(s), BuyerName: buyer, RedeemerName: redeemer})
	}
	slices.SortFunc(rows, func(a, b application.CodeRow) int { return int(b.Code.ID() - a.Code.ID()) })
	return window(rows, func(r application.CodeRow) int64 { return int64(r.Code.ID()) }, q.Window), nil
}

// CodeMaker hands out predictable codes: 2222-2222-2223, 2222-2222-2224, …
type CodeMaker struct {
	mu sync.Mutex
	n  int
}

var _ application.CodeMaker = (*CodeMaker)(nil)

func (m *CodeMaker) NewCode() (domain.CodeValue, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.n++
	digits := []byte(fmt.Sprintf("%012d", m.n))
	for i, d := range digits {
		digits[i] = domain.CodeAlphabet[d-'0']
	}
	return domain.ParseCode(string(digits))
}
