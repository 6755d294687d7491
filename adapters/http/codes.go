package http

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"upgrades/application"
	"upgrades/domain"
)

// The codes list's filters (SPEC §9), as named in the query string.
const (
	searchCodeStatus   = "search[status]"
	searchCodeType     = "search[upgrade_type]"
	searchCodeBuyer    = "search[buyer_name]"
	searchCodeRedeemer = "search[redeemer_name]"
)

var codeFilters = []string{searchCodeStatus, searchCodeType, searchCodeBuyer, searchCodeRedeemer}

// codeJSON is a code as SPEC §9 shows it.
type codeJSON struct {
	Code         string  `json:"code"`
	UpgradeType  string  `json:"upgrade_type"`
	Status       string  `json:"status"`
	UpgradeID    *int64  `json:"upgrade_id"`
	BuyerID      int64   `json:"buyer_id"`
	RedeemerID   *int64  `json:"redeemer_id"`
	RedeemedAt   *string `json:"redeemed_at"`
	CreatedAt    string  `json:"created_at"`
	BuyerName    string  `json:"buyer_name,omitempty"`
	RedeemerName string  `json:"redeemer_name,omitempty"`
}

func codeOut(c *domain.Code) codeJSON {
	out := codeJSON{
		Code: c.Value().Display(), UpgradeType: c.Type().String(), Status: c.Status().String(),
		BuyerID: int64(c.BuyerID()), CreatedAt: rfc3339(c.CreatedAt()),
	}
	if id := int64(c.UpgradeID()); id != 0 {
		out.UpgradeID = &id
	}
	if id := int64(c.RedeemerID()); id != 0 {
		at := rfc3339(c.RedeemedAt())
		out.RedeemerID, out.RedeemedAt = &id, &at
	}
	return out
}

// codeListJSON is a page of codes in JSON, paged as every list.
type codeListJSON struct {
	UpgradeCodes []codeJSON `json:"upgrade_codes"`
	pageJSON
}

// codesPage is one page of codes, with the owners' filters and mint form.
type codesPage struct {
	application.CodeList
	Filter   application.CodeFilter
	Types    []domain.UpgradeType
	Statuses []string
	Print    bool // the printable view: the codes alone
	pageLinks
}

func (h *handlers) listCodes(c *gin.Context) {
	if err := unknownSearch(c.Request.URL.Query(), codeFilters); err != nil {
		h.fail(c, err)
		return
	}
	cmd := application.ListCodes{
		ViewerID: viewerID(c),
		Filter: application.CodeFilter{
			Status: c.Query(searchCodeStatus), Type: c.Query(searchCodeType),
			BuyerName: c.Query(searchCodeBuyer), RedeemerName: c.Query(searchCodeRedeemer),
		},
	}
	cmd.Page = c.Query("page")
	var err error
	if cmd.Limit, err = queryInt(c, "limit"); err != nil {
		h.fail(c, err)
		return
	}
	list, err := h.app.ListCodes.Handle(c.Request.Context(), cmd)
	if err != nil {
		h.fail(c, err)
		return
	}
	if wantsJSON(c) {
		out := make([]codeJSON, len(list.Items))
		for i, r := range list.Items {
			out[i] = codeOut(r.Code)
			out[i].BuyerName, out[i].RedeemerName = r.BuyerName, r.RedeemerName
		}
		c.JSON(http.StatusOK, codeListJSON{UpgradeCodes: out, pageJSON: pageOut(list.Paged)})
		return
	}
	data := codesPage{CodeList: list, Filter: cmd.Filter, Types: []domain.UpgradeType{domain.UpgradeGold, domain.UpgradePlatinum},
		Statuses: []string{domain.CodeUnused.String(), domain.CodeRedeemed.String(), domain.CodeVoid.String()}, Print: c.Query("view") == "print",
		pageLinks: linksOf("/upgrade_codes", map[string]string{
			searchCodeStatus: cmd.Filter.Status, searchCodeType: cmd.Filter.Type, searchCodeBuyer: cmd.Filter.BuyerName, searchCodeRedeemer: cmd.Filter.RedeemerName,
		}, list.Paged)}
	pd := pageData{Title: "Upgrade codes", Data: data, Scripts: []string{"codes.js"}}
	h.pageWith(c, http.StatusOK, "codes.html", pd)
}

// redeemForm is the redeem page: the code as typed and why it was refused.
type redeemForm struct {
	Code    string
	Problem string
}

func (h *handlers) redeemPage(c *gin.Context) {
	if wantsJSON(c) {
		c.JSON(http.StatusOK, formJSON{Action: "/upgrade_codes/redeem", Method: "POST", Fields: []string{"code"}})
		return
	}
	if viewerID(c) == 0 {
		h.fail(c, domain.Errorf(domain.KindUnauthenticated, "log in to redeem a code"))
		return
	}
	h.page(c, http.StatusOK, "redeem.html", "Redeem a code", redeemForm{Code: c.Query("code")})
}

