package http

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"upgrades/application"
	"upgrades/domain"
)

// shopPage is the upgrade page: prices, what each level gives, and a
// button per type, or what to do instead when it cannot be bought.
type shopPage struct {
	application.UpgradeOptionsView
	Offers []shopOffer
	// GiftMode: the viewer is choosing a gift, even while the name they
	// typed matches nobody (NameProblem says so at the field).
	GiftMode    bool
	Name        string // what was typed in the recipient form
	NameProblem string
	// AtTop: the viewer is buying for themself and nothing is left to buy.
	AtTop bool
	// Cancelled is the upgrade whose checkout the buyer just left.
	Cancelled *domain.Upgrade
	Content   Content
	// Prices are what each level of the comparison costs, in its order:
	// the price of the upgrade that grants it, "Free" for members.
	Prices  []string
	NoteMax int // the longest gift note
	// YourLevel names the viewer's level, marked in the comparison when
	// they buy for themself.
	YourLevel string
	// Buyable: at least one offer can be bought now (the gift's note is
	// asked for only then).
	Buyable bool
	Here    string // this page's address, to come back to after logging in
}

type shopOffer struct {
	application.Offer
	Heading string
	Benefit string
	Reason  string // what to do instead, when it cannot be bought
}

type shopJSON struct {
	Recipient  *userJSON   `json:"recipient"`
	IsGift     bool        `json:"is_gift"`
	Enabled    bool        `json:"enabled"`
	Currency   string      `json:"currency"`
	Currencies []string    `json:"currencies"`
	Offers     []offerJSON `json:"offers"`
	Comparison struct {
		Levels []string         `json:"levels"`
		Prices []string         `json:"prices"`
		Rows   []comparisonJSON `json:"rows"`
	} `json:"comparison"`
	FAQ []questionJSON `json:"faq"`
}

type comparisonJSON struct {
	Benefit string   `json:"benefit"`
	Values  []string `json:"values"`
}

type questionJSON struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
}

// content sets the page's content in JSON, with the levels' prices.
func (out *shopJSON) content(c Content, prices []string) {
	out.Comparison.Prices = prices
	for _, l := range c.Comparison.Levels {
		out.Comparison.Levels = append(out.Comparison.Levels, l.String())
	}
	for _, r := range c.Comparison.Rows {
		out.Comparison.Rows = append(out.Comparison.Rows, comparisonJSON{r.Benefit, r.Values})
	}
	for _, q := range c.FAQ {
		out.FAQ = append(out.FAQ, questionJSON{q.Question, q.Answer})
	}
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
	cmd := application.UpgradeOptions{ViewerID: viewerID(c), RecipientName: strings.TrimSpace(c.Query("name"))}
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
	status, data := http.StatusOK, shopPage{Name: cmd.RecipientName, Here: c.Request.URL.RequestURI()}
	if err != nil && domain.IsKind(err, domain.KindNotFound) && cmd.RecipientName != "" && !wantsJSON(c) && cmd.ViewerID != 0 {
		// A mistyped name: stay in gift mode with the error at the field,
		// and offer nothing until a recipient is found.
		status, data.NameProblem = http.StatusNotFound, fmt.Sprintf("Nobody is called %q. Check the spelling and try again.", cmd.RecipientName)
		v, err = h.app.UpgradeOptions.Handle(ctx, application.UpgradeOptions{ViewerID: cmd.ViewerID, Currency: cmd.Currency})
		v.Recipient, v.IsGift = nil, false
	}
	if err != nil {
		h.fail(c, err)
		return
	}
	if wantsJSON(c) {
		out := shopJSON{Recipient: userOut(v.Recipient, false), IsGift: v.IsGift, Enabled: v.Enabled,
			Currency: v.Currency, Currencies: v.Currencies, Offers: offersOut(v.Offers)}
		out.content(h.content, levelPrices(h.content.Comparison.Levels, v.Offers))
		c.JSON(http.StatusOK, out)
		return
	}
	data.UpgradeOptionsView, data.Content, data.NoteMax = v, h.content, domain.GiftNoteMax
	data.Prices = levelPrices(h.content.Comparison.Levels, v.Offers)
	data.GiftMode = v.IsGift || data.NameProblem != ""
	if v.Viewer != nil && !data.GiftMode {
		data.YourLevel = v.Viewer.Level().String()
	}
	data.AtTop = !data.GiftMode && v.Viewer != nil && v.Viewer.Level().AtLeast(domain.LevelPlatinum)
	for _, o := range v.Offers {
		if !offered(v.Recipient, o.Type) {
			continue
		}
		so := shopOffer{Offer: o, Heading: o.Type.Title(), Benefit: h.content.Offers[o.Type]}
		if v.Recipient != nil && o.Type == domain.UpgradeGoldToPlatinum {
			// A Gold recipient sees Platinum, at the price of the step.
			so.Heading, so.Benefit = domain.UpgradePlatinum.Title(), stepBenefit(v, so.Benefit)
		}
		switch {
		case data.NameProblem != "":
			so.Refusal, so.Reason = "no recipient", "Choose who gets it first."
		case o.Refusal != "" && v.Viewer != nil:
			so.Reason = offerReason(v, o)
		}
		data.Offers = append(data.Offers, so)
		data.Buyable = data.Buyable || so.Refusal == ""
	}
	if id, err := strconv.ParseInt(c.Query("cancelled"), 10, 64); err == nil && id > 0 && v.Viewer != nil {
		data.Cancelled = h.cancelledUpgrade(c, domain.UpgradeID(id))
	}
	title := "Upgrade your account"
	switch {
	case v.IsGift:
		title = "Give " + v.Recipient.Name() + " an upgrade"
	case data.GiftMode:
		title = "Give someone an upgrade"
	case data.AtTop:
		title = "You're at the top"
	case v.Viewer == nil:
		title = "Upgrades"
	}
	pd := pageData{Title: title, Data: data}
	if v.IsGift {
		pd.Scripts = []string{"counter.js"}
	}
	h.pageWith(c, status, "new_upgrade.html", pd)
}

