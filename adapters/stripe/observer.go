package stripe

import (
	"context"
	"errors"
	"time"

	stripego "github.com/stripe/stripe-go/v76"
)

// Observer hears every call the gateway makes to Stripe, for metrics.
// It must be quick and safe for concurrent use.
type Observer interface {
	// StripeCall reports one call: the operation (create_checkout, receipt,
	// retrieve_checkout, expire_checkout, refund), its outcome ("ok",
	// "timeout", "network" or Stripe's error type) and how long it took,
	// retries included.
	StripeCall(operation, outcome string, took time.Duration)
}

// observe reports the call that started at start and ended with *err.
func (g *Gateway) observe(operation string, start time.Time, err *error) {
	if g.observer != nil {
		g.observer.StripeCall(operation, callOutcome(*err), time.Since(start))
	}
}

// callOutcome is a small, fixed set of words: Stripe's error types are
// few, and anything that is not Stripe's answer is a timeout or the network.
func callOutcome(err error) string {
	if err == nil {
		return "ok"
	}
	var se *stripego.Error
	if errors.As(err, &se) && se.Type != "" {
		return string(se.Type)
	}
	var timeout interface{ Timeout() bool }
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &timeout) && timeout.Timeout()) {
		return "timeout"
	}
	return "network"
}
