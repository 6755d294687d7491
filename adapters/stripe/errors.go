package stripe

import (
	"context"
	"errors"

	stripego "github.com/stripe/stripe-go/v76"

	"upgrades/domain"
)

var errNoCheckoutURL = errors.New("the checkout session has no id or URL")

// fail logs what Stripe said, with the request id Stripe support asks for
// (stripe_request_id: request_id is the id of the web request),
// and returns an error whose message is safe to show: what Stripe says may
// name parameters, keys or amounts.
func (g *Gateway) fail(ctx context.Context, what string, err error) error {
	var se *stripego.Error
	if errors.As(err, &se) {
		g.logger.ErrorContext(ctx, "stripe request failed", "op", what,
			"stripe_request_id", se.RequestID, "status", se.HTTPStatusCode, "type", string(se.Type),
			"code", string(se.Code), "param", se.Param, "message", se.Msg)
	} else {
		g.logger.ErrorContext(ctx, "stripe request failed", "op", what, "err", err)
	}
	msg := "the payment provider could not " + what + "; please try again"
	var timeout interface{ Timeout() bool }
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &timeout) && timeout.Timeout()) {
		msg = "the payment provider did not answer in time; please try again"
	}
	return domain.WrapError(domain.KindPaymentProvider, err, "%s", msg)
}
