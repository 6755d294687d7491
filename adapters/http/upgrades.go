package http

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"upgrades/application"
	"upgrades/domain"
)

// shopPage is the upgrade page: prices, what each level gives, and a
// button per type, disabled with the reason when it cannot be bought.
type shopPage struct {
	application.UpgradeOptionsView
	Offers  []shopOffer
	Name    string // what was typed in the recipient form
	Problem string
}

type shopOffer struct {
	application.Offer
	Benefit string
}

// benefits says, for people, what each upgrade gives.
var benefits = map[domain.UpgradeType]string{
	domain.UpgradeGold:           "Gold membership: the Gold badge and everything members have, for good.",
	domain.UpgradePlatinum:       "Straight to Platinum, the highest level on sale: the Platinum badge and every Gold benefit.",
	domain.UpgradeGoldToPlatinum: "For Gold members: the step up to Platinum, for the difference in price.",
}

type shopJSON struct {
	Recipient  *userJSON   `json:"recipient"`
	IsGift     bool        `json:"is_gift"`
	Enabled    bool        `json:"enabled"`
	Currency   string      `json:"currency"`
	Currencies []string    `json:"currencies"`
	Offers     []offerJSON `json:"offers"`
}

// currencyChoice reads the currency fields with the proxy's country header.
func (h *handlers) currencyChoice(c *gin.Context, currency, country string) (domain.CurrencyChoice, error) {
	header := ""
	if h.cfg.CountryHeader != "" {
		header = c.GetHeader(h.cfg.CountryHeader)
	}
	return currencyChoice(currency, country, header)
}

func (h *handlers) newUpgrade(c *gin.Context) {
	cmd := application.UpgradeOptions{ViewerID: viewerID(c), RecipientName: c.Query("name")}
	var err error
	if cmd.Currency, err = h.currencyChoice(c, c.Query("currency"), c.Query("country")); err != nil {
		h.fail(c, err)
		return
	}
	if s := c.Query("user_id"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			h.fail(c, domain.Errorf(domain.KindMalformed, "user_id must be a positive number"))
			return
		}
		cmd.RecipientID = domain.UserID(id)
	}
	ctx := c.Request.Context()
	v, err := h.app.UpgradeOptions.Handle(ctx, cmd)
	status, data := http.StatusOK, shopPage{Name: cmd.RecipientName}
	if err != nil && domain.IsKind(err, domain.KindNotFound) && cmd.RecipientName != "" && !wantsJSON(c) {
		// A mistyped name: say so beside the form rather than on an
		// error page, and show the viewer's own options meanwhile.
		status, data.Problem = http.StatusNotFound, domain.MessageOf(err)
		v, err = h.app.UpgradeOptions.Handle(ctx, application.UpgradeOptions{ViewerID: cmd.ViewerID, Currency: cmd.Currency})
	}
	if err != nil {
		h.fail(c, err)
		return
	}
	if wantsJSON(c) {
		c.JSON(http.StatusOK, shopJSON{Recipient: userOut(v.Recipient, false), IsGift: v.IsGift, Enabled: v.Enabled,
			Currency: v.Currency, Currencies: v.Currencies, Offers: offersOut(v.Offers)})
		return
	}
	data.UpgradeOptionsView = v
	for _, o := range v.Offers {
		data.Offers = append(data.Offers, shopOffer{Offer: o, Benefit: benefits[o.Type]})
	}
	title := "Upgrade your account"
	switch {
	case v.IsGift:
		title = "Give " + v.Recipient.Name() + " an upgrade"
	case v.Viewer == nil:
		title = "Upgrades"
	}
	h.page(c, status, "new_upgrade.html", title, data)
}

