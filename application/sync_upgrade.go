package application

import (
	"context"
	"log/slog"

	"upgrades/domain"
)

// SyncUpgrade reads an open upgrade's checkout back from the provider and
// applies what it shows, for when a webhook is late or lost. With Expire,
// a checkout still open past its expiry is expired at the provider first.
type SyncUpgrade struct {
	UpgradeID domain.UpgradeID
	Source    string // "success page", "reconciler"
	Expire    bool
}

type SyncUpgradeHandler struct{ c checkoutSync }

func NewSyncUpgradeHandler(uow UnitOfWork, gateway PaymentGateway, clock Clock, logger *slog.Logger, shop Shop) SyncUpgradeHandler {
	return SyncUpgradeHandler{newCheckoutSync(uow, gateway, clock, logger, shop)}
}

func (h SyncUpgradeHandler) Handle(ctx context.Context, cmd SyncUpgrade) (Applied, error) {
	return h.c.sync(ctx, cmd)
}

// checkoutSync brings an upgrade in line with its checkout at the
// provider; the success page, the reconciler and SyncUpgrade share it.
type checkoutSync struct {
	uow     UnitOfWork
	gateway PaymentGateway
	clock   Clock
	fulfil  fulfilment
}

func newCheckoutSync(uow UnitOfWork, gateway PaymentGateway, clock Clock, logger *slog.Logger, shop Shop) checkoutSync {
	return checkoutSync{uow, gateway, clock, newFulfilment(uow, gateway, clock, logger, shop)}
}

func (c checkoutSync) sync(ctx context.Context, cmd SyncUpgrade) (Applied, error) {
	var up *domain.Upgrade
	err := c.uow.Do(ctx, func(ctx context.Context, s Store) (err error) {
		up, err = s.Upgrades.ByID(ctx, cmd.UpgradeID, false)
		return err
	})
	if err != nil || !up.Status().IsOpen() {
		return Applied{}, err
	}
	if up.SessionID() == "" {
		return c.abandonUnattached(ctx, up, cmd.Source)
	}
	state, err := c.gateway.RetrieveCheckout(ctx, up.SessionID())
	if err != nil {
		return Applied{}, err
	}
	if cmd.Expire && state.Open && !c.clock.Now().Before(up.SessionExpiresAt()) {
		// Expiring may lose a race with the buyer paying; the state it
		// returns (or a fresh read) says which happened.
		state, err = c.gateway.ExpireCheckout(ctx, up.SessionID())
		if err != nil {
			if state, err = c.gateway.RetrieveCheckout(ctx, up.SessionID()); err != nil {
				return Applied{}, err
			}
		}
	}
	if state.Payment.Kind == (domain.EventKind{}) {
		// The buyer has not finished.
		return Applied{Outcome: domain.OutcomeIgnored, UpgradeID: up.ID()}, nil
	}
	ev := PaymentEvent{Payment: state.Payment, Type: state.Type, Source: cmd.Source}
	ev.UpgradeID = up.ID()
	return c.fulfil.apply(ctx, ev)
}

// abandonUnattached fails a pending upgrade whose checkout was never
// stored (the buyer was shown an error and never saw a checkout page), so
// it does not stay open forever; one still being created is left alone.
func (c checkoutSync) abandonUnattached(ctx context.Context, up *domain.Upgrade, source string) (Applied, error) {
	if c.clock.Now().Sub(up.CreatedAt()) < inFlight {
		return Applied{Outcome: domain.OutcomeIgnored, UpgradeID: up.ID()}, nil
	}
	return c.fulfil.apply(ctx, PaymentEvent{
		Payment: domain.Payment{Kind: domain.EventCheckoutFailed, UpgradeID: up.ID(), Livemode: c.fulfil.shop.Livemode},
		Source:  source, Note: "no checkout was ever stored for this upgrade",
	})
}
