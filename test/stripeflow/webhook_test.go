package stripeflow

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"upgrades/application"
	"upgrades/domain"
)

// completed is a checkout.session.completed event for up as Stripe would
// send it; edit changes its session object before it is rendered.
func completed(t *testing.T, id string, up *domain.Upgrade, edit func(ev, obj map[string]any)) []byte {
	t.Helper()
	obj := map[string]any{
		"id": up.SessionID(), "object": "checkout.session", "status": "complete", "payment_status": "paid",
		"client_reference_id": application.ClientReference(up.ID()), "amount_subtotal": up.Price().Amount(),
		"amount_total": up.Price().Amount(), "currency": up.Price().Currency(), "payment_intent": "pi_by_hand", "livemode": false,
		"metadata": map[string]any{"user_upgrade_id": fmt.Sprint(up.ID())},
	}
	ev := map[string]any{"id": id, "object": "event", "api_version": "2024-06-20", "created": time.Now().Unix(),
		"livemode": false, "type": "checkout.session.completed", "data": map[string]any{"object": obj}}
	if edit != nil {
		edit(ev, obj)
	}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func signed(payload []byte, secret string, at time.Time) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: at}).Header
}

// deliver POSTs a webhook to the shop and returns the status.
func (s *shop) deliver(payload []byte, signature string) int {
	s.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.url+"/webhooks/receive", bytes.NewReader(payload))
	req.Header.Set("Content-Type", "application/json")
	if signature != "" {
		req.Header.Set("Stripe-Signature", signature)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestBadSignaturesChangeNothing(t *testing.T) {
	for name, sign := range map[string]func(payload []byte) string{
		"missing":      func([]byte) string { return "" },
		"malformed":    func([]byte) string { return "t=yesterday,v1=zz" },
		"wrong secret": func(p []byte) string { return signed(p, "whsec_attacker", time.Now()) },
		"too old":      func(p []byte) string { return signed(p, webhookSecret, time.Now().Add(-6*time.Minute)) },
	} {
		t.Run(name, func(t *testing.T) {
			// A shop of the subtest's own: its helpers fail this subtest,
			// not the parent, so each bad signature is reported alone.
			s := newShop(t)
			up := s.start(s.alice, 0, "gold")
			payload := completed(t, "evt_forged", up, nil)
			sig := sign(payload)
			if status := s.deliver(payload, sig); status != http.StatusBadRequest {
				t.Errorf("status %d", status)
			}
			s.wantStatus(up.ID(), domain.StatusPending)
			if _, _, recorded := s.db.EventOutcome("evt_forged"); recorded {
				t.Error("the event was recorded")
			}
			if l := s.level(s.alice); l != domain.LevelMember {
				t.Errorf("alice is %s", l)
			}
		})
	}
}

func TestRotatedSecretIsAccepted(t *testing.T) {
	s := newShop(t)
	up := s.start(s.alice, 0, "gold")
	payload := completed(t, "evt_old_secret", up, nil)
	if status := s.deliver(payload, signed(payload, previousSecret, time.Now())); status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	s.wantStatus(up.ID(), domain.StatusComplete)
}

func TestTooLargeBody(t *testing.T) {
	s := newShop(t)
	up := s.start(s.alice, 0, "gold")
	payload := completed(t, "evt_big", up, func(_, obj map[string]any) {
		obj["metadata"].(map[string]any)["padding"] = strings.Repeat("x", bodyLimit)
	})
	if status := s.deliver(payload, signed(payload, webhookSecret, time.Now())); status != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d", status)
	}
	s.wantStatus(up.ID(), domain.StatusPending)
}

func TestEventsThatDoNotMatchTheirUpgrade(t *testing.T) {
	tests := map[string]func(ev, obj map[string]any){
		"live event":      func(ev, obj map[string]any) { ev["livemode"], obj["livemode"] = true, true },
		"other amount":    func(_, obj map[string]any) { obj["amount_subtotal"] = 1 },
		"other currency":  func(_, obj map[string]any) { obj["currency"] = "eur" },
		"other session":   func(_, obj map[string]any) { obj["id"] = "cs_test_someone_elses" },
		"amount as total": func(_, obj map[string]any) { obj["amount_subtotal"], obj["amount_total"] = 4000, 2000 },
	}
	for name, edit := range tests {
		t.Run(name, func(t *testing.T) {
			s := newShop(t)
			up := s.start(s.alice, 0, "gold")
			payload := completed(t, "evt_mismatch", up, edit)
			if status := s.deliver(payload, signed(payload, webhookSecret, time.Now())); status != http.StatusOK {
				t.Fatalf("status %d: retrying cannot fix a mismatch", status)
			}
			got := s.wantStatus(up.ID(), domain.StatusPending)
			if l := s.level(s.alice); l != domain.LevelMember {
				t.Errorf("alice is %s", l)
			}
			last := got.History()[len(got.History())-1]
			if last.Outcome != domain.OutcomeAnomaly || !strings.Contains(last.Cause, "evt_mismatch") {
				t.Errorf("history:\n%s", history(got))
			}
			if s.outcome("evt_mismatch") != "anomaly" || len(s.messages(s.owner)) != 1 {
				t.Errorf("outcome %s, owner messages %q", s.outcome("evt_mismatch"), s.messages(s.owner))
			}
		})
	}
}

