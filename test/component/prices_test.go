package component

import (
	"fmt"
	"net/http"
	"testing"

	"go.uber.org/fx"

	"upgrades/application"
	"upgrades/domain"
)

// inEuros runs the shop with the default prices in dollars and euros.
var inEuros = fx.Decorate(func(c application.Config) application.Config {
	c.Prices = domain.DefaultPrices()
	return c
})

func TestCurrencyFromTheRequest(t *testing.T) {
	e := start(t, nil, inEuros)
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
