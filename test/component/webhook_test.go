package component

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"go.uber.org/fx"

	"upgrades/application"
	"upgrades/domain"
)

// The real verifier (whichever the graph holds) refuses what is not
// signed with the configured secret.
func TestWebhookRefusesWhatItCannotTrust(t *testing.T) {
	e := start(t, nil)
	b := e.api(account{}) // no credentials, no browser headers: a server
	b.basic = [2]string{}
	payload := `{"id":"evt_1","type":"checkout.session.completed","data":{"object":{}}}`

	b.do("POST", "/webhooks/receive", strings.NewReader(payload), http.Header{"Stripe-Signature": {"t=1700000000,v1=0000"}}).apiError(http.StatusBadRequest, "invalid")
	b.do("POST", "/webhooks/receive?source=stripe", strings.NewReader(payload), http.Header{"Stripe-Signature": {"whsec_guess"}}).apiError(http.StatusBadRequest, "invalid")
	b.do("POST", "/webhooks/receive", strings.NewReader(payload), nil).apiError(http.StatusBadRequest, "invalid")
	b.do("POST", "/webhooks/receive?source=paypal", strings.NewReader(payload), http.Header{"Stripe-Signature": {"t=1,v1=0"}}).apiError(http.StatusBadRequest, "invalid")

	big := strings.Repeat(" ", 70<<10)
	b.do("POST", "/webhooks/receive", strings.NewReader(big), http.Header{"Stripe-Signature": {"t=1,v1=0"}}).apiError(http.StatusRequestEntityTooLarge, "too_large")
	chunked := struct{ *strings.Reader }{strings.NewReader(big)} // hides the length
	b.do("POST", "/webhooks/receive", chunked, http.Header{"Stripe-Signature": {"t=1,v1=0"}}).apiError(http.StatusRequestEntityTooLarge, "too_large")
	b.do("GET", "/webhooks/receive", nil, nil).status(http.StatusNotFound)
}

// fakeVerifier trusts the signature "good" and reads the payload as the
// event itself; "explode" makes it fail unexpectedly.
type fakeVerifier struct{}

func (fakeVerifier) Verify(payload []byte, sig string) (application.PaymentEvent, error) {
	switch sig {
	case "good":
	case "explode":
		return application.PaymentEvent{}, errors.New("verifier state lost")
	default:
		return application.PaymentEvent{}, domain.Errorf(domain.KindMalformed, "bad signature")
	}
	var in struct {
		ID        string `json:"id"`
		Kind      string `json:"kind"`
		UpgradeID int64  `json:"upgrade_id"`
		SessionID string `json:"session_id"`
		Amount    int64  `json:"amount"`
		Currency  string `json:"currency"`
	}
	if err := json.Unmarshal(payload, &in); err != nil {
		return application.PaymentEvent{}, domain.WrapError(domain.KindMalformed, err, "unreadable")
	}
	ev := application.PaymentEvent{Payment: domain.Payment{UpgradeID: domain.UpgradeID(in.UpgradeID), SessionID: in.SessionID, PaymentIntentID: "pi_" + in.ID, Amount: in.Amount, Currency: in.Currency}, ID: in.ID, Type: "checkout.session.completed", Payload: payload}
	if in.Kind != "" {
		kind, err := domain.ParseEventKind(in.Kind)
		if err != nil {
			return ev, domain.WrapError(domain.KindMalformed, err, "unknown kind")
		}
		ev.Kind = kind
	}
	return ev, nil
}

