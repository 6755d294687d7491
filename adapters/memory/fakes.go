package memory

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"upgrades/application"
	"upgrades/domain"
)

// Clock is a settable clock.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

var _ application.Clock = (*Clock)(nil)

// NewClock starts a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep waits for d in real time: the goroutines a test races are real,
// and a waiter must give them real time to finish. The clock's own time
// does not move.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Tokens hands out predictable tokens: token-1, token-2, …
type Tokens struct {
	mu sync.Mutex
	n  int
}

var _ application.Tokens = (*Tokens)(nil)

func (t *Tokens) NewToken() (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.n++
	return fmt.Sprintf("token-%d", t.n), nil
}

// Passwords is a fast, insecure hasher for tests.
type Passwords struct{}

var _ application.PasswordHasher = Passwords{}

func (Passwords) Hash(p string) (string, error) { return "plain:" + p, nil }
func (Passwords) Verify(hash, p string) bool    { return hash == "plain:"+p }

// Gateway is a fake payment provider that records its calls. Tests move its
// sessions along with Complete, Settle and ExpireCheckout, and make it fail
// with FailWith. Its sessions are kept in the shop's terms: what a session
// read back says happened.
type Gateway struct {
	mu       sync.Mutex
	sessions map[string]*application.CheckoutState
	byKey    map[string]application.Checkout
	refunds  map[string]application.Refund
	fail     error
	n        int

	Livemode bool
	calls    []string // "create user_upgrade_1", "retrieve cs_…", …
}

var _ application.PaymentGateway = (*Gateway)(nil)

// NewGateway returns a fake gateway in test mode.
func NewGateway() *Gateway {
	return &Gateway{
		sessions: map[string]*application.CheckoutState{},
		byKey:    map[string]application.Checkout{},
		refunds:  map[string]application.Refund{},
	}
}

// FailWith makes every call fail with err until called with nil.
func (g *Gateway) FailWith(err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.fail = err
}

func (g *Gateway) call(format string, args ...any) error {
	g.calls = append(g.calls, fmt.Sprintf(format, args...))
	if g.fail != nil {
		return domain.WrapError(domain.KindPaymentProvider, g.fail, "the payment provider failed")
	}
	return nil
}

// CallCount counts the recorded calls that start with prefix.
func (g *Gateway) CallCount(prefix string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for _, c := range g.calls {
		if strings.HasPrefix(c, prefix) {
			n++
		}
	}
	return n
}

func (g *Gateway) CreateCheckout(_ context.Context, r application.CheckoutRequest) (application.Checkout, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := g.call("create %s", r.IdempotencyKey); err != nil {
		return application.Checkout{}, err
	}
	if c, ok := g.byKey[r.IdempotencyKey]; ok {
		return c, nil
	}
	g.n++
	id := fmt.Sprintf("cs_test_%d", g.n)
	c := application.Checkout{SessionID: id, URL: "https://checkout.test/pay/" + id, ExpiresAt: r.ExpiresAt}
	g.byKey[r.IdempotencyKey] = c
	g.sessions[id] = &application.CheckoutState{Open: true, Payment: domain.Payment{
		SessionID: id, Livemode: g.Livemode, Amount: r.Price.Amount(), Currency: r.Price.Currency(), UpgradeID: r.UpgradeID,
	}}
	return c, nil
}

func (g *Gateway) RetrieveCheckout(_ context.Context, id string) (application.CheckoutState, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := g.call("retrieve %s", id); err != nil {
		return application.CheckoutState{}, err
	}
	s, ok := g.sessions[id]
	if !ok {
		return application.CheckoutState{}, domain.Errorf(domain.KindPaymentProvider, "no such checkout session %s", id)
	}
	return *s, nil
}

