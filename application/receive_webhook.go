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
	// Admit, when set, is asked once the webhook is verified and before
	// the store is touched: it may wait for a turn, and its error ends the
	// delivery. A forged or unreadable webhook never reaches it, so it
	// cannot take a turn that a real one is waiting for. release is called
	// when the delivery ends.
	Admit func(ctx context.Context) (release func(), err error)
}

type ReceiveWebhookHandler struct {
	verifier WebhookVerifier
	fulfil   fulfilment
	observe  Observer // nil: not observed
	clock    Clock
}

func NewReceiveWebhookHandler(uow UnitOfWork, verifier WebhookVerifier, gateway PaymentGateway, clock Clock, logger *slog.Logger, shop Shop) ReceiveWebhookHandler {
	return ReceiveWebhookHandler{verifier, newFulfilment(uow, gateway, clock, logger, shop), nil, clock}
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
	if cmd.Admit != nil {
		release, err := cmd.Admit(ctx)
		if err != nil {
			return Applied{}, err
		}
		defer release()
	}
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
