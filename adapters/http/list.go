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
	Filter   application.UpgradeFilter
	Types    []domain.UpgradeType
	Statuses []domain.Status
	pageLinks
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
		pageLinks: linksOf("/user_upgrades", listSearch(cmd.Filter), list),
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

// pageLinks are the links of a list's page to the pages beside it.
type pageLinks struct{ PrevURL, NextURL string }

// linksOf links list's page at path to the pages beside it, keeping the
// search (its empty fields left out) and the page size.
func linksOf[T any](path string, search map[string]string, list application.Paged[T]) pageLinks {
	link := func(p application.Page) string {
		if p.IsZero() {
			return ""
		}
		q := searchQuery(search)
		q.Set("page", p.String())
		if list.Limit != application.DefaultPageSize {
			q.Set("limit", strconv.Itoa(list.Limit))
		}
		return path + "?" + q.Encode()
	}
	return pageLinks{PrevURL: link(list.Prev), NextURL: link(list.Next)}
}

// searchQuery is the query string of a search's non-empty fields.
func searchQuery(search map[string]string) url.Values {
	q := url.Values{}
	for name, v := range search {
		if v != "" {
			q.Set(name, v)
		}
	}
	return q
}

// listSearch is the upgrades list's search, by parameter.
func listSearch(f application.UpgradeFilter) map[string]string {
	return map[string]string{
		searchRecipient: f.RecipientName, searchPurchaser: f.PurchaserName,
		searchType: f.Type, searchStatus: f.Status, searchGifted: f.IsGifted,
	}
}

// exportURL downloads every upgrade of a search as CSV.
func exportURL(f application.UpgradeFilter) string {
	if q := searchQuery(listSearch(f)).Encode(); q != "" {
		return "/user_upgrades.csv?" + q
	}
	return "/user_upgrades.csv"
}
