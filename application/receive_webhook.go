package application

import (
	"context"
	"log/slog"

	"upgrades/domain"
)

// ReceiveWebhook verifies a provider's webhook and applies its event.
type ReceiveWebhook struct {
	Payload   []byte
	Signature string
}

type ReceiveWebhookHandler struct {
	verifier WebhookVerifier
	fulfil   fulfilment
	observe  Observer // nil: not observed
	clock    Clock
}

func NewReceiveWebhookHandler(uow UnitOfWork, verifier WebhookVerifier, clock Clock, logger *slog.Logger, livemode bool) ReceiveWebhookHandler {
	return ReceiveWebhookHandler{verifier, fulfilment{uow, clock, logger, livemode}, nil, clock}
}

// Observed is the handler reporting each delivery to o.
func (h ReceiveWebhookHandler) Observed(o Observer) ReceiveWebhookHandler {
	h.observe = o
	return h
}

func (h ReceiveWebhookHandler) Handle(ctx context.Context, cmd ReceiveWebhook) (out Applied, err error) {
	start := h.clock.Now()
	var ev PaymentEvent
	if h.observe != nil {
		defer func() {
			h.observe.Webhook(ev.Type, ev.Kind != (domain.EventKind{}), webhookOutcome(out, err), out.Result.Fulfilled, h.clock.Now().Sub(start))
		}()
	}
	if ev, err = h.verifier.Verify(cmd.Payload, cmd.Signature); err != nil {
		return Applied{}, err
	}
	ev.Source = "stripe"
	return h.fulfil.apply(ctx, ev)
}

// webhookOutcome names how a delivery ended: an event outcome, a
// duplicate, or an error that Stripe will not ("rejected") or will
// ("failed") retry.
func webhookOutcome(a Applied, err error) string {
	switch {
	case domain.IsKind(err, domain.KindMalformed), domain.IsKind(err, domain.KindTooLarge):
		return "rejected"
	case err != nil:
		return "failed"
	case a.Duplicate:
		return "duplicate"
	}
	return a.Outcome.String()
}
