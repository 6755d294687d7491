package faults

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"upgrades/test/dbtest"
)

// A hostile client, with an account of its own, against the real binary:
// it cannot see, list or refund other people's upgrades, cannot set the
// price or the pages Stripe sends the buyer to, and cannot reach the
// database through the list's search.
func TestAStrangerCannotReachOtherPeoplesUpgrades(t *testing.T) {
	skipShort(t)
	dbURL := dbtest.New(t)
	db := dbtest.SQL(t, dbURL)
	sim := startStripeSim(t, "", true)
	s := startShop(t, "", dbURL, sim, "RECONCILE_INTERVAL=0")
	alice := newBuyer(t, s)
	mallory := newAccount(t, s, "mallory", "member")
	owner := newAccount(t, s, "olivia", "owner")

	// Alice buys Gold for herself, sending a price and the pages to
	// return to, all of which the server ignores.
	res := call(t, s, alice, "POST", "/user_upgrades.json", map[string]any{
		"upgrade_type": "gold", "amount": 1, "price": 1,
		"success_url": "https://evil.example/ok", "cancel_url": "https://evil.example/cancel",
	})
	if res.status != http.StatusCreated {
		t.Fatalf("buying: %d %s", res.status, res.body)
	}
	var up checkout
	res.decode(t, &up)
	session := sim.session(t, up.SessionID)
	wantSuccess := fmt.Sprintf("%s/user_upgrades/%d?session_id={CHECKOUT_SESSION_ID}", sim.shop, up.ID)
	wantCancel := fmt.Sprintf("%s/user_upgrades/new?user_id=%d&cancelled=%d", sim.shop, alice.id, up.ID)
	if session.AmountSubtotal != 2000 || session.Currency != "usd" || session.SuccessURL != wantSuccess || session.CancelURL != wantCancel {
		t.Fatalf("the checkout session is %+v; want 2000 usd, success %s, cancel %s", session, wantSuccess, wantCancel)
	}
	must(t, pay(up, "paid"))
	upgradePath := fmt.Sprintf("/user_upgrades/%d", up.ID)
	// The success page applies the paid session even without a webhook.
	if r := call(t, s, alice, "GET", upgradePath+".json?session_id="+up.SessionID, nil); r.status != http.StatusOK || !strings.Contains(r.body, `"status":"complete"`) {
		t.Fatalf("alice's own upgrade: %d %s", r.status, r.body)
	}

	// Mallory: not her upgrade to read, list or refund.
	for _, c := range []struct{ method, path string }{
		{"GET", upgradePath + ".json"},
		{"GET", upgradePath + ".json?session_id=" + up.SessionID},
		{"POST", upgradePath + "/refund.json"},
	} {
		if r := call(t, s, mallory, c.method, c.path, nil); r.status != http.StatusForbidden || strings.Contains(r.body, up.SessionID) {
			t.Errorf("mallory %s %s: %d %s", c.method, c.path, r.status, r.body)
		}
	}
	// Nor can she see it in the list, whatever she searches for; SQL in a
	// search is only text that matches no name.
	for _, q := range []string{
		"",
		"search[recipient_name]=buyer",
		"search[purchaser_name]=" + url.QueryEscape("' OR '1'='1"),
		"search[recipient_name]=" + url.QueryEscape("x'; DROP TABLE upgrades; --"),
		"search[upgrade_type]=" + url.QueryEscape("gold' OR 'a'='a"),
	} {
		r := call(t, s, mallory, "GET", "/user_upgrades.json?"+q, nil)
		if r.status == http.StatusOK && !strings.Contains(r.body, `"user_upgrades":[]`) {
			t.Errorf("mallory's list with %q shows %s", q, r.body)
		}
		if r.status != http.StatusOK && r.status != http.StatusBadRequest {
			t.Errorf("mallory's list with %q: %d %s", q, r.status, r.body)
		}
	}
	// The owner's search with SQL in it finds nothing either, and the table
	// is still there.
	if r := call(t, s, owner, "GET", "/user_upgrades.json?search[recipient_name]="+url.QueryEscape("buyer' OR '1'='1"), nil); r.status != http.StatusOK || !strings.Contains(r.body, `"user_upgrades":[]`) {
		t.Errorf("the owner's search with SQL in it: %d %s", r.status, r.body)
	}
	if r := call(t, s, owner, "GET", "/user_upgrades.json?search[recipient_name]=BUYER", nil); !strings.Contains(r.body, fmt.Sprintf(`"id":%d`, up.ID)) {
		t.Errorf("the owner's plain search does not find the upgrade: %s", r.body)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM upgrades`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("upgrades after the searches: %d, %v", n, err)
	}

	// Only an owner refunds, once.
	if r := call(t, s, alice, "POST", upgradePath+"/refund.json", nil); r.status != http.StatusForbidden {
		t.Errorf("the buyer refunding herself: %d %s", r.status, r.body)
	}
	if r := call(t, s, owner, "POST", upgradePath+"/refund.json", nil); r.status != http.StatusOK || !strings.Contains(r.body, `"status":"refunded"`) {
		t.Fatalf("the owner's refund: %d %s", r.status, r.body)
	}
	if r := call(t, s, owner, "POST", upgradePath+"/refund.json", nil); r.status != http.StatusConflict {
		t.Errorf("a second refund: %d %s", r.status, r.body)
	}
	if refunds := sim.events(t, "charge.refunded"); len(refunds) != 1 {
		t.Errorf("the simulated Stripe refunded %d times, want once", len(refunds))
	}
}

type answer struct {
	status int
	body   string
}

func (a answer) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(a.body), v); err != nil {
		t.Fatalf("%v in %s", err, a.body)
	}
}

// call makes an API request as u, with v as the JSON body when not nil.
func call(t *testing.T, s *shop, u *buyer, method, path string, v any) answer {
	t.Helper()
	var body io.Reader
	if v != nil {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(u.name, u.apiKey)
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return answer{res.StatusCode, string(raw)}
}

// checkoutSession is what the test reads of a session at the simulated
// Stripe.
type checkoutSession struct {
	AmountSubtotal int64             `json:"amount_subtotal"`
	Currency       string            `json:"currency"`
	SuccessURL     string            `json:"success_url"`
	CancelURL      string            `json:"cancel_url"`
	Metadata       map[string]string `json:"metadata"`
}

func (s *stripeSim) session(t *testing.T, id string) checkoutSession {
	t.Helper()
	var cs checkoutSession
	s.get(t, "/v1/checkout/sessions/"+id, &cs)
	return cs
}

func (s *stripeSim) get(t *testing.T, path string, v any) {
	t.Helper()
	req, _ := http.NewRequest("GET", s.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+stripeKey)
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(res.Body)
		t.Fatalf("GET %s at the simulated Stripe: %d %s", path, res.StatusCode, raw)
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}
