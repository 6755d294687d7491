package application

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"upgrades/domain"
)

// UpgradeView is an upgrade as one viewer may see it.
type UpgradeView struct {
	UpgradeRow
	// ShowHistory is set for admins and owners; the history is loaded then.
	ShowHistory bool
	// CanRefund is set for owners while the upgrade can be refunded.
	CanRefund bool
	// GiftNote is the gift's note as the viewer may read it: empty for a
	// recipient until the gift is paid.
	GiftNote string
}

// ShowUpgrade reads one upgrade. With Refresh, an open upgrade is first
// synchronised with its checkout (the success page), when SessionID is
// the upgrade's own checkout session.
type ShowUpgrade struct {
	ViewerID  domain.UserID
	UpgradeID domain.UpgradeID
	Refresh   bool
	SessionID string
}

// successPageEvery is how often the success page may ask the provider
// about one upgrade, in each process (SPEC §3): the page reloads itself
// every few seconds, and anyone may reload it faster.
const successPageEvery = 5 * time.Second

type ShowUpgradeHandler struct {
	uow    UnitOfWork
	logger *slog.Logger
	sync   checkoutSync
	clock  Clock
	asked  *askedAt
}

func NewShowUpgradeHandler(uow UnitOfWork, gateway PaymentGateway, clock Clock, logger *slog.Logger, shop Shop) ShowUpgradeHandler {
	return ShowUpgradeHandler{uow, logger, newCheckoutSync(uow, gateway, clock, logger, shop), clock, &askedAt{at: map[domain.UpgradeID]time.Time{}}}
}

// askedAt remembers when the provider was last asked about each upgrade.
type askedAt struct {
	mu sync.Mutex
	at map[domain.UpgradeID]time.Time
}

// allow reports whether the provider may be asked about id at now, and
// if so counts it as asked.
func (a *askedAt) allow(id domain.UpgradeID, now time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if last, ok := a.at[id]; ok && now.Sub(last) < successPageEvery {
		return false
	}
	if len(a.at) >= 10_000 {
		// Forget what no longer limits anything, so the map stays small.
		for k, t := range a.at {
			if now.Sub(t) >= successPageEvery {
				delete(a.at, k)
			}
		}
	}
	a.at[id] = now
	return true
}

func (h ShowUpgradeHandler) Handle(ctx context.Context, cmd ShowUpgrade) (UpgradeView, error) {
	v, err := h.read(ctx, cmd)
	if err != nil || !cmd.Refresh || !v.Upgrade.Status().IsOpen() {
		return v, err
	}
	// Only the upgrade's own session, so that made-up ids cost no call,
	// and only so often.
	if cmd.SessionID == "" || cmd.SessionID != v.Upgrade.SessionID() || !h.asked.allow(cmd.UpgradeID, h.clock.Now()) {
		return v, nil
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
		if up.IsCodes() {
			recipientName = ""
		}
		if up.IsGifted() {
			if recipientName, err = name(up.RecipientID()); err != nil {
				return err
			}
		}
		v = UpgradeView{
			UpgradeRow:  UpgradeRow{Upgrade: up, PurchaserName: purchaserName, RecipientName: recipientName},
			ShowHistory: viewer.IsAdmin(),
			CanRefund:   viewer.IsOwner() && up.IsRefundable(),
			GiftNote:    up.GiftNoteFor(viewer),
		}
		return nil
	})
	return v, err
}
