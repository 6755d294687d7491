package application_test

import (
	"testing"
	"time"

	"upgrades/application"
	"upgrades/domain"
)

// During a sale a new upgrade is sold, and its checkout sent, at the
// sale's price; once the injected clock passes the end the list price is
// back, with no restart.
func TestSalePriceUntilItEnds(t *testing.T) {
	sale, err := domain.NewSale(10, start.Add(time.Hour), "Winter sale")
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, func(c *application.Config) {
		c.Prices = domain.DefaultPrices().WithSale(sale)
		c.AllowPromotionCodes = true
	})
	alice := f.user("alice", domain.LevelMember)
	bob := f.user("bob", domain.LevelMember)
	de := domain.CurrencyChoice{Country: "DE"}

	opts, err := f.app.UpgradeOptions.Handle(f.ctx, application.UpgradeOptions{ViewerID: alice.ID(), Currency: de})
	if err != nil || opts.Currency != "eur" || opts.Offers[0].Price.Amount() != 1440 || opts.Offers[0].Quote.List.Amount() != 1600 || !opts.Offers[0].Quote.OnSale() {
		t.Fatalf("the page during the sale: %+v, %v", opts, err)
	}
	during, err := f.app.StartUpgrade.Handle(f.ctx, application.StartUpgrade{PurchaserID: alice.ID(), Type: "gold", Currency: de})
	if err != nil || during.Upgrade.Price().Amount() != 1440 || during.Upgrade.Price().Currency() != "eur" {
		t.Fatalf("bought during the sale: %v, %v", during.Upgrade.Price(), err)
	}
	reqs := f.gw.checkoutRequests()
	if last := reqs[len(reqs)-1]; last.Price.Amount() != 1440 || last.Price.Currency() != "eur" || !last.AllowPromotionCodes {
		t.Fatalf("checkout request %+v", last)
	}

	f.clock.Advance(time.Hour)
	opts, err = f.app.UpgradeOptions.Handle(f.ctx, application.UpgradeOptions{ViewerID: bob.ID(), Currency: de})
	if err != nil || opts.Offers[0].Price.Amount() != 1600 || opts.Offers[0].Quote.OnSale() {
		t.Fatalf("the page after the sale: %+v, %v", opts.Offers[0], err)
	}
	after, err := f.app.StartUpgrade.Handle(f.ctx, application.StartUpgrade{PurchaserID: bob.ID(), Type: "gold", Currency: de})
	if err != nil || after.Upgrade.Price().Amount() != 1600 {
		t.Fatalf("bought after the sale: %v, %v", after.Upgrade.Price(), err)
	}
}

// A pending checkout in one currency is not handed back to a buyer who
// now asks for another: they get a new checkout in theirs.
func TestAnotherCurrencyIsAnotherCheckout(t *testing.T) {
	f := newFixture(t, func(c *application.Config) { c.Prices = domain.DefaultPrices() })
	alice := f.user("alice", domain.LevelMember)
	usd, err := f.app.StartUpgrade.Handle(f.ctx, application.StartUpgrade{PurchaserID: alice.ID(), Type: "gold"})
	if err != nil {
		t.Fatal(err)
	}
	eur, err := f.app.StartUpgrade.Handle(f.ctx, application.StartUpgrade{PurchaserID: alice.ID(), Type: "gold", Currency: domain.CurrencyChoice{Currency: "eur"}})
	if err != nil || eur.Reused || eur.Upgrade.ID() == usd.Upgrade.ID() || eur.Upgrade.Price().Currency() != "eur" {
		t.Fatalf("the euro checkout: %+v, %v", eur, err)
	}
	again, err := f.app.StartUpgrade.Handle(f.ctx, application.StartUpgrade{PurchaserID: alice.ID(), Type: "gold", Currency: domain.CurrencyChoice{Currency: "eur"}})
	if err != nil || !again.Reused || again.Upgrade.ID() != eur.Upgrade.ID() {
		t.Fatalf("a double click in euros: %+v, %v", again, err)
	}
	if _, err := f.app.StartUpgrade.Handle(f.ctx, application.StartUpgrade{PurchaserID: alice.ID(), Type: "gold", Currency: domain.CurrencyChoice{Currency: "jpy"}}); domain.KindOf(err) != domain.KindInvalid {
		t.Fatalf("a currency without prices: %v", err)
	}
}
