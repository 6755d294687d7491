package application

import (
	"context"
	"log/slog"
	"strconv"
	"strings"

	"upgrades/domain"
)

// UpgradeView is an upgrade as one viewer may see it.
type UpgradeView struct {
	UpgradeRow
	// ShowHistory is set for admins and owners; the history is loaded then.
	ShowHistory bool
	// CanRefund is set for owners while the upgrade can be refunded.
	CanRefund bool
}

// ShowUpgrade reads one upgrade. With Refresh, an open upgrade is first
// synchronised with its checkout (the success page).
type ShowUpgrade struct {
	ViewerID  domain.UserID
	UpgradeID domain.UpgradeID
	Refresh   bool
}

type ShowUpgradeHandler struct {
	uow    UnitOfWork
	logger *slog.Logger
	sync   checkoutSync
}

func NewShowUpgradeHandler(uow UnitOfWork, gateway PaymentGateway, clock Clock, logger *slog.Logger, livemode bool) ShowUpgradeHandler {
	return ShowUpgradeHandler{uow, logger, newCheckoutSync(uow, gateway, clock, logger, livemode)}
}

func (h ShowUpgradeHandler) Handle(ctx context.Context, cmd ShowUpgrade) (UpgradeView, error) {
	v, err := h.read(ctx, cmd)
	if err != nil || !cmd.Refresh || !v.Upgrade.Status().IsOpen() {
		return v, err
	}
	// The buyer is back from the checkout page; if the webhook has not
	// arrived, ask the provider. A failure here only means the page shows
	// the status as it was.
	if _, err := h.sync.sync(ctx, SyncUpgrade{UpgradeID: cmd.UpgradeID, Source: "success page"}); err != nil {
		h.logger.WarnContext(ctx, "success page could not read the checkout", "upgrade", cmd.UpgradeID, "err", err)
		return v, nil
	}
	return h.read(ctx, cmd)
}

func (h ShowUpgradeHandler) read(ctx context.Context, cmd ShowUpgrade) (UpgradeView, error) {
	var v UpgradeView
	err := h.uow.Do(ctx, func(ctx context.Context, s Store) error {
		viewer, err := requireUser(ctx, s, cmd.ViewerID)
		if err != nil {
			return err
		}
		up, err := s.Upgrades.ByID(ctx, cmd.UpgradeID, viewer.IsAdmin())
		if err != nil {
			return err
		}
		if !up.CanBeViewedBy(viewer) {
			return domain.Errorf(domain.KindForbidden, "this upgrade is not yours")
		}
		// The viewer is mostly the buyer, and a self upgrade has one person
		// in it: nobody is read twice.
		name := func(id domain.UserID) (string, error) {
			if id == viewer.ID() {
				return viewer.Name(), nil
			}
			u, err := s.Users.ByID(ctx, id)
			if err != nil {
				return "", err
			}
			return u.Name(), nil
		}
		purchaserName, err := name(up.PurchaserID())
		if err != nil {
			return err
		}
		recipientName := purchaserName
		if up.IsGifted() {
			if recipientName, err = name(up.RecipientID()); err != nil {
				return err
			}
		}
		v = UpgradeView{
			UpgradeRow:  UpgradeRow{Upgrade: up, PurchaserName: purchaserName, RecipientName: recipientName},
			ShowHistory: viewer.IsAdmin(),
			CanRefund:   viewer.IsOwner() && up.IsRefundable(),
		}
		return nil
	})
	return v, err
}

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
			list.Items[i] = UpgradeView{UpgradeRow: r, CanRefund: viewer.IsOwner() && r.Upgrade.IsRefundable()}
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
