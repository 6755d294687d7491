package application

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"upgrades/domain"
)

// StartUpgrade creates a pending upgrade and its checkout page.
type StartUpgrade struct {
	PurchaserID   domain.UserID // 0 when nobody is logged in
	RecipientID   domain.UserID // 0 with no RecipientName: the purchaser
	RecipientName string
	Type          string
	Currency      domain.CurrencyChoice // what the buyer and their proxy said about the currency
	// GiftNote is the purchaser's note to a gift's recipient; optional.
	// A second click gets the first checkout back, with the first note.
	GiftNote string
	// Quantity, from 1 to domain.MaxCodesBought, buys that many codes of
	// Type instead (SPEC §9): no recipient is named.
	Quantity int
}

// StartedUpgrade is the upgrade to pay and whether it was already there
// (a double click returns the first checkout again).
type StartedUpgrade struct {
	Upgrade *domain.Upgrade
	Reused  bool
}

// inFlight is how long a pending upgrade without a session is taken to be
// a checkout still being created by a concurrent request.
const inFlight = time.Minute

type StartUpgradeHandler struct {
	uow     UnitOfWork
	gateway PaymentGateway
	clock   Clock
	logger  *slog.Logger
	config  Config
	fulfil  fulfilment
}

func NewStartUpgradeHandler(uow UnitOfWork, gateway PaymentGateway, clock Clock, logger *slog.Logger, config Config) StartUpgradeHandler {
	return StartUpgradeHandler{uow, gateway, clock, logger, config, newFulfilment(uow, gateway, clock, logger, config.Shop())}
}

func (h StartUpgradeHandler) Handle(ctx context.Context, cmd StartUpgrade) (StartedUpgrade, error) {
	if cmd.PurchaserID == 0 {
		return StartedUpgrade{}, domain.Errorf(domain.KindUnauthenticated, "log in to buy an upgrade")
	}
	// A double click sends the second request while the first is still
	// creating its checkout; the browser shows the second answer, so it
	// waits for the first checkout rather than failing.
	var (
		up        *domain.Upgrade
		purchaser *domain.User
		recipient string
		reused    bool
		err       error
	)
	for wait := 0; ; wait++ {
		up, purchaser, recipient, reused, err = h.reserve(ctx, cmd)
		if !errors.Is(err, errCheckoutInFlight) || wait == inFlightPolls {
			break
		}
		if err := h.clock.Sleep(ctx, inFlightPoll); err != nil {
			return StartedUpgrade{}, err
		}
	}
	if errors.Is(err, errCheckoutInFlight) {
		err = domain.Errorf(domain.KindConflict, "a checkout for this upgrade is being created; try again in a moment")
	}
	if err != nil || reused {
		return StartedUpgrade{Upgrade: up, Reused: reused}, err
	}

	checkout, err := h.gateway.CreateCheckout(ctx, h.checkoutRequest(up, purchaser, recipient))
	if err != nil {
		h.logger.ErrorContext(ctx, "checkout creation failed", "upgrade", up.ID(), "err", err)
		// Mark it failed so no pending upgrade without a checkout is left
		// behind; the history keeps what happened.
		_, ferr := h.fulfil.apply(ctx, PaymentEvent{
			Payment: domain.Payment{Kind: domain.EventCheckoutFailed, UpgradeID: up.ID(), Livemode: h.config.Livemode},
			Source:  "checkout creation", Note: domain.MessageOf(err),
		})
		if ferr != nil {
			h.logger.ErrorContext(ctx, "marking the upgrade failed", "upgrade", up.ID(), "err", ferr)
		}
		if domain.KindOf(err) == domain.KindPaymentProvider {
			return StartedUpgrade{}, err
		}
		return StartedUpgrade{}, domain.WrapError(domain.KindPaymentProvider, err, "the payment provider could not create a checkout; please try again")
	}
	err = h.uow.Do(ctx, func(ctx context.Context, s Store) error {
		locked, err := s.Upgrades.LockByID(ctx, up.ID())
		if err != nil {
			return err
		}
		if err := locked.AttachCheckout(checkout.SessionID, checkout.URL, checkout.ExpiresAt, h.clock.Now()); err != nil {
			return err
		}
		up = locked
		return s.Upgrades.Update(ctx, locked)
	})
	return StartedUpgrade{Upgrade: up}, err
}

var errCheckoutInFlight = errors.New("checkout in flight")

const (
	inFlightPoll  = 100 * time.Millisecond
	inFlightPolls = 50
)

