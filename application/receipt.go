package application

import (
	"context"

	"upgrades/domain"
)

// PaymentLink asks for the payment provider's page about an upgrade's
// payment: the buyer's receipt, or the owner's view of the payment.
type PaymentLink struct {
	ViewerID  domain.UserID
	UpgradeID domain.UpgradeID
}

// paidUpgrade reads an upgrade the viewer may open the payment of, with
// the payment it names. An upgrade with no payment (a promotion code that
// took it all, or one never paid) has no payment to link to: not found.
func paidUpgrade(ctx context.Context, uow UnitOfWork, cmd PaymentLink, allowed func(viewer *domain.User, up *domain.Upgrade) bool) (string, error) {
	var pi string
	err := uow.Do(ctx, func(ctx context.Context, s Store) error {
		viewer, err := requireUser(ctx, s, cmd.ViewerID)
		if err != nil {
			return err
		}
		up, err := s.Upgrades.ByID(ctx, cmd.UpgradeID, false)
		if err != nil {
			return err
		}
		if !allowed(viewer, up) {
			return domain.Errorf(domain.KindForbidden, "this upgrade's payment is not yours to see")
		}
		if pi = up.PaymentIntentID(); pi == "" {
			return domain.Errorf(domain.KindNotFound, "upgrade #%d has no payment", up.ID())
		}
		return nil
	})
	return pi, err
}

// ReceiptHandler finds the receipt of an upgrade's payment for its
// purchaser or an owner. The provider's receipt URL expires, so it is
// asked for on every request and never stored.
type ReceiptHandler struct {
	uow     UnitOfWork
	gateway PaymentGateway
}

func NewReceiptHandler(uow UnitOfWork, gateway PaymentGateway) ReceiptHandler {
	return ReceiptHandler{uow, gateway}
}

// Handle returns the receipt's URL: not found for an upgrade without a
// payment, invalid while the payment has no succeeded charge, a payment
// provider error when the provider fails.
func (h ReceiptHandler) Handle(ctx context.Context, cmd PaymentLink) (string, error) {
	pi, err := paidUpgrade(ctx, h.uow, cmd, func(v *domain.User, up *domain.Upgrade) bool {
		return v.ID() == up.PurchaserID() || v.IsOwner()
	})
	if err != nil {
		return "", err
	}
	url, err := h.gateway.ReceiptURL(ctx, pi)
	if err != nil {
		return "", err
	}
	if url == "" {
		return "", domain.Errorf(domain.KindInvalid, "the payment of upgrade #%d has not succeeded yet, so there is no receipt", cmd.UpgradeID)
	}
	return url, nil
}

// PaymentPageHandler finds the owner's page of an upgrade's payment in
// the provider's dashboard.
type PaymentPageHandler struct {
	uow      UnitOfWork
	livemode bool
}

func NewPaymentPageHandler(uow UnitOfWork, livemode bool) PaymentPageHandler {
	return PaymentPageHandler{uow, livemode}
}

// Handle returns the dashboard's URL of the payment: Stripe's test
// dashboard unless the shop runs live.
func (h PaymentPageHandler) Handle(ctx context.Context, cmd PaymentLink) (string, error) {
	pi, err := paidUpgrade(ctx, h.uow, cmd, func(v *domain.User, _ *domain.Upgrade) bool { return v.IsOwner() })
	if err != nil {
		return "", err
	}
	return DashboardPaymentURL(pi, h.livemode), nil
}

// DashboardPaymentURL is the payment's page in Stripe's dashboard.
func DashboardPaymentURL(paymentIntentID string, livemode bool) string {
	if livemode {
		return "https://dashboard.stripe.com/payments/" + paymentIntentID
	}
	return "https://dashboard.stripe.com/test/payments/" + paymentIntentID
}
