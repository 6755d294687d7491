package http

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"upgrades/domain"
)

// sessions writes and reads the session cookie: the user id, the
// generation of that user's sessions and when it was issued, signed with
// HMAC-SHA256. The server checks the generation against the user's row,
// which every logged-in request reads anyway: raising it (logout, a
// password change, a ban, `upgrades users revoke`) ends every session of
// the user at no extra cost per request, where a table of sessions would
// cost a lookup, and a write to expire or touch it. A cookie is good for
// ttl after it was issued, whatever expiry a browser is told.
type sessions struct {
	key    []byte
	ttl    time.Duration
	secure bool
	now    func() time.Time
}

// session is what a valid cookie says.
type session struct {
	user       domain.UserID
	generation int64
}

// clockSkew is how far in the future a cookie may say it was issued: the
// replicas' clocks differ a little.
const clockSkew = time.Minute

// cookieName uses the __Host- prefix under https: the browser then only
// accepts the cookie from this host, over TLS, for the whole site.
func (s sessions) cookieName() string {
	if s.secure {
		return "__Host-upgrades_session"
	}
	return "upgrades_session"
}

func (s sessions) sign(payload string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("session\x00" + payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// encode makes the cookie value "<user id>.<generation>.<issued unix>.<signature>".
func (s sessions) encode(v session, issued time.Time) string {
	payload := strconv.FormatInt(int64(v.user), 10) + "." + strconv.FormatInt(v.generation, 10) + "." +
		strconv.FormatInt(issued.Unix(), 10)
	return payload + "." + s.sign(payload)
}

// decode returns the session of a well-signed value issued less than ttl
// ago: the lifetime is the server's, not what the cookie claims.
func (s sessions) decode(v string) (session, bool) {
	i := strings.LastIndexByte(v, '.')
	if i < 0 {
		return session{}, false
	}
	payload, sig := v[:i], v[i+1:]
	if !hmac.Equal([]byte(sig), []byte(s.sign(payload))) {
		return session{}, false
	}
	parts := strings.Split(payload, ".")
	if len(parts) != 3 {
		return session{}, false
	}
	id, err1 := strconv.ParseInt(parts[0], 10, 64)
	gen, err2 := strconv.ParseInt(parts[1], 10, 64)
	issuedUnix, err3 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || id <= 0 {
		return session{}, false
	}
	now, issued := s.now(), time.Unix(issuedUnix, 0)
	if issued.After(now.Add(clockSkew)) || !now.Before(issued.Add(s.ttl)) {
		return session{}, false
	}
	return session{domain.UserID(id), gen}, true
}

// read returns the session of the request's cookie.
func (s sessions) read(r *http.Request) (session, bool) {
	c, err := r.Cookie(s.cookieName())
	if err != nil {
		return session{}, false
	}
	return s.decode(c.Value)
}

// start logs the user in, in their current session generation.
func (s sessions) start(w http.ResponseWriter, u *domain.User) {
	now := s.now()
	v := session{u.ID(), u.SessionGeneration()}
	http.SetCookie(w, s.cookie(s.encode(v, now), now.Add(s.ttl), int(s.ttl/time.Second)))
}

// end clears the cookie in the browser.
func (s sessions) end(w http.ResponseWriter) {
	http.SetCookie(w, s.cookie("", time.Unix(0, 0), -1))
}

func (s sessions) cookie(value string, expires time.Time, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: s.cookieName(), Value: value, Path: "/", Expires: expires, MaxAge: maxAge,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode,
	}
}
