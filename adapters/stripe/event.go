package stripe

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"upgrades/application"
	"upgrades/domain"
)

// Stripe renders an event in the API version of the endpoint that receives
// it, so the event is read with a small structure of the fields that have
// been stable across versions, not with stripe-go's typed objects (which
// expect stripe-go's own version).
type eventEnvelope struct {
	eventHeader
	Data struct {
		Object jsontext.Value `json:"object"`
	} `json:"data"`
}

type eventHeader struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Livemode bool   `json:"livemode"`
}

// typedEvent is an event whose object is read in the same pass as the
// envelope: what nearly every event is.
type typedEvent struct {
	eventHeader
	Data struct {
		Object *eventObject `json:"object"`
	} `json:"data"`
}

// eventObject holds the fields read from the checkout sessions, charges,
// disputes and early fraud warnings that events carry.
type eventObject struct {
	ID                string            `json:"id"`
	Object            string            `json:"object"`
	PaymentStatus     string            `json:"payment_status"`
	ClientReferenceID string            `json:"client_reference_id"`
	Metadata          map[string]string `json:"metadata"`
	AmountSubtotal    *int64            `json:"amount_subtotal"`
	AmountTotal       *int64            `json:"amount_total"`
	TotalDetails      *struct {
		AmountDiscount int64 `json:"amount_discount"`
	} `json:"total_details"`
	Amount         *int64    `json:"amount"`
	AmountRefunded int64     `json:"amount_refunded"`
	Refunded       bool      `json:"refunded"`
	Currency       string    `json:"currency"`
	Status         string    `json:"status"`
	PaymentIntent  reference `json:"payment_intent"`
	Charge         reference `json:"charge"`
}

// reference is a related object's id, whether the event has it as an id or
// as the expanded object.
type reference string

func (r *reference) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	switch d.PeekKind() {
	case 'n':
		*r = ""
		return d.SkipValue()
	case '{':
		var obj struct {
			ID string `json:"id"`
		}
		if err := json.UnmarshalDecode(d, &obj); err != nil {
			return err
		}
		*r = reference(obj.ID)
		return nil
	}
	var id string
	if err := json.UnmarshalDecode(d, &id); err != nil {
		return err
	}
	*r = reference(id)
	return nil
}

// handledTypes are the event types whose object is read.
var handledTypes = map[string]bool{
	"checkout.session.completed":               true,
	"checkout.session.async_payment_succeeded": true,
	"checkout.session.async_payment_failed":    true,
	"checkout.session.expired":                 true,
	"charge.refunded":                          true,
	"charge.dispute.created":                   true,
	"charge.dispute.closed":                    true,
	"radar.early_fraud_warning.created":        true,
}

// parseEvent translates a verified event into the shop's terms. Types it
// does not act on come back with the zero Kind.
//
// The event is read in one pass, its object with it. Only when that fails
// (an object of a type we never act on that does not fit eventObject, or
// a malformed event) is it read again in two steps, the envelope first,
// which is what says why, or ignores the object.
func parseEvent(payload []byte) (application.PaymentEvent, error) {
	var typed typedEvent
	if err := json.Unmarshal(payload, &typed); err == nil && typed.ID != "" && typed.Type != "" {
		ev := application.PaymentEvent{ID: typed.ID, Type: typed.Type, Payload: payload}
		ev.Livemode = typed.Livemode
		if !handledTypes[typed.Type] {
			return ev, nil
		}
		if obj := typed.Data.Object; obj != nil {
			return readObject(ev, typed.eventHeader, obj), nil
		}
	}
	return parseEventInSteps(payload)
}

// parseEventInSteps reads the envelope, then the object of a type we act
// on, each with its own error.
func parseEventInSteps(payload []byte) (application.PaymentEvent, error) {
	var env eventEnvelope
	if err := json.Unmarshal(payload, &env); err != nil {
		return application.PaymentEvent{}, domain.WrapError(domain.KindMalformed, err, "the webhook's body is not a Stripe event")
	}
	if env.ID == "" || env.Type == "" {
		return application.PaymentEvent{}, domain.Errorf(domain.KindMalformed, "the webhook's event has no id or type")
	}
	ev := application.PaymentEvent{ID: env.ID, Type: env.Type, Payload: payload}
	ev.Livemode = env.Livemode
	if !handledTypes[env.Type] {
		// Not read any further: an object of a kind we never act on must
		// not make the event unreadable (Stripe would retry it for days).
		return ev, nil
	}
	obj := &eventObject{}
	raw := bytes.TrimSpace(env.Data.Object)
	if len(raw) == 0 || raw[0] != '{' {
		return application.PaymentEvent{}, domain.Errorf(domain.KindMalformed, "the webhook's %s event has no object", env.Type)
	}
	if err := json.Unmarshal(raw, obj); err != nil {
		return application.PaymentEvent{}, domain.WrapError(domain.KindMalformed, err, "the webhook's %s event has an unreadable object", env.Type)
	}
	return readObject(ev, env.eventHeader, obj), nil
}