// levelPrices is, for each level of the comparison, what it costs from a
// member's account (the upgrade that grants it straight), in the page's
// currency; "Free" for members and below, empty for levels not on sale.
func levelPrices(levels []domain.Level, offers []application.Offer) []string {
	out := make([]string, len(levels))
	for i, l := range levels {
		if !l.AtLeast(domain.LevelGold) {
			out[i] = "Free"
			continue
		}
		for _, o := range offers {
			if o.Type.AllowedFor(domain.LevelMember) && o.Type.Grants() == l {
				out[i] = FormatMoney(o.Price)
			}
		}
	}
	return out
}

// offered reports whether the page shows a type to a recipient: the types
// their level allows (below Gold, Gold and Platinum; at Gold, only the
// step, shown as one Platinum card at its price; at the top, nothing),
// rather than cards that could never be bought. Nobody logged in sees
// every type.
func offered(recipient *domain.User, t domain.UpgradeType) bool {
	return recipient == nil || t.AllowedFor(recipient.Level())
}

// stepBenefit says what the step from Gold to Platinum gives, to the
// viewer or about the gift's recipient.
func stepBenefit(v application.UpgradeOptionsView, gives string) string {
	if v.IsGift {
		return v.Recipient.Name() + " is Gold: " + gives
	}
	return "You're Gold: get " + gives
}

// cancelledUpgrade is the viewer's upgrade whose checkout they have just
// left, for the page to say nothing was charged; nil when it is not
// theirs or was paid after all. Reading it changes nothing.
func (h *handlers) cancelledUpgrade(c *gin.Context, id domain.UpgradeID) *domain.Upgrade {
	v, err := h.app.ShowUpgrade.Handle(c.Request.Context(), application.ShowUpgrade{ViewerID: viewerID(c), UpgradeID: id})
	if err != nil || v.Upgrade.PurchaserID() != viewerID(c) {
		return nil
	}
	if st := v.Upgrade.Status(); st != domain.StatusPending && st != domain.StatusExpired {
		return nil
	}
	return v.Upgrade
}

// offerReason says why an offer cannot be bought, to the viewer, and what
// they can do instead.
func offerReason(v application.UpgradeOptionsView, o application.Offer) string {
	r := v.Recipient
	you, is := "you", "You're"
	if v.IsGift && r != nil {
		you, is = r.Name(), r.Name()+" is"
	}
	switch {
	case !v.Enabled:
		return "Not on sale right now. Please come back later."
	case v.Viewer.IsBanned():
		return "Your account cannot buy upgrades."
	case r == nil:
		return ""
	case r.IsBanned():
		return r.Name() + "'s account cannot receive upgrades."
	case r.Level().AtLeast(domain.LevelPlatinum):
		return is + " already " + r.Level().Title() + ": nothing higher is on sale."
	case r.Level() == domain.LevelGold && o.Type == domain.UpgradePlatinum:
		return is + " Gold: Gold to Platinum gets " + you + " there for the difference."
	case r.Level() == domain.LevelGold:
		return is + " Gold already."
	case o.Type == domain.UpgradeGoldToPlatinum:
		return "Only for Gold members: Platinum gets " + you + " there directly."
	}
	return o.Refusal + "."
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
		GiftNote:      in.get("gift_note"),
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
	h.startPurchase(c, cmd)
}