// With a verifier that trusts the test, the endpoint's answers to Stripe.
func TestWebhookAnswers(t *testing.T) {
	e := start(t, nil, fx.Decorate(func(application.WebhookVerifier) application.WebhookVerifier { return fakeVerifier{} }))
	alice := e.user("alice", domain.LevelMember)
	u := e.api(alice).buy("gold", 0)
	stripe := e.api(account{})
	stripe.basic = [2]string{}
	post := func(body, sig string) *response {
		return stripe.do("POST", "/webhooks/receive?source=stripe", strings.NewReader(body), http.Header{"Stripe-Signature": {sig}, "Content-Type": {"application/json"}})
	}
	paid := fmt.Sprintf(`{"id":"evt_paid","kind":"checkout_paid","upgrade_id":%d,"session_id":%q,"amount":%d,"currency":%q}`,
		u.ID, u.CheckoutSessionID, u.Amount, u.Currency)

	post(paid, "forged").apiError(http.StatusBadRequest, "invalid")
	e.api(alice).get(fmt.Sprintf("/user_upgrades/%d.json", u.ID)).contains(`"status":"pending"`)
	post(paid, "good").status(http.StatusOK).contains(`{"received":true}`)
	e.api(alice).get(fmt.Sprintf("/user_upgrades/%d.json", u.ID)).contains(`"status":"complete"`)
	if outcome, attempts, _ := e.db.EventOutcome("evt_paid"); outcome != "applied" || attempts != 1 {
		t.Errorf("evt_paid: %s after %d attempts", outcome, attempts)
	}

	post(paid, "good").status(http.StatusOK).contains(`"received":true`) // a duplicate
	post(`{"id":"evt_other"}`, "good").status(http.StatusOK)             // a type nobody handles
	post(`{"id":"evt_stray","kind":"checkout_paid","upgrade_id":99999}`, "good").status(http.StatusOK)
	if outcome, _, _ := e.db.EventOutcome("evt_stray"); outcome != application.OutcomeUnmatched.String() {
		t.Errorf("an event for no upgrade ended %q", outcome)
	}

	e.db.SetDown(true)
	post(`{"id":"evt_down"}`, "good").apiError(http.StatusServiceUnavailable, "unavailable")
	e.db.SetDown(false)
	r := post(`{"id":"evt_x"}`, "explode").apiError(http.StatusInternalServerError, "internal")
	r.lacks("verifier state lost")
	if !strings.Contains(e.logs.String(), "verifier state lost") {
		t.Error("the webhook's internal error is not logged")
	}
}

// holdingStore is a unit of work that, while holding is set, waits for
// release before each Do, so that the webhooks it serves keep their turns.
type holdingStore struct {
	application.UnitOfWork
	holding *atomic.Bool
	release chan struct{}
}

func (s holdingStore) Do(ctx context.Context, fn func(context.Context, application.Store) error) error {
	if s.holding.Load() {
		<-s.release
	}
	return s.UnitOfWork.Do(ctx, fn)
}

// With WEBHOOK_CONCURRENCY=1 one webhook is handled and 50 wait; the rest
// are answered 503 at once, with Retry-After, and lose nothing: the held
// ones are all handled once released. A forged webhook never queues: it is
// refused at once even while the queue is full, so a flood of them cannot
// crowd out Stripe's.
func TestWebhooksPastTheQueueAreTurnedAway(t *testing.T) {
	holding, release := &atomic.Bool{}, make(chan struct{})
	e := start(t, map[string]string{"WEBHOOK_CONCURRENCY": "1"},
		fx.Decorate(func(application.WebhookVerifier) application.WebhookVerifier { return fakeVerifier{} }),
		fx.Decorate(func(uow application.UnitOfWork) application.UnitOfWork {
			return holdingStore{uow, holding, release}
		}))
	holding.Store(true)
	// Released at the end whatever happens, so that the server can stop.
	var once sync.Once
	releaseAll := func() { once.Do(func() { holding.Store(false); close(release) }) }
	t.Cleanup(releaseAll)
	const sent, held = 60, 1 + 50
	type answer struct {
		status     int
		retryAfter string
		body       string
	}
	answers := make(chan answer, sent)
	for i := range sent {
		go func() {
			payload := fmt.Sprintf(`{"id":"evt_q%d","kind":""}`, i)
			req, _ := http.NewRequest(http.MethodPost, e.base+"/webhooks/receive", strings.NewReader(payload))
			req.Header.Set("Stripe-Signature", "good")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				answers <- answer{body: err.Error()}
				return
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			answers <- answer{res.StatusCode, res.Header.Get("Retry-After"), string(b)}
		}()
	}
	// Nothing is handled before the release, so the first answers are the
	// turned-away ones.
	for range sent - held {
		a := <-answers
		if a.status != http.StatusServiceUnavailable || a.retryAfter != "1" || !strings.Contains(a.body, `"unavailable"`) {
			t.Fatalf("a webhook past the queue: %d, Retry-After %q, %s", a.status, a.retryAfter, a.body)
		}
	}
	for i := range 10 {
		req, _ := http.NewRequest(http.MethodPost, e.base+"/webhooks/receive", strings.NewReader(fmt.Sprintf(`{"id":"evt_forged%d","kind":""}`, i)))
		req.Header.Set("Stripe-Signature", "forged")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest || res.Header.Get("Retry-After") != "" {
			t.Fatalf("a forged webhook while the queue is full: %d, Retry-After %q, %s", res.StatusCode, res.Header.Get("Retry-After"), b)
		}
	}
	releaseAll()
	for range held {
		if a := <-answers; a.status != http.StatusOK {
			t.Fatalf("a held webhook: %d %s", a.status, a.body)
		}
	}
}
