package stripe

import (
	"context"
	"time"

	stripego "github.com/stripe/stripe-go/v76"
)

// ReceiptURL reads the PaymentIntent with its latest charge expanded: the
// charge's receipt_url, while it has succeeded. Receipt URLs expire, so
// this is asked on every request.
func (g *Gateway) ReceiptURL(ctx context.Context, paymentIntentID string) (_ string, err error) {
	defer g.observe("receipt", time.Now(), &err)
	p := &stripego.PaymentIntentParams{}
	p.Context = ctx
	p.AddExpand("latest_charge")
	pi, err := g.api.PaymentIntents.Get(paymentIntentID, p)
	if err != nil {
		return "", g.fail(ctx, "read the payment's receipt", err)
	}
	if c := pi.LatestCharge; c != nil && c.Status == stripego.ChargeStatusSucceeded {
		return c.ReceiptURL, nil
	}
	return "", nil
}
