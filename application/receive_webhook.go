package application

import (
	"context"
	"log/slog"
)

// ReceiveWebhook verifies a provider's webhook and applies its event.
type ReceiveWebhook struct {
	Payload   []byte
	Signature string
}

type ReceiveWebhookHandler struct {
	verifier WebhookVerifier
	fulfil   fulfilment
}

func NewReceiveWebhookHandler(uow UnitOfWork, verifier WebhookVerifier, gateway PaymentGateway, clock Clock, logger *slog.Logger, shop Shop) ReceiveWebhookHandler {
	return ReceiveWebhookHandler{verifier, newFulfilment(uow, gateway, clock, logger, shop)}
}

func (h ReceiveWebhookHandler) Handle(ctx context.Context, cmd ReceiveWebhook) (Applied, error) {
	ev, err := h.verifier.Verify(cmd.Payload, cmd.Signature)
	if err != nil {
		return Applied{}, err
	}
	ev.Source = "stripe"
	return h.fulfil.apply(ctx, ev)
}
