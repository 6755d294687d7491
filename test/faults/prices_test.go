package faults

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"upgrades/test/dbtest"
)

// get asks the shop for path as u and returns the answer and where it
// redirects.
func get(t *testing.T, s *shop, u *buyer, path string, header http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", s.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.SetBasicAuth(u.name, u.apiKey)
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode, res.Header.Get("Location")
}

// A German buyer, told apart by the proxy's country header, buys Gold at
// €16.00 with the promotion code TEST10 on the simulated Stripe's page:
// the upgrade keeps 1600 as its price and records 1440 paid, the receipt
// link answers, and the owner's payment link opens Stripe's test
// dashboard. The real binary, PostgreSQL and `upgrades stripe-sim`.
func TestAGermanBuyerPaysInEurosWithAPromotionCode(t *testing.T) {
	skipShort(t)
	dbURL := dbtest.New(t)
	db := dbtest.SQL(t, dbURL)
	sim := startStripeSim(t, "", true)
	s := startShop(t, "", dbURL, sim, "ALLOW_PROMOTION_CODES=true", "COUNTRY_HEADER=CF-IPCountry")
	buyer := newBuyer(t, s)
	owner := newAccount(t, s, "olivia", "owner")

	// The page in the buyer's currency, from the proxy's header.
	if code, _ := get(t, s, buyer, "/user_upgrades/new.json", http.Header{"Cf-Ipcountry": {"DE"}}); code != http.StatusOK {
		t.Fatalf("the upgrade page: %d", code)
	}
	res := call(t, s, buyer, "POST", "/user_upgrades.json", map[string]any{"upgrade_type": "gold", "country": "DE"})
	if res.status != http.StatusCreated {
		t.Fatalf("buying: %d %s", res.status, res.body)
	}
	var up checkout
	res.decode(t, &up)
	if cs := sim.session(t, up.SessionID); cs.AmountSubtotal != 1600 || cs.Currency != "eur" {
		t.Fatalf("the checkout session is %+v, want 1600 eur", cs)
	}
	promo, err := client.PostForm(up.URL+"/promotion", url.Values{"promotion_code": {"TEST10"}})
	if err != nil {
		t.Fatal(err)
	}
	promo.Body.Close()
	if promo.StatusCode != http.StatusSeeOther {
		t.Fatalf("the promotion code: %d", promo.StatusCode)
	}
	must(t, pay(up, "paid"))

	path := fmt.Sprintf("/user_upgrades/%d", up.ID)
	r := call(t, s, buyer, "GET", path+".json?session_id="+up.SessionID, nil)
	var got struct {
		Status         string `json:"status"`
		Amount         int64  `json:"amount"`
		Currency       string `json:"currency"`
		Price          string `json:"price"`
		AmountPaid     *int64 `json:"amount_paid"`
		AmountDiscount *int64 `json:"amount_discount"`
	}
	r.decode(t, &got)
	if got.Status != "complete" || got.Amount != 1600 || got.Currency != "eur" || got.Price != "€16.00" ||
		got.AmountPaid == nil || *got.AmountPaid != 1440 || got.AmountDiscount == nil || *got.AmountDiscount != 160 {
		t.Fatalf("the upgrade after paying: %s", r.body)
	}
	var amount, paid, discount int64
	var pi string
	if err := db.QueryRow(`SELECT amount, amount_paid, amount_discount, payment_intent_id FROM upgrades WHERE id = $1`, up.ID).Scan(&amount, &paid, &discount, &pi); err != nil {
		t.Fatal(err)
	}
	if amount != 1600 || paid != 1440 || discount != 160 {
		t.Fatalf("stored %d, paid %d, discount %d", amount, paid, discount)
	}

	code, receipt := get(t, s, buyer, path+"/receipt", nil)
	if code != http.StatusSeeOther || !strings.HasPrefix(receipt, sim.base) {
		t.Fatalf("the receipt link: %d to %q", code, receipt)
	}
	page, err := client.Get(receipt)
	if err != nil {
		t.Fatal(err)
	}
	page.Body.Close()
	if page.StatusCode != http.StatusOK {
		t.Errorf("the receipt at %s: %d", receipt, page.StatusCode)
	}
	if code, loc := get(t, s, owner, path+"/payment", nil); code != http.StatusSeeOther || loc != "https://dashboard.stripe.com/test/payments/"+pi {
		t.Errorf("the owner's payment link: %d to %q", code, loc)
	}
	if code, _ := get(t, s, buyer, path+"/payment", nil); code != http.StatusForbidden {
		t.Errorf("the buyer's payment link: %d, want 403", code)
	}
}
