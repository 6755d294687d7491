package stripe

import (
	"context"
	"time"

	stripego "github.com/stripe/stripe-go/v76"

	"upgrades/application"
)

func (g *Gateway) Refund(ctx context.Context, r application.RefundRequest) (_ application.Refund, err error) {
	defer g.observe("refund", time.Now(), &err)
	p := &stripego.RefundParams{PaymentIntent: stripego.String(r.PaymentIntentID)}
	p.Context = ctx
	if r.IdempotencyKey != "" {
		p.SetIdempotencyKey(r.IdempotencyKey)
	}
	rf, err := g.api.Refunds.New(p)
	if err != nil {
		return application.Refund{}, g.fail(ctx, "refund the payment", err)
	}
	return application.Refund{ID: rf.ID, Status: string(rf.Status)}, nil
}
