package http

import (
	"fmt"
	"net/http"
	"net/url"
	"path"
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
	cmd := application.SignUp{Name: in.get("name"), Password: in.secret("password"), Email: in.get("email"),
		Network: application.ClientNetwork(c.ClientIP())}
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
	h.sessions.start(c.Writer, u)
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
	cmd := application.Login{Name: in.get("name"), Password: in.secret("password"), Network: application.ClientNetwork(c.ClientIP())}
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
	h.sessions.start(c.Writer, u)
	if wantsJSON(c) {
		c.JSON(http.StatusOK, userOut(u, true))
		return
	}
	if next == "" {
		next = profilePath(u.ID())
	}
	c.Redirect(http.StatusSeeOther, next)
}

// logout ends every session of the user, on the server: a copy of the
// cookie is worth nothing afterwards. The browser's cookie is cleared even
// when the database cannot be reached, and the person is told.
func (h *handlers) logout(c *gin.Context) {
	h.sessions.end(c.Writer)
	if s, ok := h.sessions.read(c.Request); ok {
		if err := h.app.Logout.Handle(c.Request.Context(), application.Logout{ID: s.user, Generation: s.generation}); err != nil {
			h.fail(c, err)
			return
		}
	}
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
	// Redeemed says which level a code just gave the user, and who gave it.
	Redeemed string
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
	if p.IsSelf && c.Query("redeemed") != "" {
		data.Redeemed = h.redeemedNotice(c, c.Query("redeemed"))
	}
	for _, o := range p.Offers {
		data.CanBuy = data.CanBuy || o.Refusal == ""
	}
	h.page(c, http.StatusOK, "profile.html", p.User.Name(), data)
}

// rotateAPIKey makes the viewer a new API key and shows it, this once.
func (h *handlers) rotateAPIKey(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		h.fail(c, notFound("no such user"))
		return
	}
	ctx := c.Request.Context()
	u, err := h.app.RotateOwnAPIKey.Handle(ctx, application.RotateOwnAPIKey{ViewerID: viewerID(c), UserID: domain.UserID(id)})
	if err != nil {
		h.fail(c, err)
		return
	}
	if wantsJSON(c) {
		c.JSON(http.StatusOK, userOut(u, true))
		return
	}
	p, err := h.app.ShowUser.Handle(ctx, application.ShowUser{ViewerID: u.ID(), UserID: u.ID()})
	if err != nil {
		h.fail(c, err)
		return
	}
	p.User = u // the only copy that knows the new key
	h.page(c, http.StatusOK, "profile.html", u.Name(), profile{UserProfile: p})
}

// changePassword changes the viewer's password. Every other session ends;
// the one that asked, if it came with a cookie, is started again.
func (h *handlers) changePassword(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		h.fail(c, notFound("no such user"))
		return
	}
	in, err := readInput(c)
	if err != nil {
		h.fail(c, err)
		return
	}
	cmd := application.ChangePassword{ViewerID: viewerID(c), UserID: domain.UserID(id),
		Current: in.secret("current_password"), New: in.secret("password"), Network: application.ClientNetwork(c.ClientIP())}
	if err := in.check(); err != nil {
		h.fail(c, err)
		return
	}
	u, err := h.app.ChangePassword.Handle(c.Request.Context(), cmd)
	if err != nil {
		h.fail(c, err)
		return
	}
	if c.GetBool(byCookieKey) {
		h.sessions.start(c.Writer, u)
	}
	if wantsJSON(c) {
		c.JSON(http.StatusOK, userOut(u, true))
		return
	}
	c.Redirect(http.StatusSeeOther, profilePath(u.ID()))
}

func profilePath(id domain.UserID) string { return fmt.Sprintf("/users/%d", id) }

// pathID reads the :id of the path; anything but a positive number names
// nothing.
func pathID(c *gin.Context) (int64, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	return id, err == nil && id > 0
}

// localPath keeps a "next" address only when it stays on this site, so
// the login form cannot be used to send people elsewhere: a path from the
// root, with no "//", no backslash and no control character, in the raw
// text or decoded, checked on the path as it will be sent (cleaned, as
// http.Redirect would clean it: "/./\evil.example" becomes
// "/\evil.example", which browsers read as another host).
func localPath(next string) string {
	if !safePathText(next) {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !safePathText(u.Path) {
		return ""
	}
	clean := path.Clean(u.Path)
	if strings.HasSuffix(u.Path, "/") && clean != "/" {
		clean += "/"
	}
	if !safePathText(clean) {
		return ""
	}
	out := &url.URL{Path: clean, RawQuery: u.RawQuery, Fragment: u.Fragment}
	return out.String()
}

// safePathText reports whether s starts at the site's root and holds
// nothing a browser could read as another host.
func safePathText(s string) bool {
	if !strings.HasPrefix(s, "/") || strings.Contains(s, "//") || strings.ContainsRune(s, '\\') {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return false
		}
	}
	return true
}