// readObject reads the payment out of a handled event's object.
func readObject(ev application.PaymentEvent, env eventHeader, obj *eventObject) application.PaymentEvent {
	if strings.HasPrefix(env.Type, "checkout.session.") {
		ev.Payment = sessionPayment(env, obj)
	} else {
		ev.Payment, ev.Note = chargePayment(env, obj)
	}
	return ev
}

// sessionPayment reads a checkout session event.
func sessionPayment(env eventHeader, obj *eventObject) domain.Payment {
	s := session{
		ID: obj.ID, Status: sessionStatusOf[env.Type], PaymentStatus: obj.PaymentStatus,
		ClientReferenceID: obj.ClientReferenceID, Metadata: obj.Metadata, Livemode: env.Livemode,
		PaymentIntentID: string(obj.PaymentIntent), Currency: obj.Currency,
	}
	if obj.AmountSubtotal != nil {
		s.AmountSubtotal, s.HasAmount = *obj.AmountSubtotal, true
	}
	if obj.AmountTotal != nil {
		s.AmountTotal, s.HasTotal = *obj.AmountTotal, true
		if obj.TotalDetails != nil {
			s.AmountDiscount = obj.TotalDetails.AmountDiscount
		}
	}
	p := s.payment()
	switch env.Type {
	// A delayed payment's settlement is an event of its own; read back,
	// the session only shows it as paid, or its PaymentIntent as failed.
	case "checkout.session.async_payment_succeeded":
		p.Kind = domain.EventAsyncSucceeded
	case "checkout.session.async_payment_failed":
		p.Kind = domain.EventAsyncFailed
	}
	return p
}

// chargePayment reads a charge, dispute or early fraud warning event, and
// the ids the owners need to find it at Stripe.
func chargePayment(env eventHeader, obj *eventObject) (p domain.Payment, note string) {
	p = domain.Payment{
		UpgradeID: upgradeReference(obj.ClientReferenceID, obj.Metadata), Installation: obj.Metadata[metaInstallation],
		PaymentIntentID: string(obj.PaymentIntent), Livemode: env.Livemode,
	}
	switch env.Type {
	case "charge.refunded":
		// A partial refund leaves the upgrade paid.
		if obj.Refunded || (obj.Amount != nil && obj.AmountRefunded >= *obj.Amount) {
			p.Kind = domain.EventRefunded
		}
		if obj.Amount != nil {
			p.Amount, p.Currency = *obj.Amount, obj.Currency
		}
		note = fmt.Sprintf("charge %s, %d refunded", obj.ID, obj.AmountRefunded)
	case "charge.dispute.created":
		p.Kind, note = domain.EventDisputeOpened, disputeNote(obj)
	case "charge.dispute.closed":
		if obj.Status == "lost" {
			p.Kind = domain.EventDisputeLost
		}
		note = disputeNote(obj)
	case "radar.early_fraud_warning.created":
		p.Kind = domain.EventFraudWarning
		note = fmt.Sprintf("early fraud warning %s on charge %s", obj.ID, obj.Charge)
	}
	return p, note
}

// sessionStatusOf is the status a checkout session has when Stripe sends
// each of its events.
var sessionStatusOf = map[string]string{
	"checkout.session.completed":               "complete",
	"checkout.session.async_payment_succeeded": "complete",
	"checkout.session.async_payment_failed":    "complete",
	"checkout.session.expired":                 "expired",
}

// A dispute's amount is not checked against the price (a dispute may be
// partial); it goes into the history for the owners.
func disputeNote(obj *eventObject) string {
	amount := int64(0)
	if obj.Amount != nil {
		amount = *obj.Amount
	}
	return fmt.Sprintf("dispute %s on charge %s: %d %s, %s", obj.ID, obj.Charge, amount, obj.Currency, obj.Status)
}

// upgradeReference reads the upgrade an object is about from its
// client_reference_id ("user_upgrade_<id>") or its metadata; 0 when it
// names none.
func upgradeReference(clientReferenceID string, metadata map[string]string) domain.UpgradeID {
	if n, ok := strings.CutPrefix(clientReferenceID, "user_upgrade_"); ok {
		if id, err := strconv.ParseInt(n, 10, 64); err == nil && id > 0 {
			return domain.UpgradeID(id)
		}
	}
	if id, err := strconv.ParseInt(metadata[metaUpgradeID], 10, 64); err == nil && id > 0 {
		return domain.UpgradeID(id)
	}
	return 0
}