func (h *handlers) createUpgrade(c *gin.Context) {
	in, err := readInput(c)
	if err != nil {
		h.fail(c, err)
		return
	}
	// Only these fields are read: an amount or a price sent along is
	// ignored, the server's prices are the only ones.
	cmd := application.StartUpgrade{
		PurchaserID:   viewerID(c),
		RecipientID:   domain.UserID(in.id("user_id")),
		RecipientName: in.get("name"),
		Type:          in.get("upgrade_type"),
	}
	currency, country := in.get("currency"), in.get("country")
	if err := in.check(); err != nil {
		h.fail(c, err)
		return
	}
	if cmd.Currency, err = h.currencyChoice(c, currency, country); err != nil {
		h.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	started, err := h.app.StartUpgrade.Handle(ctx, cmd)
	if err != nil {
		h.fail(c, err)
		return
	}
	if !wantsJSON(c) {
		c.Redirect(http.StatusSeeOther, started.Upgrade.CheckoutURL())
		return
	}
	v, err := h.app.ShowUpgrade.Handle(ctx, application.ShowUpgrade{ViewerID: cmd.PurchaserID, UpgradeID: started.Upgrade.ID()})
	if err != nil {
		h.fail(c, err)
		return
	}
	status := http.StatusCreated
	if started.Reused {
		status = http.StatusOK
	}
	c.Header("Location", upgradePath(started.Upgrade.ID()))
	c.JSON(status, upgradeOut(v, viewerID(c)))
}

// statusPage is the status and receipt page of one upgrade.
type statusPage struct {
	application.UpgradeView
	Story       story
	IsPurchaser bool
	IsOwner     bool // owners open the payment in Stripe's dashboard
}

func (h *handlers) showUpgrade(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		h.fail(c, notFound("no such upgrade"))
		return
	}
	// Coming back from the checkout page (session_id set), the upgrade is
	// checked with the payment provider in case the webhook is late.
	sessionID := c.Query("session_id")
	v, err := h.app.ShowUpgrade.Handle(c.Request.Context(), application.ShowUpgrade{
		ViewerID: viewerID(c), UpgradeID: domain.UpgradeID(id), Refresh: sessionID != "",
	})
	if err != nil {
		h.fail(c, err)
		return
	}
	if wantsJSON(c) {
		c.JSON(http.StatusOK, upgradeOut(v, viewerID(c)))
		return
	}
	viewer := viewerOf(c)
	pd := pageData{
		Title: fmt.Sprintf("Upgrade #%d", id),
		Data:  statusPage{UpgradeView: v, Story: tell(v, viewer), IsPurchaser: viewer.ID() == v.Upgrade.PurchaserID(), IsOwner: viewer.IsOwner()},
	}
	if st := v.Upgrade.Status(); st.IsOpen() {
		// The page reloads until the payment is decided. While pending it
		// keeps asking the provider (the buyer has just paid); once
		// processing, settling takes days and the webhook will tell.
		pd.RefreshSeconds, pd.RefreshURL = 3, upgradePath(v.Upgrade.ID())
		if st == domain.StatusPending && sessionID != "" {
			pd.RefreshURL += "?session_id=" + url.QueryEscape(sessionID)
		}
	}
	h.pageWith(c, http.StatusOK, "upgrade.html", pd)
}

func (h *handlers) refund(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		h.fail(c, notFound("no such upgrade"))
		return
	}
	ctx := c.Request.Context()
	if _, err := h.app.Refund.Handle(ctx, application.RefundUpgrade{ActorID: viewerID(c), UpgradeID: domain.UpgradeID(id)}); err != nil {
		h.fail(c, err)
		return
	}
	if !wantsJSON(c) {
		c.Redirect(http.StatusSeeOther, upgradePath(domain.UpgradeID(id)))
		return
	}
	v, err := h.app.ShowUpgrade.Handle(ctx, application.ShowUpgrade{ViewerID: viewerID(c), UpgradeID: domain.UpgradeID(id)})
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, upgradeOut(v, viewerID(c)))
}

func upgradePath(id domain.UpgradeID) string { return fmt.Sprintf("/user_upgrades/%d", id) }

// linkHandler finds a page of the payment provider about an upgrade.
type linkHandler interface {
	Handle(context.Context, application.PaymentLink) (string, error)
}

// paymentLink sends the viewer to the provider's page that the use case
// finds: the receipt or the dashboard's payment.
func (h *handlers) paymentLink(of func(*application.App) linkHandler) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			h.fail(c, notFound("no such upgrade"))
			return
		}
		url, err := of(h.app).Handle(c.Request.Context(), application.PaymentLink{ViewerID: viewerID(c), UpgradeID: domain.UpgradeID(id)})
		if err != nil {
			h.fail(c, err)
			return
		}
		c.Redirect(http.StatusSeeOther, url)
	}
}
