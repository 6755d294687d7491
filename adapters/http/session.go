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

// sessions writes and reads the session cookie: the user id and an expiry,
// signed with HMAC-SHA256. The server keeps no session state, so logging
// out clears the cookie and the expiry bounds how long a copied cookie
// stays good.
type sessions struct {
	key    []byte
	ttl    time.Duration
	secure bool
	now    func() time.Time
}

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

// encode makes the cookie value "<user id>.<expiry unix>.<signature>".
func (s sessions) encode(id domain.UserID, expires time.Time) string {
	payload := strconv.FormatInt(int64(id), 10) + "." + strconv.FormatInt(expires.Unix(), 10)
	return payload + "." + s.sign(payload)
}

// decode returns the user id of a well-signed, unexpired value.
func (s sessions) decode(v string) (domain.UserID, bool) {
	i := strings.LastIndexByte(v, '.')
	if i < 0 {
		return 0, false
	}
	payload, sig := v[:i], v[i+1:]
	if !hmac.Equal([]byte(sig), []byte(s.sign(payload))) {
		return 0, false
	}
	idText, expText, _ := strings.Cut(payload, ".")
	id, err1 := strconv.ParseInt(idText, 10, 64)
	exp, err2 := strconv.ParseInt(expText, 10, 64)
	if err1 != nil || err2 != nil || id <= 0 || !s.now().Before(time.Unix(exp, 0)) {
		return 0, false
	}
	return domain.UserID(id), true
}

// read returns the logged-in user id from the request's cookie.
func (s sessions) read(r *http.Request) (domain.UserID, bool) {
	c, err := r.Cookie(s.cookieName())
	if err != nil {
		return 0, false
	}
	return s.decode(c.Value)
}

// start logs the user in.
func (s sessions) start(w http.ResponseWriter, id domain.UserID) {
	exp := s.now().Add(s.ttl)
	http.SetCookie(w, s.cookie(s.encode(id, exp), exp, int(s.ttl/time.Second)))
}

// end logs out.
func (s sessions) end(w http.ResponseWriter) {
	http.SetCookie(w, s.cookie("", time.Unix(0, 0), -1))
}

func (s sessions) cookie(value string, expires time.Time, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: s.cookieName(), Value: value, Path: "/", Expires: expires, MaxAge: maxAge,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode,
	}
}
