package stripesim_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	stripego "github.com/stripe/stripe-go/v76"
)

// createIn creates a session for one item of amount in currency, with
// extra parameters.
func (h *harness) createIn(currency string, amount int64, extra url.Values) map[string]any {
	h.t.Helper()
	f := sessionForm(h, "user_upgrade_1")
	f.Set("line_items[0][price_data][currency]", currency)
	f.Set("line_items[0][price_data][unit_amount]", itoa(amount))
	for k, v := range extra {
		f[k] = v
	}
	status, s, _ := h.call("POST", "/v1/checkout/sessions", f, "")
	if status != http.StatusOK {
		h.t.Fatalf("create: %d %v", status, s)
	}
	return s
}

// post submits a form of the hosted pages as the page itself does.
func (h *harness) post(path string, form url.Values) (*http.Response, string) {
	h.t.Helper()
	req, _ := http.NewRequest("POST", h.url+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := browser.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

func (h *harness) page(path string) (*http.Response, string) {
	h.t.Helper()
	resp, err := http.Get(h.url + path)
	if err != nil {
		h.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

func TestPayPageOffersMethodsOfTheCurrency(t *testing.T) {
	h := newHarness(t)
	for _, c := range []struct {
		currency     string
		amount       int64
		shows, lacks []string
	}{
		{"usd", 2000, []string{"$20.00", "with Card", "with Apple Pay", "with Google Pay", `value="us_bank_account"`}, []string{"iDEAL", "SEPA"}},
		{"eur", 1600, []string{"€16.00", "with Card", "with iDEAL", "with Bancontact", "with EPS", "with Przelewy24", `value="sepa_debit"`}, []string{"ACH"}},
		{"jpy", 2000, []string{"¥2,000", "with Card", "with Apple Pay"}, []string{`value="delayed"`, "iDEAL"}},
	} {
		id := h.createIn(c.currency, c.amount, nil)["id"].(string)
		_, page := h.page("/pay/" + id)
		for _, want := range c.shows {
			if !strings.Contains(page, want) {
				t.Errorf("%s page lacks %q", c.currency, want)
			}
		}
		for _, not := range c.lacks {
			if strings.Contains(page, not) {
				t.Errorf("%s page offers %q", c.currency, not)
			}
		}
		// The delayed method is a delayed button; the card is the first
		// button that pays.
		if c.currency == "eur" && !strings.Contains(page, `<input type="hidden" name="method" value="sepa_debit"><button type="submit" name="outcome" value="delayed">`) {
			t.Error("SEPA Direct Debit is not offered as a delayed payment")
		}
		if i := strings.Index(page, `value="paid"`); i < 0 || !strings.Contains(page[i:i+80], "with Card") {
			t.Errorf("%s: the first pay button is not the card", c.currency)
		}
	}
}

func TestPayWithALocalMethod(t *testing.T) {
	h := newHarness(t)
	for _, c := range []struct {
		currency, outcome, method string
		wantStatus, wantType      string
	}{
		{"eur", "paid", "ideal", "succeeded", "ideal"},
		{"eur", "paid", "bancontact", "succeeded", "bancontact"},
		{"eur", "delayed", "sepa_debit", "processing", "sepa_debit"},
		{"usd", "paid", "apple_pay", "succeeded", "card"},
		{"usd", "delayed", "", "processing", "us_bank_account"},
		{"eur", "paid", "", "succeeded", "card"},
	} {
		id := h.createIn(c.currency, 1600, nil)["id"].(string)
		if resp, body := h.post("/pay/"+id, url.Values{"outcome": {c.outcome}, "method": {c.method}}); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("%s %s %s: %d %s", c.currency, c.outcome, c.method, resp.StatusCode, body)
			continue
		}
		status, pi, _ := h.call("GET", "/v1/payment_intents/"+intent(h.session(id))["id"].(string), url.Values{"expand[]": {"latest_charge"}}, "")
		ch, _ := pi["latest_charge"].(map[string]any)
		if status != http.StatusOK || pi["status"] != c.wantStatus || ch == nil ||
			ch["payment_method_details"].(map[string]any)["type"] != c.wantType || pi["payment_method_types"].([]any)[0] != c.wantType {
			t.Errorf("%s %s %s: intent %d %v", c.currency, c.outcome, c.method, status, pi)
		}
	}

	// A method the currency does not offer, or offered for the other
	// timing, is refused and the session stays open.
	before := len(h.sim.Events())
	for _, c := range []struct{ currency, outcome, method string }{
		{"usd", "paid", "ideal"},
		{"eur", "paid", "sepa_debit"},
		{"eur", "delayed", "ideal"},
		{"jpy", "delayed", ""},
		{"eur", "paid", "bitcoin"},
	} {
		id := h.createIn(c.currency, 2000, nil)["id"].(string)
		if resp, _ := h.post("/pay/"+id, url.Values{"outcome": {c.outcome}, "method": {c.method}}); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s %s %q: %d", c.currency, c.outcome, c.method, resp.StatusCode)
		}
		if s := h.session(id); s["status"] != "open" {
			t.Errorf("%s %s %q: the session is %v", c.currency, c.outcome, c.method, s["status"])
		}
	}
	if n := len(h.sim.Events()) - before; n != 0 {
		t.Errorf("refused payments emitted %d events", n)
	}
}

func TestPromotionCode(t *testing.T) {
	h := newHarness(t)
	s := h.createIn("eur", 1555, url.Values{"allow_promotion_codes": {"true"}})
	id := s["id"].(string)
	if s["amount_subtotal"] != 1555.0 || s["amount_total"] != 1555.0 || s["total_details"].(map[string]any)["amount_discount"] != 0.0 {
		t.Fatalf("a new session: %v", s)
	}
	_, page := h.page("/pay/" + id)
	if !strings.Contains(page, `<label for="promotion_code">Promotion code</label>`) {
		t.Fatal("the page has no promotion code field")
	}

	for _, bad := range []string{"", "NOPE", "TEST11"} {
		resp, page := h.post("/pay/"+id+"/promotion", url.Values{"promotion_code": {bad}})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, `role="alert"`) || !strings.Contains(page, `aria-invalid="true"`) {
			t.Errorf("code %q: %d", bad, resp.StatusCode)
		}
	}
	if s := h.session(id); s["amount_total"] != 1555.0 {
		t.Errorf("an invalid code changed the total: %v", s["amount_total"])
	}

	if resp, _ := h.post("/pay/"+id+"/promotion", url.Values{"promotion_code": {" test10 "}}); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != s["url"] {
		t.Fatalf("TEST10: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// 10 % of 1555 is 155.5: the half rounds up.
	s = h.session(id)
	if s["amount_subtotal"] != 1555.0 || s["amount_total"] != 1399.0 || s["total_details"].(map[string]any)["amount_discount"] != 156.0 {
		t.Errorf("after TEST10: subtotal %v total %v details %v", s["amount_subtotal"], s["amount_total"], s["total_details"])
	}
	_, page = h.page("/pay/" + id)
	for _, want := range []string{"€15.55", "−€1.56", "€13.99", "Pay €13.99 with iDEAL"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	h.press("/pay/"+id, "paid")
	ev := h.hooks.received()[0]
	obj := object(ev)
	if obj["amount_subtotal"] != 1555.0 || obj["amount_total"] != 1399.0 || obj["total_details"].(map[string]any)["amount_discount"] != 156.0 {
		t.Errorf("the completed event: %v", obj)
	}
	if pi := intent(h.session(id)); pi["amount"] != 1399.0 || pi["amount_received"] != 1399.0 {
		t.Errorf("the payment: %v", pi)
	}
	if resp, _ := h.post("/pay/"+id+"/promotion", url.Values{"promotion_code": {"TEST10"}}); resp.StatusCode != http.StatusConflict {
		t.Errorf("a code after paying: %d", resp.StatusCode)
	}

	// Only where the shop allowed promotion codes.
	plain := h.createIn("eur", 1600, nil)["id"].(string)
	if _, page := h.page("/pay/" + plain); strings.Contains(page, "promotion_code") {
		t.Error("a session without allow_promotion_codes shows the field")
	}
	if resp, _ := h.post("/pay/"+plain+"/promotion", url.Values{"promotion_code": {"TEST10"}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a code where none is allowed: %d", resp.StatusCode)
	}
	if s := h.session(plain); s["amount_total"] != 1600.0 {
		t.Errorf("the total changed: %v", s["amount_total"])
	}
	if status, _, _ := h.call("POST", "/v1/checkout/sessions", func() url.Values {
		f := sessionForm(h, "user_upgrade_1")
		f.Set("allow_promotion_codes", "yes")
		return f
	}(), ""); status != http.StatusBadRequest {
		t.Errorf("allow_promotion_codes=yes: %d", status)
	}
}

// A promotion that leaves nothing to pay completes the session the way
// Checkout does: no_payment_required, no PaymentIntent.
func TestPromotionLeavingNothingToPay(t *testing.T) {
	h := newHarness(t)
	s := h.createIn("usd", 2000, url.Values{"allow_promotion_codes": {"true"}})
	id := s["id"].(string)
	h.post("/pay/"+id+"/promotion", url.Values{"promotion_code": {"TEST100"}})
	_, page := h.page("/pay/" + id)
	if !strings.Contains(page, "nothing to pay") || strings.Contains(page, "with Card") {
		t.Error("the page does not offer to complete without paying")
	}
	if resp := h.press("/pay/"+id, "paid"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("completing: %d", resp.StatusCode)
	}
	s = h.session(id)
	if s["status"] != "complete" || s["payment_status"] != "no_payment_required" || s["payment_intent"] != nil || s["amount_total"] != 0.0 {
		t.Errorf("the session %v", s)
	}
	evs := h.hooks.received()
	if len(evs) != 1 || evs[0]["type"] != "checkout.session.completed" || object(evs[0])["payment_status"] != "no_payment_required" {
		t.Errorf("events %v", h.hooks.types())
	}
}

func TestReceipts(t *testing.T) {
	h := newHarness(t)
	id := h.createIn("usd", 2000, url.Values{"allow_promotion_codes": {"true"}})["id"].(string)
	h.post("/pay/"+id+"/promotion", url.Values{"promotion_code": {"TEST10"}})
	h.post("/pay/"+id, url.Values{"outcome": {"paid"}, "method": {"apple_pay"}})
	piID := intent(h.session(id))["id"].(string)

	// Without expansion the charge is an id; with it, the charge and its
	// receipt_url, which stripe-go reads.
	status, raw, _ := h.call("GET", "/v1/payment_intents/"+piID, nil, "")
	if status != http.StatusOK || !strings.HasPrefix(raw["latest_charge"].(string), "ch_") {
		t.Fatalf("the intent: %d %v", status, raw)
	}
	status, raw, _ = h.call("GET", "/v1/payment_intents/"+piID, url.Values{"expand[]": {"latest_charge"}}, "")
	b, _ := json.Marshal(raw)
	var pi stripego.PaymentIntent
	if err := json.Unmarshal(b, &pi); err != nil || status != http.StatusOK || pi.LatestCharge == nil {
		t.Fatalf("the expanded intent: %d %v %s", status, err, b)
	}
	ch := pi.LatestCharge
	if pi.Amount != 1800 || ch.Amount != 1800 || ch.PaymentMethodDetails == nil || ch.PaymentMethodDetails.Card == nil ||
		ch.PaymentMethodDetails.Card.Wallet == nil || ch.PaymentMethodDetails.Card.Wallet.Type != "apple_pay" ||
		!strings.HasPrefix(ch.ReceiptURL, h.url+"/receipts/ch_") {
		t.Fatalf("the expanded intent as stripe-go reads it: %s", b)
	}
	var cs stripego.CheckoutSession
	sb, _ := json.Marshal(h.session(id))
	if err := json.Unmarshal(sb, &cs); err != nil || cs.AmountSubtotal != 2000 || cs.AmountTotal != 1800 || cs.TotalDetails == nil || cs.TotalDetails.AmountDiscount != 200 {
		t.Errorf("the session as stripe-go reads it: %v %s", err, sb)
	}

	resp, page := h.page(strings.TrimPrefix(ch.ReceiptURL, h.url))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the receipt: %d", resp.StatusCode)
	}
	wantPageHeaders(t, "the receipt", resp.Header)
	for _, want := range []string{"<h1>Receipt", "$18.00", "$20.00", "−$2.00", "TEST10", "Apple Pay", "Gold upgrade", "buyer@example.com", "succeeded"} {
		if !strings.Contains(page, want) {
			t.Errorf("the receipt lacks %q", want)
		}
	}
	if _, page := h.page("/pay/" + id); !strings.Contains(page, `href="`+ch.ReceiptURL+`"`) {
		t.Error("the completed page does not link the receipt")
	}
	h.call("POST", "/v1/refunds", url.Values{"payment_intent": {piID}, "amount": {"500"}}, "")
	if _, page := h.page(strings.TrimPrefix(ch.ReceiptURL, h.url)); !strings.Contains(page, "Refunded") || !strings.Contains(page, "$5.00") {
		t.Error("the receipt does not show the refund")
	}

	if resp, _ := h.page("/receipts/ch_nope"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown receipt: %d", resp.StatusCode)
	}
	if status, _, _ := h.call("GET", "/v1/payment_intents/pi_nope", nil, ""); status != http.StatusNotFound {
		t.Errorf("an unknown intent: %d", status)
	}
	if status, _, _ := h.call("GET", "/v1/payment_intents/"+piID, url.Values{"expand[]": {"customer"}}, ""); status != http.StatusBadRequest {
		t.Errorf("expanding what cannot be: %d", status)
	}
	if status, _, _ := h.callAs("Bearer sk_test_someone_else", "GET", "/v1/payment_intents/"+piID, nil, ""); status != http.StatusUnauthorized {
		t.Errorf("another key: %d", status)
	}
}
