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
	ExportURL    string
}

// listFilters are the list's filters; any other search[…] is refused, so
// that a script with a misspelt filter is not answered with everything.
var listFilters = []string{searchRecipient, searchPurchaser, searchType, searchStatus, searchGifted}

func (h *handlers) listUpgrades(c *gin.Context) {
	filter, err := listFilter(c)
	if err != nil {
		h.fail(c, err)
		return
	}
	cmd := application.ListUpgrades{ViewerID: viewerID(c), Filter: filter, Page: c.Query("page")}
	if cmd.Limit, err = queryInt(c, "limit"); err != nil {
		h.fail(c, err)
		return
	}
	list, err := h.app.ListUpgrades.Handle(c.Request.Context(), cmd)
	if err != nil {
		h.fail(c, err)
		return
	}
	if wantsJSON(c) {
		out := upgradeListJSON{UserUpgrades: make([]upgradeJSON, len(list.Items)), pageJSON: pageOut(list)}
		for i, v := range list.Items {
			out.UserUpgrades[i] = upgradeOut(v, viewerID(c))
		}
		c.JSON(http.StatusOK, out)
		return
	}
	data := listPage{
		UpgradeList: list, Filter: cmd.Filter, Types: domain.UpgradeTypes, Statuses: domain.Statuses,
		SeesEveryone: viewerOf(c).IsAdmin(), Filtered: cmd.Filter != (application.UpgradeFilter{}),
		CanBuy: !viewerOf(c).IsBanned(), ExportURL: exportURL(cmd.Filter),
	}
	if !list.Prev.IsZero() {
		data.PrevURL = listURL(cmd.Filter, list.Prev, list.Limit)
	}
	if !list.Next.IsZero() {
		data.NextURL = listURL(cmd.Filter, list.Next, list.Limit)
	}
	title := "Your upgrades"
	if data.SeesEveryone {
		title = "All upgrades"
	}
	h.page(c, http.StatusOK, "upgrades.html", title, data)
}

// listFilter reads the list's filters from the query string.
func listFilter(c *gin.Context) (application.UpgradeFilter, error) {
	if err := unknownSearch(c.Request.URL.Query(), listFilters); err != nil {
		return application.UpgradeFilter{}, err
	}
	return application.UpgradeFilter{
		RecipientName: c.Query(searchRecipient), PurchaserName: c.Query(searchPurchaser),
		Type: c.Query(searchType), Status: c.Query(searchStatus), IsGifted: c.Query(searchGifted),
	}, nil
}

// unknownSearch names the first search parameter that is not one of
// filters.
func unknownSearch(q url.Values, filters []string) error {
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
func listURL(f application.UpgradeFilter, page application.Page, limit int) string {
	q := filterQuery(f)
	q.Set("page", page.String())
	if limit != application.DefaultPageSize {
		q.Set("limit", strconv.Itoa(limit))
	}
	return "/user_upgrades?" + q.Encode()
}

// filterQuery is the query string of a search.
func filterQuery(f application.UpgradeFilter) url.Values {
	q := url.Values{}
	for name, v := range map[string]string{
		searchRecipient: f.RecipientName, searchPurchaser: f.PurchaserName,
		searchType: f.Type, searchStatus: f.Status, searchGifted: f.IsGifted,
	} {
		if v != "" {
			q.Set(name, v)
		}
	}
	return q
}

// exportURL downloads every upgrade of a search as CSV.
func exportURL(f application.UpgradeFilter) string {
	if q := filterQuery(f).Encode(); q != "" {
		return "/user_upgrades.csv?" + q
	}
	return "/user_upgrades.csv"
}
