package stripesim_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"upgrades/adapters/stripesim"
)

func object(ev map[string]any) map[string]any {
	return ev["data"].(map[string]any)["object"].(map[string]any)
}

func intent(s map[string]any) map[string]any {
	pi, _ := s["payment_intent"].(map[string]any)
	return pi
}

func TestHostedPageShowsTheProductAndThreeButtons(t *testing.T) {
	h := newHarness(t)
	s := h.createSession()
	resp, err := http.Get(s["url"].(string))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("status %d type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{"Gold upgrade", "$20.00", `value="paid"`, `value="delayed"`, `value="cancel"`, "buyer@example.com"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	resp, _ = http.Get(h.url + "/pay/cs_test_nope")
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown session page: %d", resp.StatusCode)
	}
}

func TestPayByCard(t *testing.T) {
	h := newHarness(t)
	id := h.createSession()["id"].(string)
	resp := h.press("/pay/"+id, "paid")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "https://shop.example/user_upgrades/1?session_id="+id {
		t.Fatalf("pay: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// The redirect waited for the webhook's answer.
	evs := h.hooks.received()
	if len(evs) != 1 {
		t.Fatalf("when the browser is redirected the webhook has been answered; got %d events", len(evs))
	}
	ev := evs[0]
	obj := object(ev)
	if ev["type"] != "checkout.session.completed" || ev["object"] != "event" || ev["api_version"] != "2023-10-16" || ev["livemode"] != false ||
		!strings.HasPrefix(ev["id"].(string), "evt_") || ev["created"] == nil {
		t.Errorf("event envelope %v", ev)
	}
	if obj["id"] != id || obj["status"] != "complete" || obj["payment_status"] != "paid" || obj["amount_subtotal"] != 2000.0 ||
		obj["client_reference_id"] != "user_upgrade_1" || !strings.HasPrefix(obj["payment_intent"].(string), "pi_") {
		t.Errorf("event object %v", obj)
	}
	s := h.session(id)
	pi := intent(s)
	if s["status"] != "complete" || s["payment_status"] != "paid" || pi["status"] != "succeeded" || pi["id"] != obj["payment_intent"] ||
		!strings.HasPrefix(pi["latest_charge"].(string), "ch_") || pi["metadata"].(map[string]any)["user_upgrade_id"] != "1" {
		t.Errorf("session after paying %v", s)
	}
	if resp := h.press("/pay/"+id, "paid"); resp.StatusCode != http.StatusConflict {
		t.Errorf("paying twice: %d", resp.StatusCode)
	}
}

func TestDelayedPaymentSettles(t *testing.T) {
	for _, outcome := range []string{"succeeded", "failed"} {
		t.Run(outcome, func(t *testing.T) {
			h := newHarness(t)
			id := h.createSession()["id"].(string)
			if resp := h.press("/pay/"+id, "delayed"); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("delayed: %d", resp.StatusCode)
			}
			if s := h.session(id); s["status"] != "complete" || s["payment_status"] != "unpaid" || intent(s)["status"] != "processing" {
				t.Fatalf("after a delayed payment: %v", s)
			}
			if ev := h.hooks.received(); len(ev) != 1 || object(ev[0])["payment_status"] != "unpaid" {
				t.Fatalf("events %v", h.hooks.types())
			}
			if resp := h.press("/pay/"+id+"/settle", outcome); resp.StatusCode != http.StatusSeeOther ||
				resp.Header.Get("Location") != "https://shop.example/user_upgrades/1?session_id="+id {
				t.Fatalf("settle: %d %q", resp.StatusCode, resp.Header.Get("Location"))
			}
			s := h.session(id)
			wantType, wantPayment, wantIntent := "checkout.session.async_payment_succeeded", "paid", "succeeded"
			if outcome == "failed" {
				wantType, wantPayment, wantIntent = "checkout.session.async_payment_failed", "unpaid", "requires_payment_method"
			}
			if s["payment_status"] != wantPayment || intent(s)["status"] != wantIntent {
				t.Errorf("after settling: payment %v intent %v", s["payment_status"], intent(s)["status"])
			}
			if types := h.hooks.types(); len(types) != 2 || types[1] != wantType {
				t.Errorf("events %v", types)
			}
			if resp := h.press("/pay/"+id+"/settle", outcome); resp.StatusCode != http.StatusConflict {
				t.Errorf("settling twice: %d", resp.StatusCode)
			}
		})
	}
}

func TestCancelGoesBackAndLeavesTheSessionOpen(t *testing.T) {
	h := newHarness(t)
	id := h.createSession()["id"].(string)
	resp := h.press("/pay/"+id, "cancel")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "https://shop.example/user_upgrades/new" {
		t.Fatalf("cancel: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if s := h.session(id); s["status"] != "open" {
		t.Errorf("status %v", s["status"])
	}
	if resp := h.press("/pay/"+id, "stolen"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown outcome: %d", resp.StatusCode)
	}
	if n := len(h.sim.Events()); n != 0 {
		t.Errorf("%d events", n)
	}
}

func TestConcurrentPaymentsPayOnce(t *testing.T) {
	h := newHarness(t)
	id := h.createSession()["id"].(string)
	const n = 8
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := browser.PostForm(h.url+"/pay/"+id, url.Values{"outcome": {"paid"}})
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			codes[i] = resp.StatusCode
		}()
	}
	wg.Wait()
	paid := 0
	for _, c := range codes {
		if c == http.StatusSeeOther {
			paid++
		} else if c != http.StatusConflict {
			t.Errorf("status %d", c)
		}
	}
	if paid != 1 || len(h.sim.Events()) != 1 {
		t.Errorf("%d payments succeeded, %d events", paid, len(h.sim.Events()))
	}
}

