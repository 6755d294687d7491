package stripesim

import (
	"fmt"
	"slices"
)

// createRefund is POST /v1/refunds: a full or partial refund of a
// PaymentIntent's (or a charge's) successful charge.
func (s *Simulator) createRefund(r apiRequest) apiResponse {
	f := r.form
	if k, bad := f.unknown(func(segs []string) bool {
		switch segs[0] {
		case "payment_intent", "charge", "amount", "reason":
			return len(segs) == 1
		case "metadata":
			return len(segs) == 2
		}
		return false
	}); bad {
		return rejected(unknownParam(k))
	}
	piID, byIntent := f.get("payment_intent")
	chID, byCharge := f.get("charge")
	if byIntent == byCharge {
		return rejected(invalidRequest("parameter_missing", "One of the following params should be provided for this request: charge or payment_intent."))
	}
	amount, partial, e := f.int("amount")
	if e != nil {
		return rejected(e)
	}
	if partial && amount < 1 {
		return rejected(invalidParam("amount", "Invalid positive integer"))
	}
	var reason *string
	if v, sent := f.get("reason"); sent {
		if !slices.Contains([]string{"duplicate", "fraudulent", "requested_by_customer"}, v) {
			return rejected(invalidParam("reason", "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer"))
		}
		reason = str(v)
	}
	md := f.hash("metadata")
	if e := checkMetadata("metadata", md); e != nil {
		return rejected(e)
	}

	var ch *charge
	if byIntent {
		pi, ok := s.intents[piID]
		if !ok {
			return failed(noSuch("payment_intent", piID, "payment_intent"))
		}
		if pi.Status == "succeeded" && pi.chargeID != "" {
			ch = s.charges[pi.chargeID]
		}
		if ch == nil {
			return failed(invalidRequest("charge_not_refundable", fmt.Sprintf("This PaymentIntent (%s) does not have a successful charge to refund.", piID)))
		}
	} else {
		var ok bool
		if ch, ok = s.charges[chID]; !ok {
			return failed(noSuch("charge", chID, "charge"))
		}
		if ch.Status != "succeeded" {
			return failed(invalidRequest("charge_not_refundable", fmt.Sprintf("Charge %s has not succeeded and cannot be refunded.", chID)))
		}
	}
	left := ch.Amount - ch.AmountRefunded
	if left == 0 {
		return failed(invalidRequest("charge_already_refunded", fmt.Sprintf("Charge %s has already been refunded.", ch.ID)))
	}
	if !partial {
		amount = left
	}
	if amount > left {
		return failed(&apiError{status: 400, Type: "invalid_request_error", Param: "amount", Code: "amount_too_large",
			Message: fmt.Sprintf("Refund amount (%d) is greater than unrefunded amount on charge (%d)", amount, left)})
	}
	rf := &refund{
		ID: newID("re_"), Object: "refund", Amount: amount, Charge: ch.ID, Created: s.now().Unix(),
		Currency: ch.Currency, Metadata: md, PaymentIntent: ch.PaymentIntent, Reason: reason, Status: "succeeded",
	}
	s.refunds[rf.ID] = rf
	ch.AmountRefunded += amount
	ch.Refunded = ch.AmountRefunded == ch.Amount
	s.emit("charge.refunded", *ch)
	return answer(*rf)
}
