package stripe

import (
	"errors"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"upgrades/application"
	"upgrades/domain"
)

// Tolerance is how old a webhook's signature may be: Stripe's default,
// which bounds how long a captured request can be replayed.
const Tolerance = 5 * time.Minute

// Verifier is application.WebhookVerifier for Stripe's signed webhooks.
type Verifier struct {
	secrets []string
}

var _ application.WebhookVerifier = (*Verifier)(nil)

// NewVerifier accepts webhooks signed with any of secrets, so that a secret
// can be rolled without losing events. There is no way to turn verification
// off: no secret, or an empty one, is a configuration error.
func NewVerifier(secrets []string) (*Verifier, error) {
	if len(secrets) == 0 {
		return nil, errors.New("stripe: at least one webhook signing secret is required")
	}
	for _, s := range secrets {
		if s == "" {
			return nil, errors.New("stripe: a webhook signing secret is empty")
		}
	}
	return &Verifier{secrets: append([]string(nil), secrets...)}, nil
}

// Verify checks the Stripe-Signature header against every secret and then
// reads the event. Any failure is domain.KindMalformed: the sender gets a
// 400 and, if it really is Stripe, retries.
func (v *Verifier) Verify(payload []byte, signatureHeader string) (application.PaymentEvent, error) {
	if err := v.check(payload, signatureHeader); err != nil {
		return application.PaymentEvent{}, err
	}
	return parseEvent(payload)
}

var _ application.EventReader = (*Verifier)(nil)

// Read reads a stored event with the same mapping as Verify, without the
// signature: it was checked before the event was stored, and it expires
// after Tolerance, so a stored event could never pass it again.
func (v *Verifier) Read(payload []byte) (application.PaymentEvent, error) {
	return parseEvent(payload)
}

func (v *Verifier) check(payload []byte, header string) error {
	var err error
	for _, secret := range v.secrets {
		if err = webhook.ValidatePayloadWithTolerance(payload, header, secret, Tolerance); err == nil {
			return nil
		}
		if !errors.Is(err, webhook.ErrNoValidSignature) {
			// The header itself is missing, unreadable or too old: no
			// other secret can change that.
			break
		}
	}
	switch {
	case errors.Is(err, webhook.ErrNotSigned):
		return domain.WrapError(domain.KindMalformed, err, "the Stripe-Signature header is missing")
	case errors.Is(err, webhook.ErrTooOld):
		return domain.WrapError(domain.KindMalformed, err, "the webhook's signature is too old")
	case errors.Is(err, webhook.ErrInvalidHeader):
		return domain.WrapError(domain.KindMalformed, err, "the Stripe-Signature header is malformed")
	default:
		return domain.WrapError(domain.KindMalformed, err, "the webhook's signature does not match")
	}
}