func TestRefunds(t *testing.T) {
	h := newHarness(t)
	id := h.createSession()["id"].(string)
	status, body, _ := h.call("POST", "/v1/refunds", url.Values{"payment_intent": {"pi_nope"}}, "")
	if status != 400 {
		t.Fatalf("refund of an unknown intent: %d %v", status, body)
	}
	h.press("/pay/"+id, "delayed")
	pi := intent(h.session(id))["id"].(string)
	status, body, _ = h.call("POST", "/v1/refunds", url.Values{"payment_intent": {pi}}, "")
	if e := errorOf(t, body); status != 400 || e["code"] != "charge_not_refundable" {
		t.Errorf("refund of a processing payment: %d %v", status, e)
	}
	h.press("/pay/"+id+"/settle", "succeeded")

	status, partial, _ := h.call("POST", "/v1/refunds", url.Values{"payment_intent": {pi}, "amount": {"500"}}, "")
	if status != 200 || partial["amount"] != 500.0 || !strings.HasPrefix(partial["id"].(string), "re_") || partial["object"] != "refund" {
		t.Fatalf("partial refund: %d %v", status, partial)
	}
	status, rest, _ := h.call("POST", "/v1/refunds", url.Values{"payment_intent": {pi}, "reason": {"requested_by_customer"}}, "refund-key")
	if status != 200 || rest["amount"] != 1500.0 || rest["status"] != "succeeded" || rest["payment_intent"] != pi {
		t.Fatalf("refund of the rest: %d %v", status, rest)
	}
	// A retried refund with its key is the same refund, not an error.
	status, again, _ := h.call("POST", "/v1/refunds", url.Values{"payment_intent": {pi}, "reason": {"requested_by_customer"}}, "refund-key")
	if status != 200 || again["id"] != rest["id"] {
		t.Errorf("retried refund: %d %v", status, again)
	}
	status, body, _ = h.call("POST", "/v1/refunds", url.Values{"payment_intent": {pi}}, "")
	if e := errorOf(t, body); status != 400 || e["code"] != "charge_already_refunded" {
		t.Errorf("refunding a refunded charge: %d %v", status, e)
	}
	// Deliveries run concurrently, so the two events may arrive in any order.
	eventually(t, "both refund events arrive", func() bool { return len(h.hooks.received()) == 4 })
	var refunds []map[string]any
	for _, ev := range h.hooks.received() {
		if ev["type"] == "charge.refunded" {
			refunds = append(refunds, object(ev))
		}
	}
	if len(refunds) != 2 {
		t.Fatalf("charge.refunded events: %d", len(refunds))
	}
	if refunds[0]["amount_refunded"] != 500.0 {
		refunds[0], refunds[1] = refunds[1], refunds[0]
	}
	if c := refunds[0]; c["amount_refunded"] != 500.0 || c["refunded"] != false {
		t.Errorf("after the partial refund the charge is %v", c)
	}
	if c := refunds[1]; c["amount_refunded"] != 2000.0 || c["amount"] != 2000.0 || c["refunded"] != true ||
		c["payment_intent"] != pi || c["metadata"].(map[string]any)["user_upgrade_id"] != "1" {
		t.Errorf("after the full refund the charge is %v", c)
	}
}

func TestRedirectWaitsOnlySoLong(t *testing.T) {
	hang := make(chan struct{})
	defer close(hang)
	h := newHarness(t, func(c *stripesim.Config) { c.RedirectWait = 300 * time.Millisecond })
	h.hooks.answer = func(int) int { <-hang; return 200 }
	id := h.createSession()["id"].(string)
	start := time.Now()
	if resp := h.press("/pay/"+id, "paid"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("pay: %d", resp.StatusCode)
	}
	if took := time.Since(start); took < 300*time.Millisecond || took > 3*time.Second {
		t.Errorf("the redirect took %v with a hanging endpoint", took)
	}
}
