package http

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"upgrades/domain"
)

// saleDismissed is the cookie that hides the sale banner: it holds the
// end of the sale dismissed, so a new sale shows its banner again.
const saleDismissed = "sale_dismissed"

// saleBanner is the running sale unless this browser dismissed it.
func (h *handlers) saleBanner(c *gin.Context) domain.Sale {
	if h.app == nil {
		return domain.Sale{}
	}
	s := h.app.CurrentSale.Handle()
	if s.IsZero() {
		return s
	}
	if v, err := c.Cookie(saleDismissed); err == nil && v == strconv.FormatInt(s.Ends().Unix(), 10) {
		return domain.Sale{}
	}
	return s
}

// dismissSale hides the banner of the running sale in this browser until
// it ends, and goes back to the page it was dismissed on.
func (h *handlers) dismissSale(c *gin.Context) {
	in, err := readInput(c)
	if err != nil {
		h.fail(c, err)
		return
	}
	back := localPath(in.get("next"))
	if back == "" {
		back = "/user_upgrades/new"
	}
	if s := h.app.CurrentSale.Handle(); !s.IsZero() {
		http.SetCookie(c.Writer, &http.Cookie{
			Name: saleDismissed, Value: strconv.FormatInt(s.Ends().Unix(), 10), Path: "/",
			Expires: s.Ends(), MaxAge: int(time.Until(s.Ends())/time.Second) + 1,
			HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: h.sessions.secure,
		})
	}
	c.Redirect(http.StatusSeeOther, back)
}