// startPurchase starts an upgrade or a purchase of codes and answers with
// its checkout: the page to pay on, or the purchase in JSON.
func (h *handlers) startPurchase(c *gin.Context, cmd application.StartUpgrade) {
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
	// PollURL is set while the upgrade is open: the page's script asks it
	// for news, and reloads PageURL's parts when the status changes.
	PollURL, PageURL string
	PollFor          int // seconds
	Now              time.Time
	// Refunded is set right after an owner's refund, to confirm it.
	Refunded bool
	Reverted string
	IsOwner  bool // owners open the payment in Stripe's dashboard
}

// pollFor is how long the status page keeps asking for news by itself.
const pollFor = 10 * time.Minute

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
		ViewerID: viewerID(c), UpgradeID: domain.UpgradeID(id), Refresh: sessionID != "", SessionID: sessionID,
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
	u := v.Upgrade
	data := statusPage{
		UpgradeView: v, Story: tell(v, viewer), IsPurchaser: viewer.ID() == u.PurchaserID(), IsOwner: viewer.IsOwner(),
		PageURL: upgradePath(u.ID()), PollFor: int(pollFor / time.Second), Now: h.sessions.now(),
		Refunded: c.Query("refunded") == "1" && u.Status() == domain.StatusRefunded,
	}
	if data.Refunded {
		data.Reverted = levelChange(v, true)
	}
	pd := pageData{Title: fmt.Sprintf("Upgrade #%d", id), Data: &data}
	if st := u.Status(); st.IsOpen() {
		// A script polls for news until the payment is decided. While
		// pending it keeps asking the provider (the buyer has just paid);
		// once processing, settling takes days and the webhook will tell.
		data.PollURL = upgradePath(u.ID()) + ".json"
		if st == domain.StatusPending && sessionID != "" {
			data.PollURL += "?session_id=" + url.QueryEscape(sessionID)
		}
		pd.Scripts = []string{"status.js"}
	}
	h.pageWith(c, http.StatusOK, "upgrade.html", pd)
}

// levelChange says what a refund does to the recipient's level, before
// (done false) or after it.
func levelChange(v application.UpgradeView, done bool) string {
	u := v.Upgrade
	if u.IsCodes() {
		if done {
			return "Its codes are void; whoever redeemed one is back to their level before, unless it had changed since."
		}
		return "Its codes become void; whoever redeemed one goes back to their level before, unless it has changed since."
	}
	before, granted := u.LevelBefore(), u.Type().Grants()
	if before.IsZero() || before == granted {
		if done {
			return fmt.Sprintf("%s keeps their level.", v.RecipientName)
		}
		return fmt.Sprintf("%s keeps their level: this upgrade did not change it.", v.RecipientName)
	}
	if done {
		return fmt.Sprintf("%s is back to %s, unless their level had changed since the upgrade.", v.RecipientName, before.Title())
	}
	return fmt.Sprintf("%s goes back from %s to %s, unless their level has changed since the upgrade.", v.RecipientName, granted.Title(), before.Title())
}

// refundPage asks an owner to confirm a refund, naming the amount, who
// gets it back and what happens to the recipient's level.
func (h *handlers) refundPage(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		h.fail(c, notFound("no such upgrade"))
		return
	}
	v, err := h.app.ShowUpgrade.Handle(c.Request.Context(), application.ShowUpgrade{ViewerID: viewerID(c), UpgradeID: domain.UpgradeID(id)})
	if err != nil {
		h.fail(c, err)
		return
	}
	if !v.CanRefund {
		if !viewerOf(c).IsOwner() {
			h.fail(c, domain.Errorf(domain.KindForbidden, "only the shop's owners can refund upgrades"))
			return
		}
		h.fail(c, domain.Errorf(domain.KindInvalid, "upgrade #%d is %s: only a complete upgrade can be refunded", id, strings.ToLower(statusLabel(v.Upgrade.Status()))))
		return
	}
	if wantsJSON(c) {
		c.JSON(http.StatusOK, formJSON{Action: upgradePath(v.Upgrade.ID()) + "/refund", Method: "POST", Fields: []string{"reason"}})
		return
	}
	data := struct {
		application.UpgradeView
		LevelChange string
	}{v, levelChange(v, false)}
	h.page(c, http.StatusOK, "refund.html", fmt.Sprintf("Refund upgrade #%d?", id), data)
}

func (h *handlers) refund(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		h.fail(c, notFound("no such upgrade"))
		return
	}
	in, err := readOptionalInput(c)
	if err != nil {
		h.fail(c, err)
		return
	}
	cmd := application.RefundUpgrade{By: application.Actor{ID: viewerID(c)}, UpgradeID: domain.UpgradeID(id), Reason: in.get("reason")}
	if err := in.check(); err != nil {
		h.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	if _, err := h.app.Refund.Handle(ctx, cmd); err != nil {
		h.fail(c, err)
		return
	}
	if !wantsJSON(c) {
		c.Redirect(http.StatusSeeOther, upgradePath(domain.UpgradeID(id))+"?refunded=1")
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
