package application

import (
	"context"
	"strconv"
	"strings"

	"upgrades/domain"
)

// ListUpgrades reads a page of upgrades, newest first. Admins and owners
// see everyone's; others see the ones they bought or received.
type ListUpgrades struct {
	ViewerID domain.UserID
	Filter   UpgradeFilter
	Page     int // from 1
	Limit    int // 1 to MaxPageSize
}

// UpgradeFilter is the list page's search form, as typed.
type UpgradeFilter struct {
	RecipientName, PurchaserName, Type, Status, IsGifted string
}

// Page sizes of the list.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// UpgradeList is one page of the list.
type UpgradeList struct {
	Items   []UpgradeView
	Page    int
	Limit   int
	HasMore bool
}

type ListUpgradesHandler struct{ uow UnitOfWork }

func NewListUpgradesHandler(uow UnitOfWork) ListUpgradesHandler { return ListUpgradesHandler{uow} }

func (h ListUpgradesHandler) Handle(ctx context.Context, cmd ListUpgrades) (UpgradeList, error) {
	q, err := cmd.query()
	if err != nil {
		return UpgradeList{}, err
	}
	list := UpgradeList{Page: cmd.Page, Limit: q.Limit}
	err = h.uow.Do(ctx, func(ctx context.Context, s Store) error {
		viewer, err := requireUser(ctx, s, cmd.ViewerID)
		if err != nil {
			return err
		}
		if !viewer.IsAdmin() {
			q.VisibleTo = viewer.ID()
		}
		q.Limit++ // one more tells whether there is a next page
		rows, err := s.Upgrades.List(ctx, q)
		if err != nil {
			return err
		}
		if len(rows) > list.Limit {
			rows, list.HasMore = rows[:list.Limit], true
		}
		list.Items = make([]UpgradeView, len(rows))
		for i, r := range rows {
			list.Items[i] = UpgradeView{UpgradeRow: r, CanRefund: viewer.IsOwner() && r.Upgrade.IsRefundable(), GiftNote: r.Upgrade.GiftNoteFor(viewer)}
		}
		return nil
	})
	return list, err
}

func (cmd *ListUpgrades) query() (UpgradeQuery, error) {
	if cmd.Page == 0 {
		cmd.Page = 1
	}
	if cmd.Limit == 0 {
		cmd.Limit = DefaultPageSize
	}
	if cmd.Page < 1 || cmd.Page > 1_000_000 {
		return UpgradeQuery{}, domain.Errorf(domain.KindMalformed, "page must be a positive number")
	}
	if cmd.Limit < 1 || cmd.Limit > MaxPageSize {
		return UpgradeQuery{}, domain.Errorf(domain.KindMalformed, "limit must be between 1 and %d", MaxPageSize)
	}
	f := cmd.Filter
	q := UpgradeQuery{
		RecipientName: strings.TrimSpace(f.RecipientName), PurchaserName: strings.TrimSpace(f.PurchaserName),
		Offset: (cmd.Page - 1) * cmd.Limit, Limit: cmd.Limit,
	}
	var err error
	if t := strings.TrimSpace(f.Type); t != "" {
		if q.Type, err = domain.ParseUpgradeType(t); err != nil {
			return q, domain.Errorf(domain.KindMalformed, "unknown upgrade type %q", t)
		}
	}
	if st := strings.TrimSpace(f.Status); st != "" {
		if q.Status, err = domain.ParseStatus(st); err != nil {
			return q, domain.Errorf(domain.KindMalformed, "unknown status %q", st)
		}
	}
	if g := strings.TrimSpace(f.IsGifted); g != "" {
		b, err := strconv.ParseBool(g)
		if err != nil {
			return q, domain.Errorf(domain.KindMalformed, "is_gifted must be true or false")
		}
		q.IsGifted = &b
	}
	return q, nil
}
