package stripeflow

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"upgrades/application"
	"upgrades/domain"
)

// promotedShop lets buyers enter promotion codes.
func promotedShop(t *testing.T) *shop {
	return newShopWith(t, func(c *application.Config) { c.AllowPromotionCodes = true })
}

// startIn starts alice's own Gold upgrade, priced for a buyer in country,
// and enters code on the simulated checkout page.
func (s *shop) startIn(country, code string) *domain.Upgrade {
	s.t.Helper()
	started, err := s.app.StartUpgrade.Handle(context.Background(), application.StartUpgrade{
		PurchaserID: s.alice.ID(), Type: "gold", Currency: domain.CurrencyChoice{Country: country}})
	if err != nil {
		s.t.Fatal(err)
	}
	up := started.Upgrade
	resp, err := browser.PostForm(up.CheckoutURL()+"/promotion", url.Values{"promotion_code": {code}})
	if err != nil {
		s.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		s.t.Fatalf("promotion %s: %d", code, resp.StatusCode)
	}
	return up
}

// A German buyer pays €16.00 less 10 %: the upgrade keeps the price it
// was sold at, records what was paid, and links to Stripe's receipt and,
// for owners, to the payment in Stripe's test dashboard.
func TestPromotionCodeReceiptAndPaymentLink(t *testing.T) {
	s := promotedShop(t)
	up := s.startIn("DE", "TEST10")
	if up.Price().Amount() != 1600 || up.Price().Currency() != "eur" {
		t.Fatalf("sold at %v, want 1600 eur", up.Price())
	}
	s.press(up.CheckoutURL(), "paid")
	got := s.wantStatus(up.ID(), domain.StatusComplete)
	if p := got.Paid(); p != (domain.Paid{Amount: 1440, Discount: 160, Known: true}) || got.Price().Amount() != 1600 {
		t.Fatalf("paid %+v at %v", p, got.Price())
	}
	ctx := context.Background()
	link := application.PaymentLink{ViewerID: s.alice.ID(), UpgradeID: up.ID()}
	receipt, err := s.app.Receipt.Handle(ctx, link)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := browser.Get(receipt)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("receipt %s: %d", receipt, resp.StatusCode)
	}
	if _, err := s.app.PaymentPage.Handle(ctx, link); domain.KindOf(err) != domain.KindForbidden {
		t.Errorf("the buyer opens the dashboard: %v, want forbidden", err)
	}
	owner := application.PaymentLink{ViewerID: s.owner.ID(), UpgradeID: up.ID()}
	page, err := s.app.PaymentPage.Handle(ctx, owner)
	if want := "https://dashboard.stripe.com/test/payments/" + got.PaymentIntentID(); err != nil || page != want {
		t.Errorf("payment page %q, %v; want %q", page, err, want)
	}
	if _, err := s.app.Receipt.Handle(ctx, owner); err != nil {
		t.Errorf("the owner's receipt: %v", err)
	}
	if _, err := s.app.Receipt.Handle(ctx, application.PaymentLink{ViewerID: s.bob.ID(), UpgradeID: up.ID()}); domain.KindOf(err) != domain.KindForbidden {
		t.Errorf("someone else's receipt: %v, want forbidden", err)
	}
}

// A code that takes everything leaves nothing to pay: Stripe completes the
// checkout as no_payment_required, the upgrade completes with nothing
// paid, and there is no payment to show.
func TestPromotionCodeForEverythingCompletes(t *testing.T) {
	s := promotedShop(t)
	up := s.startIn("US", "TEST100")
	s.press(up.CheckoutURL(), "paid")
	got := s.wantStatus(up.ID(), domain.StatusComplete)
	if p := got.Paid(); p != (domain.Paid{Amount: 0, Discount: 2000, Known: true}) || got.PaymentIntentID() != "" {
		t.Fatalf("paid %+v, payment %q", p, got.PaymentIntentID())
	}
	if s.level(s.alice) != domain.LevelGold {
		t.Errorf("alice is %s", s.level(s.alice))
	}
	for _, h := range []func(context.Context, application.PaymentLink) (string, error){s.app.Receipt.Handle, s.app.PaymentPage.Handle} {
		if _, err := h(context.Background(), application.PaymentLink{ViewerID: s.owner.ID(), UpgradeID: up.ID()}); domain.KindOf(err) != domain.KindNotFound {
			t.Errorf("a link to no payment: %v, want not found", err)
		}
	}
}
