package application

import (
	"context"
	"log/slog"

	"upgrades/domain"
)

// RefundUpgrade refunds a complete upgrade in full (owners only).
type RefundUpgrade struct {
	By        Actor
	UpgradeID domain.UpgradeID
	Reason    string
}

type RefundHandler struct {
	uow     UnitOfWork
	gateway PaymentGateway
	fulfil  fulfilment
}

func NewRefundHandler(uow UnitOfWork, gateway PaymentGateway, clock Clock, logger *slog.Logger, shop Shop) RefundHandler {
	return RefundHandler{uow, gateway, newFulfilment(uow, gateway, clock, logger, shop)}
}

func (h RefundHandler) Handle(ctx context.Context, cmd RefundUpgrade) (Applied, error) {
	var (
		up     *domain.Upgrade
		source = "the command line"
	)
	err := h.uow.Do(ctx, func(ctx context.Context, s Store) (err error) {
		if err = authorizeOwner(ctx, s, cmd.By, "refund upgrades"); err != nil {
			return err
		}
		if !cmd.By.CLI {
			actor, err := s.Users.ByID(ctx, cmd.By.ID)
			if err != nil {
				return err
			}
			source = "owner " + actor.Name()
		}
		up, err = s.Upgrades.ByID(ctx, cmd.UpgradeID, false)
		return err
	})
	if err != nil {
		return Applied{}, err
	}
	entry, err := newEntry(domain.AuditRefund, cmd.By, domain.SubjectUpgrade(cmd.UpgradeID), cmd.Reason, h.fulfil.clock)
	if err != nil {
		return Applied{}, err
	}
	if !up.IsRefundable() {
		return Applied{}, domain.Errorf(domain.KindConflict, "only a complete, paid upgrade can be refunded; #%d is %s", up.ID(), up.Status())
	}
	// The idempotency key makes a repeated click (or a retry after a lost
	// answer) return the first refund instead of refunding twice.
	refund, err := h.gateway.Refund(ctx, RefundRequest{
		PaymentIntentID: up.PaymentIntentID(),
		IdempotencyKey:  RefundKey(h.fulfil.shop.Installation, up.ID()),
	})
	if err != nil {
		return Applied{}, err
	}
	return h.fulfil.apply(ctx, PaymentEvent{
		Payment: domain.Payment{
			Kind: domain.EventRefunded, Livemode: h.fulfil.shop.Livemode, UpgradeID: up.ID(), PaymentIntentID: up.PaymentIntentID(),
		},
		Source: source, Note: "refund " + refund.ID, Audit: &entry,
	})
}

// RefundKey is the idempotency key of an upgrade's refund: an owner's and
// an automatic one are the same refund.
func RefundKey(installation string, id domain.UpgradeID) string {
	return IdempotencyKey(installation, id) + ":refund"
}
