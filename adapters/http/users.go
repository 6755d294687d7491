package http

import (
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"upgrades/application"
	"upgrades/domain"
)

// formJSON describes a form page to API clients.
type formJSON struct {
	Action string   `json:"action"`
	Method string   `json:"method"`
	Fields []string `json:"fields"`
}

// credentialsForm is what the sign-up and login pages show again after a
// refused attempt; the password is never sent back.
type credentialsForm struct {
	Name, Email, Next, Problem string
}

func (h *handlers) signupPage(c *gin.Context) {
	if wantsJSON(c) {
		c.JSON(http.StatusOK, formJSON{Action: "/users", Method: "POST", Fields: []string{"name", "password", "email"}})
		return
	}
	h.page(c, http.StatusOK, "signup.html", "Sign up", credentialsForm{Next: localPath(c.Query("next"))})
}

func (h *handlers) signup(c *gin.Context) {
	in, err := readInput(c)
	if err != nil {
		h.fail(c, err)
		return
	}
	cmd := application.SignUp{Name: in.get("name"), Password: in.secret("password"), Email: in.get("email")}
	next := localPath(in.get("next"))
	if err := in.check(); err != nil {
		h.fail(c, err)
		return
	}
	u, err := h.app.SignUp.Handle(c.Request.Context(), cmd)
	if err != nil {
		h.formFailed(c, err, "signup.html", "Sign up", credentialsForm{Name: cmd.Name, Email: cmd.Email, Next: next})
		return
	}
	h.sessions.start(c.Writer, u.ID())
	if wantsJSON(c) {
		c.JSON(http.StatusCreated, userOut(u, true))
		return
	}
	if next == "" {
		next = profilePath(u.ID())
	}
	c.Redirect(http.StatusSeeOther, next)
}

func (h *handlers) loginPage(c *gin.Context) {
	if wantsJSON(c) {
		c.JSON(http.StatusOK, formJSON{Action: "/session", Method: "POST", Fields: []string{"name", "password"}})
		return
	}
	h.page(c, http.StatusOK, "login.html", "Log in", credentialsForm{Next: localPath(c.Query("next"))})
}

// login is the one handler that checks a password over HTTP, so that
// throttling has a single place to go.
func (h *handlers) login(c *gin.Context) {
	in, err := readInput(c)
	if err != nil {
		h.fail(c, err)
		return
	}
	cmd := application.Login{Name: in.get("name"), Password: in.secret("password"), Address: throttleAddress(c.ClientIP())}
	next := localPath(in.get("next"))
	if err := in.check(); err != nil {
		h.fail(c, err)
		return
	}
	u, err := h.app.Login.Handle(c.Request.Context(), cmd)
	if err != nil {
		h.formFailed(c, err, "login.html", "Log in", credentialsForm{Name: cmd.Name, Next: next})
		return
	}
	h.sessions.start(c.Writer, u.ID())
	if wantsJSON(c) {
		c.JSON(http.StatusOK, userOut(u, true))
		return
	}
	if next == "" {
		next = profilePath(u.ID())
	}
	c.Redirect(http.StatusSeeOther, next)
}

func (h *handlers) logout(c *gin.Context) {
	h.sessions.end(c.Writer)
	if wantsJSON(c) {
		c.JSON(http.StatusOK, gin.H{"logged_out": true})
		return
	}
	c.Redirect(http.StatusSeeOther, "/login")
}

// formFailed shows a form again with what went wrong, when the person can
// fix it there; anything else is the usual error answer.
func (h *handlers) formFailed(c *gin.Context, err error, page, title string, form credentialsForm) {
	p := problemOf(err)
	switch p.kind {
	case domain.KindInvalid, domain.KindMalformed, domain.KindConflict, domain.KindUnauthenticated:
		if !wantsJSON(c) {
			form.Problem = p.Message
			h.page(c, p.Status, page, title, form)
			return
		}
	}
	h.fail(c, err)
}

// profile is a user's page: their level, what the viewer could buy them,
// and, for the user themself, their API key.
type profile struct {
	application.UserProfile
	CanBuy bool // some upgrade can be bought for this user by the viewer
}

type profileJSON struct {
	*userJSON
	Offers []offerJSON `json:"offers"`
}

func (h *handlers) profile(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		h.fail(c, notFound("no such user"))
		return
	}
	p, err := h.app.ShowUser.Handle(c.Request.Context(), application.ShowUser{ViewerID: viewerID(c), UserID: domain.UserID(id)})
	if err != nil {
		h.fail(c, err)
		return
	}
	if wantsJSON(c) {
		c.JSON(http.StatusOK, profileJSON{userJSON: userOut(p.User, p.IsSelf), Offers: offersOut(p.Offers)})
		return
	}
	data := profile{UserProfile: p}
	for _, o := range p.Offers {
		data.CanBuy = data.CanBuy || o.Refusal == ""
	}
	h.page(c, http.StatusOK, "profile.html", p.User.Name(), data)
}

func profilePath(id domain.UserID) string { return fmt.Sprintf("/users/%d", id) }

// pathID reads the :id of the path; anything but a positive number names
// nothing.
func pathID(c *gin.Context) (int64, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	return id, err == nil && id > 0
}

// localPath keeps a "next" address only when it stays on this site, so
// the login form cannot be used to send people elsewhere.
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return ""
	}
	return next
}

// throttleAddress is the part of a client's address that one person
// controls: the address itself for IPv4, its /64 network for IPv6, where
// one subscriber is handed a whole /64 to pick addresses from.
func throttleAddress(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || a.Is4() || a.Is4In6() {
		return ip
	}
	p, _ := a.Prefix(64)
	return p.String()
}
