package http

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"upgrades/domain"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed assets
var assetFiles embed.FS

// views holds every page, each parsed once at start with the layout.
type views struct {
	pages map[string]*template.Template
}

var templateFuncs = template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2 Jan 2006, 15:04 UTC")
	},
	"subjectURL":   subjectURL,
	"anomalyTitle": anomalyTitle,
	"iso":          func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"statusLabel":  statusLabel,
	"money":        FormatMoney,
	"minor":        formatMinor,
	"upper":        strings.ToUpper,
	"linkUpgrades": linkUpgrades,
	"mentions":     mentions,
}

// upgradeMention is how messages name an upgrade: "upgrade #12".
var upgradeMention = regexp.MustCompile(`(?i)\bupgrade #([0-9]+)`)

// linkUpgrades escapes a message and links the upgrades it mentions to
// their pages.
func linkUpgrades(body string) template.HTML {
	escaped := template.HTMLEscapeString(body)
	return template.HTML(upgradeMention.ReplaceAllString(escaped, `<a href="/user_upgrades/$1">$0</a>`))
}

// mentions reports whether a message's body already names upgrade id (and
// so links to it), so that the page adds no second link.
func mentions(body string, id domain.UpgradeID) bool {
	for _, m := range upgradeMention.FindAllStringSubmatch(body, -1) {
		if m[1] == fmt.Sprint(id) {
			return true
		}
	}
	return false
}

// statusLabel says an upgrade's status in words a buyer understands.
func statusLabel(s domain.Status) string {
	switch s {
	case domain.StatusPending:
		return "Awaiting payment"
	case domain.StatusProcessing:
		return "Payment settling"
	case domain.StatusComplete:
		return "Complete"
	case domain.StatusFailed:
		return "Payment failed"
	case domain.StatusExpired:
		return "Expired unpaid"
	case domain.StatusRefunded:
		return "Refunded"
	}
	return s.String()
}

func parseViews() (*views, error) {
	layout, err := template.New("layout.html").Funcs(templateFuncs).ParseFS(templateFiles, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	files, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	v := &views{pages: map[string]*template.Template{}}
	for _, f := range files {
		name := path.Base(f)
		if name == "layout.html" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(templateFiles, f)
		if err != nil {
			return nil, err
		}
		v.pages[name] = t
	}
	return v, nil
}

// pageData is what the layout needs, around the page's own Data.
type pageData struct {
	Title     string
	Viewer    *domain.User
	RequestID string
	// Nav names the navigation entry of this page, marked as the current
	// one; set from the route.
	Nav string
	// Scripts are files under /assets the page loads (deferred); every
	// page works without them.
	Scripts []string
	Data    any
	// Sale is the running sale, for the banner; zero when none runs or
	// this browser dismissed it.
	Sale domain.Sale
	// Here is the page's own path, for forms that come back to it.
	Here string
	// Unread is how many messages the viewer has not seen.
	Unread int
}

// page renders a page into memory first, so that a template error becomes
// a clean 500 instead of half a page.
func (h *handlers) page(c *gin.Context, status int, name, title string, data any) {
	h.pageWith(c, status, name, pageData{Title: title, Data: data})
}

func (h *handlers) pageWith(c *gin.Context, status int, name string, pd pageData) {
	pd.Viewer, pd.RequestID = viewerOf(c), requestIDOf(c)
	pd.Sale, pd.Here = h.saleBanner(c), c.Request.URL.RequestURI()
	if pd.Nav == "" {
		pd.Nav = navOf(c.FullPath(), c.Param("id"), pd.Viewer)
	}
	if pd.Nav != "messages" {
		// The messages page has just marked them read.
		pd.Unread = unreadOf(c)
	}
	var buf bytes.Buffer
	t, ok := h.views.pages[name]
	err := fmt.Errorf("no template %s", name)
	if ok {
		err = t.ExecuteTemplate(&buf, "layout.html", pd)
	}
	if err != nil {
		h.log.ErrorContext(c.Request.Context(), "rendering a page", "page", name, "err", err)
		c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte(internalMessage+"\n"))
		return
	}
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// navOf is the navigation entry a route belongs to, if any.
func navOf(route, id string, viewer *domain.User) string {
	switch route {
	case "/user_upgrades/new", "/upgrade":
		return "buy"
	case "/user_upgrades":
		return "list"
	case "/messages":
		return "messages"
	case "/upgrade_codes", "/upgrade_codes/redeem":
		return "codes"
	case "/sales", "/sales.csv":
		return "sales"
	case "/audit":
		return "audit"
	case "/anomalies":
		return "anomalies"
	case "/login":
		return "login"
	case "/users/new":
		return "signup"
	case "/users/:id":
		if viewer != nil && id == fmt.Sprint(viewer.ID()) {
			return "me"
		}
	}
	return ""
}
