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
	Page     string // as typed: empty, a number up to MaxPageNumber, b<id> or a<id>
	Limit    int    // 1 to MaxPageSize; 0 is DefaultPageSize
}

// UpgradeFilter is the list page's search form, as typed.
type UpgradeFilter struct {
	RecipientName, PurchaserName, Type, Status, IsGifted string
}

// UpgradeList is one page of the list.
type UpgradeList = Paged[UpgradeView]

type ListUpgradesHandler struct{ uow UnitOfWork }

func NewListUpgradesHandler(uow UnitOfWork) ListUpgradesHandler { return ListUpgradesHandler{uow} }

func (h ListUpgradesHandler) Handle(ctx context.Context, cmd ListUpgrades) (UpgradeList, error) {
	page, limit, err := pageRequest(cmd.Page, cmd.Limit)
	if err != nil {
		return UpgradeList{}, err
	}
	q, err := cmd.Filter.query()
	if err != nil {
		return UpgradeList{}, err
	}
	q.Window = page.window(limit)
	var list UpgradeList
	err = h.uow.Do(ctx, func(ctx context.Context, s Store) error {
		viewer, err := requireUser(ctx, s, cmd.ViewerID)
		if err != nil {
			return err
		}
		if !viewer.IsAdmin() {
			q.VisibleTo = viewer.ID()
		}
		rows, err := s.Upgrades.List(ctx, q)
		if err != nil {
			return err
		}
		views := make([]UpgradeView, len(rows))
		for i, r := range rows {
			views[i] = UpgradeView{UpgradeRow: r, CanRefund: viewer.IsOwner() && r.Upgrade.IsRefundable(), GiftNote: r.Upgrade.GiftNoteFor(viewer)}
		}
		list = paginate(page, limit, views, func(v UpgradeView) int64 { return int64(v.Upgrade.ID()) })
		return nil
	})
	return list, err
}

// query turns the search form into the store's query, without its window.
func (f UpgradeFilter) query() (UpgradeQuery, error) {
	q := UpgradeQuery{RecipientName: strings.TrimSpace(f.RecipientName), PurchaserName: strings.TrimSpace(f.PurchaserName)}
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