// reserve checks eligibility and returns the purchaser's open checkout for
// the same upgrade, or a new pending upgrade.
func (h StartUpgradeHandler) reserve(ctx context.Context, cmd StartUpgrade) (up *domain.Upgrade, purchaser *domain.User, recipientName string, reused bool, err error) {
	err = h.uow.Do(ctx, func(ctx context.Context, s Store) error {
		// Locking the purchaser serialises their double clicks.
		p, err := s.Users.LockByID(ctx, cmd.PurchaserID)
		if domain.IsKind(err, domain.KindNotFound) {
			return domain.Errorf(domain.KindUnauthenticated, "log in to buy an upgrade")
		}
		if err != nil {
			return err
		}
		purchaser = p
		if p.IsBanned() {
			return domain.Errorf(domain.KindForbidden, "banned users cannot buy upgrades")
		}
		if !h.config.Enabled {
			return domain.Errorf(domain.KindUnavailable, "upgrades are disabled at the moment")
		}
		if cmd.Quantity != 0 {
			up, reused, err = h.reserveCodes(ctx, s, p, cmd)
			return err
		}
		recipient, err := findRecipient(ctx, s, p, cmd.RecipientID, cmd.RecipientName)
		if err != nil {
			return err
		}
		recipientName = recipient.Name()
		t, err := domain.ParseUpgradeType(cmd.Type)
		if err != nil {
			return err
		}
		if refusal := domain.UpgradeRefusal(p, recipient, t); refusal != nil {
			return refusal
		}
		note, err := domain.ParseGiftNote(cmd.GiftNote)
		if err != nil {
			return err
		}
		processing, err := s.Upgrades.ByRecipient(ctx, recipient.ID(), domain.StatusProcessing)
		if err != nil {
			return err
		}
		if underway := domain.PaymentUnderway(t, processing); underway != nil {
			return underway
		}
		currency, err := h.config.Prices.Choose(cmd.Currency)
		if err != nil {
			return err
		}
		now := h.clock.Now()
		prev, err := s.Upgrades.LatestPending(ctx, p.ID(), recipient.ID(), t)
		switch {
		case err == nil && prev.HasOpenCheckout(now, h.config.ReuseMargin) && prev.Price().Currency() == currency:
			up, reused = prev, true
			return nil
		case err == nil && prev.SessionID() == "" && now.Sub(prev.CreatedAt()) < inFlight:
			return errCheckoutInFlight
		case err != nil && !domain.IsKind(err, domain.KindNotFound):
			return err
		}
		if err := h.checkOpenCheckouts(ctx, s, p, now); err != nil {
			return err
		}
		up, err = domain.NewUpgradeIn(p, recipient, t, h.config.Prices, currency, now)
		if err != nil {
			return err
		}
		if err := up.AttachGiftNote(note); err != nil {
			return err
		}
		return s.Upgrades.Create(ctx, up)
	})
	return up, purchaser, recipientName, reused, err
}

// reserveCodes is reserve for a purchase of codes: the purchaser's open
// checkout for as many codes of the same type, or a new pending purchase.
func (h StartUpgradeHandler) reserveCodes(ctx context.Context, s Store, p *domain.User, cmd StartUpgrade) (*domain.Upgrade, bool, error) {
	t, err := codeType(cmd.Type)
	if err != nil {
		return nil, false, err
	}
	if cmd.Quantity < 1 || cmd.Quantity > domain.MaxCodesBought {
		return nil, false, domain.Errorf(domain.KindInvalid, "quantity must be between 1 and %d", domain.MaxCodesBought)
	}
	currency, err := h.config.Prices.Choose(cmd.Currency)
	if err != nil {
		return nil, false, err
	}
	now := h.clock.Now()
	prev, err := s.Upgrades.LatestPending(ctx, p.ID(), 0, t)
	switch {
	case err == nil && prev.Quantity() != cmd.Quantity:
	case err == nil && prev.HasOpenCheckout(now, h.config.ReuseMargin) && prev.Price().Currency() == currency:
		return prev, true, nil
	case err == nil && prev.SessionID() == "" && now.Sub(prev.CreatedAt()) < inFlight:
		return nil, false, errCheckoutInFlight
	case err != nil && !domain.IsKind(err, domain.KindNotFound):
		return nil, false, err
	}
	if err := h.checkOpenCheckouts(ctx, s, p, now); err != nil {
		return nil, false, err
	}
	up, err := domain.NewCodePurchaseIn(p, t, cmd.Quantity, h.config.Prices, currency, now)
	if err != nil {
		return nil, false, err
	}
	return up, false, s.Upgrades.Create(ctx, up)
}