func (g *Gateway) ExpireCheckout(_ context.Context, id string) (application.CheckoutState, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := g.call("expire %s", id); err != nil {
		return application.CheckoutState{}, err
	}
	s, ok := g.sessions[id]
	if !ok || !s.Open {
		return application.CheckoutState{}, domain.Errorf(domain.KindPaymentProvider, "checkout session %s is not open", id)
	}
	s.Open, s.Payment.Kind, s.Type = false, domain.EventSessionExpired, "checkout.session.expired"
	return *s, nil
}

func (g *Gateway) Refund(_ context.Context, r application.RefundRequest) (application.Refund, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := g.call("refund %s", r.PaymentIntentID); err != nil {
		return application.Refund{}, err
	}
	if rf, ok := g.refunds[r.IdempotencyKey]; ok {
		return rf, nil
	}
	g.n++
	rf := application.Refund{ID: fmt.Sprintf("re_test_%d", g.n), Status: "succeeded"}
	g.refunds[r.IdempotencyKey] = rf
	return rf, nil
}

// Payment statuses of a completed checkout, as the provider names them.
const (
	PaymentPaid   = "paid"
	PaymentUnpaid = "unpaid"
)

// Complete finishes a session's checkout: paymentStatus is PaymentPaid or
// PaymentUnpaid. It returns the PaymentIntent's id.
func (g *Gateway) Complete(sessionID, paymentStatus string) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.sessions[sessionID]
	s.Open, s.Type = false, "checkout.session.complete"
	s.Payment.PaymentIntentID = "pi_" + strings.TrimPrefix(sessionID, "cs_")
	s.Payment.Kind = domain.EventCheckoutUnpaid
	if paymentStatus == PaymentPaid {
		s.Payment.Kind = domain.EventCheckoutPaid
	}
	return s.Payment.PaymentIntentID
}

// Settle ends a delayed payment: it succeeded or failed.
func (g *Gateway) Settle(sessionID string, succeeded bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.sessions[sessionID]
	if succeeded {
		s.Payment.Kind = domain.EventCheckoutPaid
	} else {
		s.Payment.Kind = domain.EventAsyncFailed
	}
}

// Session returns a session's current state.
func (g *Gateway) Session(id string) application.CheckoutState {
	g.mu.Lock()
	defer g.mu.Unlock()
	return *g.sessions[id]
}

// Verifier is a fake webhook verifier: the signature must equal Secret and
// the payload is a JSON application.PaymentEvent with a "kind" slug.
type Verifier struct{ Secret string }

var _ application.WebhookVerifier = Verifier{}

func (v Verifier) Verify(payload []byte, sig string) (application.PaymentEvent, error) {
	if v.Secret == "" || sig != v.Secret {
		return application.PaymentEvent{}, domain.Errorf(domain.KindMalformed, "bad signature")
	}
	return v.Read(payload)
}

var _ application.EventReader = Verifier{}

// Read reads an event as Verify does, without the signature.
func (Verifier) Read(payload []byte) (application.PaymentEvent, error) {
	var in struct {
		application.PaymentEvent
		KindSlug string `json:"kind"`
	}
	if err := json.Unmarshal(payload, &in); err != nil {
		return application.PaymentEvent{}, domain.WrapError(domain.KindMalformed, err, "unreadable event")
	}
	ev := in.PaymentEvent
	if in.KindSlug != "" {
		k, err := domain.ParseEventKind(in.KindSlug)
		if err != nil {
			return application.PaymentEvent{}, domain.WrapError(domain.KindMalformed, err, "unknown event kind")
		}
		ev.Kind = k
	}
	ev.Payload = payload
	return ev, nil
}

// ReceiptURL answers a receipt for a payment whose session is paid, none
// while it is processing or failed.
func (g *Gateway) ReceiptURL(_ context.Context, paymentIntentID string) (string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := g.call("receipt %s", paymentIntentID); err != nil {
		return "", err
	}
	for _, s := range g.sessions {
		if s.Payment.PaymentIntentID == paymentIntentID && s.Payment.Kind == domain.EventCheckoutPaid {
			return "https://receipts.test/" + paymentIntentID, nil
		}
	}
	return "", nil
}