func (h *handlers) redeemCode(c *gin.Context) {
	in, err := readInput(c)
	if err != nil {
		h.fail(c, err)
		return
	}
	cmd := application.RedeemCode{RedeemerID: viewerID(c), Code: in.get("code"), Network: application.ClientNetwork(c.ClientIP())}
	if err := in.check(); err != nil {
		h.fail(c, err)
		return
	}
	got, err := h.app.RedeemCode.Handle(c.Request.Context(), cmd)
	if err != nil {
		if p := problemOf(err); p.kind == domain.KindInvalid && !wantsJSON(c) {
			h.logProblem(c, p, err)
			h.page(c, p.Status, "redeem.html", "Redeem a code", redeemForm{Code: cmd.Code, Problem: sentence(p.Message)})
			return
		}
		h.fail(c, err)
		return
	}
	if wantsJSON(c) {
		c.JSON(http.StatusOK, gin.H{"upgrade_code": codeOut(got.Code), "level": got.Level.String(), "giver": got.Giver})
		return
	}
	// The profile names the level and the giver, read again from the
	// code, so that a link cannot make it say anything else.
	c.Redirect(http.StatusSeeOther, profilePath(viewerID(c))+"?redeemed="+got.Code.Value().String())
}

// redeemedNotice is what the profile says after a redemption: the level
// and who gave the code, from the viewer's own redeemed code; "" when the
// code is not one the viewer redeemed.
func (h *handlers) redeemedNotice(c *gin.Context, code string) string {
	v, err := domain.ParseCode(code)
	viewer := viewerOf(c)
	if err != nil || viewer == nil {
		return ""
	}
	list, err := h.app.ListCodes.Handle(c.Request.Context(), application.ListCodes{
		ViewerID: viewer.ID(), Filter: application.CodeFilter{Status: "redeemed", RedeemerName: viewer.Name()}, Limit: application.MaxPageSize,
	})
	if err != nil {
		return ""
	}
	for _, r := range list.Items {
		if r.Code.Value() == v {
			giver := r.BuyerName
			if r.Code.Minted() {
				giver = application.SiteGiver
			}
			return "You are now " + r.Code.Grants().Title() + ", with a code from " + giver + "."
		}
	}
	return ""
}

func (h *handlers) mintCodes(c *gin.Context) {
	in, err := readInput(c)
	if err != nil {
		h.fail(c, err)
		return
	}
	cmd := application.MintCodes{OwnerID: viewerID(c), Type: in.get("upgrade_type"), Note: in.get("note")}
	quantity := in.get("quantity")
	if err := in.check(); err != nil {
		h.fail(c, err)
		return
	}
	if cmd.Quantity, err = strconv.Atoi(quantity); err != nil {
		h.fail(c, domain.Errorf(domain.KindInvalid, "quantity must be between 1 and %d", domain.MaxCodesMinted))
		return
	}
	codes, err := h.app.MintCodes.Handle(c.Request.Context(), cmd)
	if err != nil {
		h.fail(c, err)
		return
	}
	if wantsJSON(c) {
		out := make([]codeJSON, len(codes))
		for i, code := range codes {
			out[i] = codeOut(code)
		}
		c.JSON(http.StatusCreated, gin.H{"upgrade_codes": out})
		return
	}
	c.Redirect(http.StatusSeeOther, "/upgrade_codes?"+url.Values{searchCodeStatus: {"unused"}, searchCodeType: {cmd.Type}}.Encode())
}

// buyCodes starts a purchase of codes: JSON 201 with the purchase and its
// checkout_url (200 for a double click's same checkout), HTML 303 to the
// checkout.
func (h *handlers) buyCodes(c *gin.Context) {
	in, err := readInput(c)
	if err != nil {
		h.fail(c, err)
		return
	}
	cmd := application.StartUpgrade{PurchaserID: viewerID(c), Type: in.get("upgrade_type")}
	quantity, currency, country := in.get("quantity"), in.get("currency"), in.get("country")
	if err := in.check(); err != nil {
		h.fail(c, err)
		return
	}
	if cmd.Quantity, err = strconv.Atoi(quantity); err != nil || cmd.Quantity == 0 {
		h.fail(c, domain.Errorf(domain.KindInvalid, "quantity must be between 1 and %d", domain.MaxCodesBought))
		return
	}
	if cmd.Currency, err = h.currencyChoice(c, currency, country); err != nil {
		h.fail(c, err)
		return
	}
	h.startPurchase(c, cmd)
}