// checkOpenCheckouts refuses a new checkout to a purchaser who has
// MaxOpenCheckouts open already (SPEC §3, issue 11 item 21), so that nobody
// floods the provider or the list with pending upgrades; the wait is until
// the first of them closes. The purchaser is locked, so concurrent starts
// count each other.
func (h StartUpgradeHandler) checkOpenCheckouts(ctx context.Context, s Store, purchaser *domain.User, now time.Time) error {
	limit := h.config.MaxOpenCheckouts
	if limit <= 0 {
		return nil
	}
	rows, err := s.Upgrades.List(ctx, UpgradeQuery{PurchaserID: purchaser.ID(), Status: domain.StatusPending, Window: Window{Limit: 100}})
	if err != nil {
		return err
	}
	open, first := 0, time.Time{}
	for _, r := range rows {
		up := r.Upgrade
		// One still being created counts as open.
		if up.HasOpenCheckout(now, 0) || (up.SessionID() == "" && now.Sub(up.CreatedAt()) < inFlight) {
			open++
			closes := up.SessionExpiresAt()
			if up.SessionID() == "" {
				closes = up.CreatedAt().Add(inFlight)
			}
			if first.IsZero() || closes.Before(first) {
				first = closes
			}
		}
	}
	if open < limit {
		return nil
	}
	return tooMany(fmt.Sprintf("you have %d checkouts open; pay one of them or wait until one expires", open), first.Sub(now))
}

// checkoutRequest names the recipient in the line item's description, so
// that the payment page says who a gift is for.
func (h StartUpgradeHandler) checkoutRequest(up *domain.Upgrade, purchaser *domain.User, recipientName string) CheckoutRequest {
	c := h.config
	id := up.ID()
	if up.IsCodes() {
		return CheckoutRequest{
			UpgradeID: id, PurchaserID: up.PurchaserID(), UpgradeType: up.Type(), Quantity: up.Quantity(),
			ProductName: up.Type().Grants().Title() + " upgrade code",
			Description: fmt.Sprintf("Upgrade #%d: %d %s codes to give away", id, up.Quantity(), up.Type().Grants().Title()),
			Price:       up.Price(), CustomerEmail: purchaser.Email(),
			SuccessURL:     fmt.Sprintf("%s/user_upgrades/%d?session_id={CHECKOUT_SESSION_ID}", c.BaseURL, id),
			CancelURL:      c.BaseURL + "/upgrade_codes",
			ExpiresAt:      h.clock.Now().Add(c.CheckoutTTL),
			Installation:   c.Installation,
			IdempotencyKey: IdempotencyKey(c.Installation, id), AllowPromotionCodes: c.AllowPromotionCodes,
		}
	}
	return CheckoutRequest{
		UpgradeID:           id,
		PurchaserID:         up.PurchaserID(),
		RecipientID:         up.RecipientID(),
		UpgradeType:         up.Type(),
		ProductName:         up.Type().Title() + " upgrade",
		Description:         describe(up, purchaser, recipientName),
		Price:               up.Price(),
		CustomerEmail:       purchaser.Email(),
		SuccessURL:          fmt.Sprintf("%s/user_upgrades/%d?session_id={CHECKOUT_SESSION_ID}", c.BaseURL, id),
		CancelURL:           fmt.Sprintf("%s/user_upgrades/new?user_id=%d&cancelled=%d", c.BaseURL, up.RecipientID(), id),
		ExpiresAt:           h.clock.Now().Add(c.CheckoutTTL),
		Installation:        c.Installation,
		IdempotencyKey:      IdempotencyKey(c.Installation, id),
		AllowPromotionCodes: c.AllowPromotionCodes,
	}
}

// IdempotencyKey is the key of an upgrade's checkout at the payment
// provider; its refund's key adds ":refund". The installation keeps a
// reset database from reusing the keys of the one before (SPEC §3).
func IdempotencyKey(installation string, id domain.UpgradeID) string {
	return installation + ":" + ClientReference(id)
}

// ClientReference is the reference an upgrade carries at the payment
// provider (client_reference_id).
func ClientReference(id domain.UpgradeID) string {
	return fmt.Sprintf("user_upgrade_%d", id)
}

func describe(up *domain.Upgrade, purchaser *domain.User, recipientName string) string {
	d := fmt.Sprintf("Upgrade #%d: %s for %s", up.ID(), up.Type().Grants().Title(), recipientName)
	if up.IsGifted() {
		d += ", a gift from " + purchaser.Name()
	}
	return d
}
