package http

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"upgrades/application"
	"upgrades/domain"
)

// The list's filters, as named in the query string.
const (
	searchRecipient = "search[recipient_name]"
	searchPurchaser = "search[purchaser_name]"
	searchType      = "search[upgrade_type]"
	searchStatus    = "search[status]"
	searchGifted    = "search[is_gifted]"
)

// listPage is one page of the upgrades list with its search form.
type listPage struct {
	application.UpgradeList
	Filter       application.UpgradeFilter
	Types        []domain.UpgradeType
	Statuses     []domain.Status
	PrevURL      string
	NextURL      string
	SeesEveryone bool
	Filtered     bool // a filter is set: the filters stay open
	CanBuy       bool // the viewer may buy upgrades: the empty list says how
}

// listFilters are the list's filters; any other search[…] is refused, so
// that a script with a misspelt filter is not answered with everything.
var listFilters = []string{searchRecipient, searchPurchaser, searchType, searchStatus, searchGifted}

func (h *handlers) listUpgrades(c *gin.Context) {
	if err := unknownFilter(c.Request.URL.Query(), listFilters); err != nil {
		h.fail(c, err)
		return
	}
	cmd := application.ListUpgrades{
		ViewerID: viewerID(c),
		Filter: application.UpgradeFilter{
			RecipientName: c.Query(searchRecipient), PurchaserName: c.Query(searchPurchaser),
			Type: c.Query(searchType), Status: c.Query(searchStatus), IsGifted: c.Query(searchGifted),
		},
	}
	var err error
	if cmd.Page, err = queryInt(c, "page"); err == nil {
		cmd.Limit, err = queryInt(c, "limit")
	}
	if err != nil {
		h.fail(c, err)
		return
	}
	list, err := h.app.ListUpgrades.Handle(c.Request.Context(), cmd)
	if err != nil {
		h.fail(c, err)
		return
	}
	if wantsJSON(c) {
		out := upgradeListJSON{UserUpgrades: make([]upgradeJSON, len(list.Items)), Page: list.Page, Limit: list.Limit, HasMore: list.HasMore}
		for i, v := range list.Items {
			out.UserUpgrades[i] = upgradeOut(v, viewerID(c))
		}
		c.JSON(http.StatusOK, out)
		return
	}
	data := listPage{
		UpgradeList: list, Filter: cmd.Filter, Types: domain.UpgradeTypes, Statuses: domain.Statuses,
		SeesEveryone: viewerOf(c).IsAdmin(), Filtered: cmd.Filter != (application.UpgradeFilter{}),
		CanBuy: !viewerOf(c).IsBanned(),
	}
	if list.Page > 1 {
		data.PrevURL = listURL(cmd.Filter, list.Page-1, list.Limit)
	}
	if list.HasMore {
		data.NextURL = listURL(cmd.Filter, list.Page+1, list.Limit)
	}
	title := "Your upgrades"
	if data.SeesEveryone {
		title = "All upgrades"
	}
	h.page(c, http.StatusOK, "upgrades.html", title, data)
}

// unknownFilter names the first search parameter that is not one of filters.
func unknownFilter(q url.Values, filters []string) error {
	var unknown []string
	for k := range q {
		if strings.HasPrefix(k, "search") && !slices.Contains(filters, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	return domain.Errorf(domain.KindInvalid, "unknown filter %s; the filters are %s", unknown[0], strings.Join(filters, ", "))
}

// queryInt reads a number from the query string; absent is 0, the
// default.
func queryInt(c *gin.Context, name string) (int, error) {
	s := c.Query(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, domain.Errorf(domain.KindMalformed, "%s must be a number", name)
	}
	return n, nil
}

// listURL links to another page of the same search.
func listURL(f application.UpgradeFilter, page, limit int) string {
	q := url.Values{}
	for name, v := range map[string]string{
		searchRecipient: f.RecipientName, searchPurchaser: f.PurchaserName,
		searchType: f.Type, searchStatus: f.Status, searchGifted: f.IsGifted,
	} {
		if v != "" {
			q.Set(name, v)
		}
	}
	q.Set("page", strconv.Itoa(page))
	if limit != application.DefaultPageSize {
		q.Set("limit", strconv.Itoa(limit))
	}
	return "/user_upgrades?" + q.Encode()
}
