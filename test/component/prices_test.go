package component

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

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

// During a sale every page shows its banner until the browser dismisses
// it; the upgrade page strikes the list price through.
func TestSaleBannerAndPrices(t *testing.T) {
	ends := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	e := start(t, map[string]string{"SALE_PERCENT": "10", "SALE_ENDS": ends.Format(time.RFC3339), "SALE_NAME": "Winter sale"})
	alice := e.user("alice", domain.LevelMember)
	web := e.loggedIn(alice)
	web.get("/user_upgrades/new").status(http.StatusOK).contains(
		`class="sale-banner"`, "Winter sale: 10% off every upgrade", "<del>$20.00</del> <ins>$18.00</ins>")
	web.get("/messages").status(http.StatusOK).contains(`class="sale-banner"`)
	var page struct {
		Offers []struct {
			Amount     int64 `json:"amount"`
			ListAmount int64 `json:"list_amount"`
			Sale       *struct {
				Name    string `json:"name"`
				Percent int    `json:"percent"`
				Ends    string `json:"ends"`
			} `json:"sale"`
		} `json:"offers"`
	}
	e.api(alice).get("/user_upgrades/new.json?currency=eur").status(http.StatusOK).decode(&page)
	if o := page.Offers[0]; o.Amount != 1440 || o.ListAmount != 1600 || o.Sale == nil || o.Sale.Percent != 10 || o.Sale.Ends != ends.Format(time.RFC3339) {
		t.Errorf("the offer during the sale: %+v", o)
	}
	var u upgrade
	e.api(alice).json("POST", "/user_upgrades.json", map[string]any{"upgrade_type": "gold", "currency": "eur"}).status(http.StatusCreated).decode(&u)
	if u.Amount != 1440 || u.Currency != "eur" {
		t.Errorf("bought during the sale at %d %s", u.Amount, u.Currency)
	}
	web.form("POST", "/sale/dismiss", url.Values{"next": {"/messages"}}).status(http.StatusSeeOther).location("/messages")
	web.get("/messages").status(http.StatusOK).lacks(`class="sale-banner"`)
	web.get("/user_upgrades/new").status(http.StatusOK).lacks(`class="sale-banner"`).contains("<del>$20.00</del>")
	// Elsewhere is not a place to go back to.
	web.form("POST", "/sale/dismiss", url.Values{"next": {"//evil.example/"}}).status(http.StatusSeeOther).location("/user_upgrades/new")
}

func TestNoBannerWithoutASale(t *testing.T) {
	e := start(t, map[string]string{"SALE_PERCENT": "10", "SALE_ENDS": "2020-01-01T00:00:00Z"})
	e.browser().get("/user_upgrades/new").status(http.StatusOK).lacks(`class="sale-banner"`, "<del>").contains("$20.00")
}
