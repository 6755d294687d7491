package application

import (
	"context"
	"fmt"

	"upgrades/domain"
)

// RefundUpgrade refunds a complete upgrade in full (owners only).
type RefundUpgrade struct {
	ActorID   domain.UserID
	UpgradeID domain.UpgradeID
}

type RefundHandler struct {
	d     Deps
	apply ApplyEventHandler
}

func (h RefundHandler) Handle(ctx context.Context, cmd RefundUpgrade) (Applied, error) {
	var (
		actor *domain.User
		up    *domain.Upgrade
	)
	err := h.d.UoW.Do(ctx, func(ctx context.Context, s Store) (err error) {
		if actor, err = requireUser(ctx, s, cmd.ActorID); err != nil {
			return err
		}
		if !actor.IsOwner() {
			return domain.Errorf(domain.KindForbidden, "only owners can refund upgrades")
		}
		up, err = s.Upgrades.ByID(ctx, cmd.UpgradeID, false)
		return err
	})
	if err != nil {
		return Applied{}, err
	}
	if !up.IsRefundable() {
		return Applied{}, domain.Errorf(domain.KindConflict, "only a complete, paid upgrade can be refunded; #%d is %s", up.ID(), up.Status())
	}
	// The idempotency key makes a repeated click (or a retry after a lost
	// answer) return the first refund instead of refunding twice.
	refund, err := h.d.Gateway.Refund(ctx, RefundRequest{
		PaymentIntentID: up.PaymentIntentID(),
		IdempotencyKey:  fmt.Sprintf("refund_%s", ClientReference(up.ID())),
	})
	if err != nil {
		return Applied{}, err
	}
	return h.apply.Handle(ctx, PaymentEvent{
		Kind: domain.EventRefunded, Livemode: h.d.Config.Livemode, UpgradeID: up.ID(),
		PaymentIntentID: up.PaymentIntentID(), Source: "owner " + actor.Name(), Note: "refund " + refund.ID,
	})
}

func requireUser(ctx context.Context, s Store, id domain.UserID) (*domain.User, error) {
	if id == 0 {
		return nil, domain.Errorf(domain.KindUnauthenticated, "log in first")
	}
	u, err := s.Users.ByID(ctx, id)
	if domain.IsKind(err, domain.KindNotFound) {
		return nil, domain.Errorf(domain.KindUnauthenticated, "log in first")
	}
	return u, err
}

// ReceiveWebhook verifies a provider's webhook and applies its event.
type ReceiveWebhook struct {
	Payload   []byte
	Signature string
}

type ReceiveWebhookHandler struct {
	d     Deps
	apply ApplyEventHandler
}

func (h ReceiveWebhookHandler) Handle(ctx context.Context, cmd ReceiveWebhook) (Applied, error) {
	ev, err := h.d.Verifier.Verify(cmd.Payload, cmd.Signature)
	if err != nil {
		return Applied{}, err
	}
	ev.Source = "stripe"
	return h.apply.Handle(ctx, ev)
}

// ReadMessages lists a user's own messages.
type ReadMessages struct {
	UserID domain.UserID
	Limit  int
}

type ReadMessagesHandler struct{ d Deps }

func (h ReadMessagesHandler) Handle(ctx context.Context, cmd ReadMessages) ([]*domain.Message, error) {
	limit := cmd.Limit
	if limit <= 0 || limit > 200 {
		limit = 200
	}
	var msgs []*domain.Message
	err := h.d.UoW.Do(ctx, func(ctx context.Context, s Store) (err error) {
		if _, err = requireUser(ctx, s, cmd.UserID); err != nil {
			return err
		}
		msgs, err = s.Messages.ForUser(ctx, cmd.UserID, limit)
		return err
	})
	return msgs, err
}
