package stripe

import (
	"context"
	"strconv"
	"time"

	stripego "github.com/stripe/stripe-go/v76"

	"upgrades/application"
)

// Metadata keys the checkout carries, on the session and on its
// PaymentIntent (and so on its charges), so that any event names its upgrade.
const (
	metaUpgradeID = "user_upgrade_id"
	// metaInstallation names the installation that created a checkout
	// (SPEC §3).
	metaInstallation = "installation"
	metaPurchaserID  = "purchaser_id"
	metaRecipientID  = "recipient_id"
	metaUpgradeType  = "upgrade_type"
	metaQuantity     = "quantity"
)

func (g *Gateway) CreateCheckout(ctx context.Context, r application.CheckoutRequest) (_ application.Checkout, err error) {
	defer g.observe("create_checkout", time.Now(), &err)
	meta := map[string]string{
		metaUpgradeID:   strconv.FormatInt(int64(r.UpgradeID), 10),
		metaPurchaserID: strconv.FormatInt(int64(r.PurchaserID), 10),
		metaUpgradeType: r.UpgradeType.String(),
	}
	// A purchase of codes has no recipient: it says how many codes instead
	// (SPEC §9), and its line item is one code times that many.
	unitAmount, quantity := r.Price.Amount(), int64(1)
	if r.Quantity > 0 {
		meta[metaQuantity] = strconv.Itoa(r.Quantity)
		unitAmount, quantity = r.Price.Amount()/int64(r.Quantity), int64(r.Quantity)
	} else {
		meta[metaRecipientID] = strconv.FormatInt(int64(r.RecipientID), 10)
	}
	if r.Installation != "" {
		meta[metaInstallation] = r.Installation
	}
	product := &stripego.CheckoutSessionLineItemPriceDataProductDataParams{Name: stripego.String(r.ProductName)}
	if r.Description != "" {
		// Stripe refuses an empty description.
		product.Description = stripego.String(r.Description)
	}
	p := &stripego.CheckoutSessionParams{
		Mode: stripego.String(string(stripego.CheckoutSessionModePayment)),
		LineItems: []*stripego.CheckoutSessionLineItemParams{{
			PriceData: &stripego.CheckoutSessionLineItemPriceDataParams{
				Currency:    stripego.String(r.Price.Currency()),
				UnitAmount:  stripego.Int64(unitAmount),
				ProductData: product,
			},
			Quantity: stripego.Int64(quantity),
		}},
		ClientReferenceID: stripego.String(application.ClientReference(r.UpgradeID)),
		Metadata:          meta,
		PaymentIntentData: &stripego.CheckoutSessionPaymentIntentDataParams{Metadata: meta},
		SuccessURL:        stripego.String(r.SuccessURL),
		CancelURL:         stripego.String(r.CancelURL),
		ExpiresAt:         stripego.Int64(r.ExpiresAt.Unix()),
	}
	if r.CustomerEmail != "" {
		p.CustomerEmail = stripego.String(r.CustomerEmail)
	}
	if r.AllowPromotionCodes {
		p.AllowPromotionCodes = stripego.Bool(true)
	}
	p.Context = ctx
	if r.IdempotencyKey != "" {
		p.SetIdempotencyKey(r.IdempotencyKey)
	}
	s, err := g.api.CheckoutSessions.New(p)
	if err != nil {
		return application.Checkout{}, g.fail(ctx, "create a checkout", err)
	}
	if s.ID == "" || s.URL == "" {
		return application.Checkout{}, g.fail(ctx, "create a checkout", errNoCheckoutURL)
	}
	expires := r.ExpiresAt
	if s.ExpiresAt != 0 {
		expires = time.Unix(s.ExpiresAt, 0)
	}
	return application.Checkout{SessionID: s.ID, URL: s.URL, ExpiresAt: expires}, nil
}

func (g *Gateway) RetrieveCheckout(ctx context.Context, sessionID string) (_ application.CheckoutState, err error) {
	defer g.observe("retrieve_checkout", time.Now(), &err)
	p := &stripego.CheckoutSessionParams{}
	p.Context = ctx
	// The PaymentIntent's own status tells a failed delayed payment
	// (requires_payment_method) from one still processing.
	p.AddExpand("payment_intent")
	s, err := g.api.CheckoutSessions.Get(sessionID, p)
	if err != nil {
		return application.CheckoutState{}, g.fail(ctx, "read the checkout", err)
	}
	return checkoutState(s), nil
}

func (g *Gateway) ExpireCheckout(ctx context.Context, sessionID string) (_ application.CheckoutState, err error) {
	defer g.observe("expire_checkout", time.Now(), &err)
	p := &stripego.CheckoutSessionExpireParams{}
	p.Context = ctx
	p.AddExpand("payment_intent")
	s, err := g.api.CheckoutSessions.Expire(sessionID, p)
	if err != nil {
		return application.CheckoutState{}, g.fail(ctx, "expire the checkout", err)
	}
	return checkoutState(s), nil
}

func checkoutState(s *stripego.CheckoutSession) application.CheckoutState {
	return application.CheckoutState{
		Open:    s.Status == stripego.CheckoutSessionStatusOpen,
		Payment: sessionOf(s).payment(),
		Type:    "checkout.session." + string(s.Status),
	}
}
