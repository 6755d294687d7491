package application

import (
	"context"
	"strings"
	"time"

	"upgrades/domain"
)

// Offer is one upgrade type as the shop shows it to a viewer for a
// recipient: its price and, when it cannot be bought, why.
type Offer struct {
	Type    domain.UpgradeType
	Price   domain.Money // what it costs now, the sale's price during a sale
	Quote   domain.Quote // the list price and the sale beside it
	Refusal string       // empty when the viewer can buy it
}

// UpgradeOptions reads what the upgrade page shows.
type UpgradeOptions struct {
	ViewerID      domain.UserID // 0 when nobody is logged in
	RecipientID   domain.UserID // 0 with no RecipientName: the viewer
	RecipientName string
	Currency      domain.CurrencyChoice
}

// UpgradeOptionsView is the upgrade page.
type UpgradeOptionsView struct {
	Viewer     *domain.User // nil when nobody is logged in
	Recipient  *domain.User // nil when nobody is logged in and no one was named
	IsGift     bool
	Enabled    bool
	Currency   string   // the currency of the offers
	Currencies []string // every currency the buyer may switch to
	Offers     []Offer
}

type UpgradeOptionsHandler struct {
	uow    UnitOfWork
	clock  Clock
	config Config
}

func NewUpgradeOptionsHandler(uow UnitOfWork, clock Clock, config Config) UpgradeOptionsHandler {
	return UpgradeOptionsHandler{uow, clock, config}
}

func (h UpgradeOptionsHandler) Handle(ctx context.Context, cmd UpgradeOptions) (UpgradeOptionsView, error) {
	v := UpgradeOptionsView{Enabled: h.config.Enabled, Currencies: h.config.Prices.Currencies()}
	currency, err := h.config.Prices.Choose(cmd.Currency)
	if err != nil {
		return v, err
	}
	v.Currency = currency
	now := h.clock.Now()
	err = h.uow.Do(ctx, func(ctx context.Context, s Store) error {
		viewer, err := optionalUser(ctx, s, cmd.ViewerID)
		if err != nil {
			return err
		}
		recipient, err := findRecipient(ctx, s, viewer, cmd.RecipientID, cmd.RecipientName)
		if err != nil && !(domain.IsKind(err, domain.KindUnauthenticated) && viewer == nil) {
			return err
		}
		v.Viewer, v.Recipient = viewer, recipient
		v.IsGift = viewer != nil && recipient != nil && viewer.ID() != recipient.ID()
		v.Offers = offers(h.config, viewer, recipient, currency, now)
		return nil
	})
	return v, err
}

// findRecipient resolves the recipient by id, else by name, else the
// purchaser themself.
func findRecipient(ctx context.Context, s Store, purchaser *domain.User, id domain.UserID, name string) (*domain.User, error) {
	name = strings.TrimSpace(name)
	switch {
	case id != 0:
		return s.Users.ByID(ctx, id)
	case name != "":
		if domain.ValidateUserName(name) != nil {
			return nil, domain.Errorf(domain.KindNotFound, "no user is named %q", name)
		}
		return s.Users.ByName(ctx, name)
	case purchaser != nil:
		return purchaser, nil
	}
	return nil, domain.Errorf(domain.KindUnauthenticated, "log in to buy an upgrade")
}

func offers(c Config, viewer, recipient *domain.User, currency string, now time.Time) []Offer {
	out := make([]Offer, 0, len(domain.UpgradeTypes))
	for _, t := range domain.UpgradeTypes {
		q, _ := c.Prices.At(currency, t, now) // currency was chosen among the priced ones
		o := Offer{Type: t, Price: q.Price, Quote: q}
		if !c.Enabled {
			o.Refusal = "upgrades are disabled at the moment"
		} else if err := domain.UpgradeRefusal(viewer, recipient, t); err != nil {
			o.Refusal = err.Message
		}
		out = append(out, o)
	}
	return out
}