func TestEventForNoKnownUpgrade(t *testing.T) {
	s := newShop(t)
	up := s.start(s.alice, 0, "gold")
	payload := completed(t, "evt_stranger", up, func(_, obj map[string]any) {
		obj["client_reference_id"] = "user_upgrade_999"
		obj["metadata"] = map[string]any{"user_upgrade_id": "999"}
	})
	if status := s.deliver(payload, signed(payload, webhookSecret, time.Now())); status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	if o := s.outcome("evt_stranger"); o != application.OutcomeUnmatched.String() {
		t.Errorf("outcome %s", o)
	}
	s.wantStatus(up.ID(), domain.StatusPending)
}

func TestUnhandledEventType(t *testing.T) {
	s := newShop(t)
	payload := []byte(`{"id":"evt_customer","object":"event","type":"customer.created","livemode":false,"data":{"object":{"id":"cus_1","object":"customer"}}}`)
	if status := s.deliver(payload, signed(payload, webhookSecret, time.Now())); status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	if o := s.outcome("evt_customer"); o != application.OutcomeUnhandled.String() {
		t.Errorf("outcome %s", o)
	}
}

func TestDisputes(t *testing.T) {
	s := newShop(t)
	up := s.start(s.alice, 0, "gold")
	s.press(up.CheckoutURL(), "paid")
	pi := s.wantStatus(up.ID(), domain.StatusComplete).PaymentIntentID()
	send := func(id, typ string, obj map[string]any) {
		t.Helper()
		b, _ := json.Marshal(map[string]any{"id": id, "object": "event", "type": typ, "livemode": false, "data": map[string]any{"object": obj}})
		if status := s.deliver(b, signed(b, webhookSecret, time.Now())); status != http.StatusOK {
			t.Fatalf("%s: status %d", typ, status)
		}
	}
	send("evt_efw", "radar.early_fraud_warning.created", map[string]any{"id": "issfr_1", "object": "radar.early_fraud_warning", "charge": "ch_1", "payment_intent": pi})
	send("evt_dispute", "charge.dispute.created", map[string]any{"id": "dp_1", "object": "dispute", "charge": "ch_1", "payment_intent": pi, "amount": 2000, "currency": "usd", "status": "needs_response"})
	s.wantStatus(up.ID(), domain.StatusComplete)
	if o1, o2 := s.outcome("evt_efw"), s.outcome("evt_dispute"); o1 != "noted" || o2 != "noted" || len(s.messages(s.owner)) != 2 {
		t.Errorf("outcomes %s %s, owner messages %q", o1, o2, s.messages(s.owner))
	}
	send("evt_won", "charge.dispute.closed", map[string]any{"id": "dp_1", "object": "dispute", "charge": "ch_1", "payment_intent": pi, "amount": 2000, "currency": "usd", "status": "won"})
	s.wantStatus(up.ID(), domain.StatusComplete)
	send("evt_lost", "charge.dispute.closed", map[string]any{"id": "dp_1", "object": "dispute", "charge": "ch_1", "payment_intent": pi, "amount": 2000, "currency": "usd", "status": "lost"})
	s.wantStatus(up.ID(), domain.StatusRefunded)
	if l := s.level(s.alice); l != domain.LevelMember {
		t.Errorf("alice is %s after the lost dispute", l)
	}
}

func TestConcurrentRedeliveriesFulfilOnce(t *testing.T) {
	s := newShop(t)
	up := s.start(s.alice, s.bob.ID(), "gold")
	payload := completed(t, "evt_again", up, nil)
	sig := signed(payload, webhookSecret, time.Now())
	var wg sync.WaitGroup
	statuses := make([]int, 10)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = s.deliver(payload, sig)
		}()
	}
	// The same payment told by a differently numbered event, as a
	// redelivery after an endpoint change would.
	other := completed(t, "evt_twin", up, nil)
	if status := s.deliver(other, signed(other, webhookSecret, time.Now())); status != http.StatusOK {
		t.Errorf("twin: %d", status)
	}
	wg.Wait()
	for _, st := range statuses {
		if st != http.StatusOK {
			t.Errorf("status %d", st)
		}
	}
	got := s.wantStatus(up.ID(), domain.StatusComplete)
	fulfilled := 0
	for _, h := range got.History() {
		if h.To == domain.StatusComplete && h.Outcome == domain.OutcomeApplied {
			fulfilled++
		}
	}
	if fulfilled != 1 || len(s.messages(s.bob)) != 1 {
		t.Errorf("fulfilled %d times, bob's messages %q\n%s", fulfilled, s.messages(s.bob), history(got))
	}
}
