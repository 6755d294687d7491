package http

import (
	"github.com/gin-gonic/gin"

	"upgrades/application"
	"upgrades/domain"
)

const viewerKey = "upgrades.viewer"

// byCookieKey marks a viewer who came with a session cookie (not HTTP
// Basic): the one whose cookie is started again after a password change.
const byCookieKey = "upgrades.by_cookie"

// unreadKey holds a browser viewer's unread messages, counted with the
// read of the viewer, for the navigation.
const unreadKey = "upgrades.unread"

// authenticate finds out who is asking: an API client by HTTP Basic
// name:api_key, else a browser by its session cookie. Wrong API
// credentials are refused at once; a bad, expired or ended cookie just
// means nobody is logged in. A banned user is refused (403) whichever they
// send. Either way it costs one read of the user.
func (h *handlers) authenticate(c *gin.Context) {
	ctx := c.Request.Context()
	if name, key, ok := c.Request.BasicAuth(); ok {
		u, err := h.app.AuthenticateAPIKey.Handle(ctx, application.AuthenticateAPIKey{Name: name, Key: key})
		if err != nil {
			h.fail(c, err)
			return
		}
		c.Set(viewerKey, u)
		c.Next()
		return
	}
	if s, ok := h.sessions.read(c.Request); ok {
		su, err := h.app.CurrentUser.Handle(ctx, application.CurrentUser{ID: s.user, Generation: s.generation})
		switch {
		case domain.IsKind(err, domain.KindUnauthenticated):
			h.sessions.end(c.Writer)
		case err != nil:
			h.fail(c, err)
			return
		default:
			c.Set(viewerKey, su.User)
			c.Set(byCookieKey, true)
			c.Set(unreadKey, su.Unread)
		}
	}
	c.Next()
}

// viewerOf is the logged-in user, or nil.
func viewerOf(c *gin.Context) *domain.User {
	v, _ := c.Get(viewerKey)
	u, _ := v.(*domain.User)
	return u
}

// unreadOf is the number of the viewer's unread messages.
func unreadOf(c *gin.Context) int { return c.GetInt(unreadKey) }

// viewerID is the logged-in user's id, or 0; the use cases answer
// "unauthenticated" where a login is needed.
func viewerID(c *gin.Context) domain.UserID {
	if u := viewerOf(c); u != nil {
		return u.ID()
	}
	return 0
}
