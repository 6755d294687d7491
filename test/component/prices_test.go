package component

import (
	"fmt"
	"net/http"
	"testing"

	"upgrades/domain"
)

func TestCurrencyFromTheRequest(t *testing.T) {
	e := start(t, nil) // the default PRICES: usd and eur
	alice := e.user("alice", domain.LevelMember)
	api := e.api(alice)
	var page struct {
		Currency   string   `json:"currency"`
		Currencies []string `json:"currencies"`
		Offers     []struct {
			UpgradeType string `json:"upgrade_type"`
			Amount      int64  `json:"amount"`
			Currency    string `json:"currency"`
			Price       string `json:"price"`
		} `json:"offers"`
	}
	api.get("/user_upgrades/new.json?country=de").status(http.StatusOK).decode(&page)
	if page.Currency != "eur" || len(page.Currencies) != 2 || page.Offers[0].Amount != 1600 || page.Offers[0].Price != "€16.00" {
		t.Errorf("a German buyer's page: %+v", page)
	}
	api.get("/user_upgrades/new.json").status(http.StatusOK).decode(&page)
	if page.Currency != "usd" || page.Offers[0].Price != "$20.00" {
		t.Errorf("the default page: %+v", page)
	}
	api.get("/user_upgrades/new.json?country=ZZ").apiError(http.StatusUnprocessableEntity, "invalid")
	api.get("/user_upgrades/new.json?currency=jpy").apiError(http.StatusUnprocessableEntity, "invalid")
	api.json("POST", "/user_upgrades.json", map[string]any{"upgrade_type": "gold", "country": "Germany"}).apiError(http.StatusUnprocessableEntity, "invalid")

	var u upgrade
	api.json("POST", "/user_upgrades.json", map[string]any{"upgrade_type": "gold", "country": "AT"}).status(http.StatusCreated).decode(&u)
	if u.Amount != 1600 || u.Currency != "eur" {
		t.Errorf("an Austrian buyer's upgrade: %d %s", u.Amount, u.Currency)
	}
	e.loggedIn(alice).get("/user_upgrades/new?currency=eur").status(http.StatusOK).contains("€32.00", `name="currency" value="eur"`)
}

func TestReceiptAndPaymentLinks(t *testing.T) {
	e := start(t, nil)
	alice := e.user("alice", domain.LevelMember)
	bob := e.user("bob", domain.LevelMember)
	owner := e.user("olive", domain.LevelOwner)
	u := e.api(alice).buy("gold", 0)
	receipt := fmt.Sprintf("/user_upgrades/%d/receipt", u.ID)
	payment := fmt.Sprintf("/user_upgrades/%d/payment", u.ID)
	// Not paid yet: no payment to link to.
	e.loggedIn(alice).get(receipt).status(http.StatusNotFound)
	e.pay(u.ID)
	pi := "pi_test_" + u.CheckoutSessionID
	// Paid, but the provider shows no succeeded charge yet.
	e.loggedIn(alice).get(receipt).status(http.StatusUnprocessableEntity)
	e.gw.receipt(pi, "https://pay.stripe.com/receipts/r1")
	e.loggedIn(alice).get(receipt).status(http.StatusSeeOther).location("https://pay.stripe.com/receipts/r1")
	e.loggedIn(owner).get(receipt).status(http.StatusSeeOther).location("https://pay.stripe.com/receipts/r1")
	e.loggedIn(bob).get(receipt).status(http.StatusForbidden)
	e.loggedIn(alice).get(payment).status(http.StatusForbidden)
	e.loggedIn(owner).get(payment).status(http.StatusSeeOther).location("https://dashboard.stripe.com/test/payments/" + pi)
	e.gw.failWith(domain.Errorf(domain.KindPaymentProvider, "stripe is down"))
	e.loggedIn(alice).get(receipt).status(http.StatusBadGateway)
}

// COUNTRY_HEADER names the header a trusted proxy puts the buyer's country
// in: it chooses the currency unless the request names one, and a country
// with no prices there falls back to the default rather than failing.
func TestCountryHeader(t *testing.T) {
	e := start(t, map[string]string{"COUNTRY_HEADER": "CF-IPCountry", "PRICES": "usd 20.00/40.00/20.00, eur 16.00/32.00/16.00"})
	alice := e.user("alice", domain.LevelMember)
	api := e.api(alice)
	currency := func(path, country string) string {
		var page struct {
			Currency string `json:"currency"`
		}
		api.do("GET", path, nil, http.Header{"Cf-Ipcountry": {country}}).status(http.StatusOK).decode(&page)
		return page.Currency
	}
	for _, tc := range []struct{ path, country, want string }{
		{"/user_upgrades/new.json", "DE", "eur"},
		{"/user_upgrades/new.json", "US", "usd"},
		{"/user_upgrades/new.json", "T1", "usd"}, // not a country: ignored
		{"/user_upgrades/new.json?currency=usd", "FR", "usd"},
		{"/user_upgrades/new.json?country=JP", "FR", "usd"},
	} {
		if got := currency(tc.path, tc.country); got != tc.want {
			t.Errorf("%s from %s: %s, want %s", tc.path, tc.country, got, tc.want)
		}
	}
	usdOnly := start(t, map[string]string{"COUNTRY_HEADER": "CF-IPCountry", "PRICES": "usd 20.00/40.00/20.00"})
	bob := usdOnly.user("bob", domain.LevelMember)
	usdOnly.api(bob).do("GET", "/user_upgrades/new.json", nil, http.Header{"Cf-Ipcountry": {"DE"}}).status(http.StatusOK).contains(`"currency":"usd"`)
	usdOnly.api(bob).get("/user_upgrades/new.json?country=DE").status(http.StatusUnprocessableEntity)
}
