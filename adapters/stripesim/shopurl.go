package stripesim

import (
	"errors"
	"net"
	"net/url"
	"strings"
)

// shopURL is where the shop lives: a Checkout Session may send the buyer
// back only to a page under it, so that the simulation's pay page cannot be
// used to send people anywhere else (an open redirect with the simulated
// Stripe's name on it).
type shopURL struct {
	scheme, host, port string
	path               string // without a trailing slash; "" for the root
}

func parseShopURL(raw string) (shopURL, error) {
	if err := absoluteURL(raw); err != nil {
		return shopURL{}, err
	}
	u, _ := url.Parse(raw)
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" || !plainPath(u) {
		return shopURL{}, errors.New("must be a plain http(s) URL: no user, query, fragment, or dot segments")
	}
	return shopURL{scheme: u.Scheme, host: strings.ToLower(u.Hostname()), port: port(u),
		path: strings.TrimRight(u.Path, "/")}, nil
}

// contains says whether raw is a page of the shop: the same scheme, host
// and port, and a path at or under the shop's. Anything a browser could
// read differently from Go's parser is refused rather than interpreted:
// backslashes (browsers read them as slashes), user info (the '@' trick),
// control characters and spaces, encoded slashes, dots and percents, dot
// segments
// and empty segments ("//" starts another host in a relative reference).
func (s shopURL) contains(raw string) bool {
	if strings.ContainsAny(raw, "\\ ") || strings.ContainsFunc(raw, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return false
	}
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || u.User != nil || u.Scheme != s.scheme ||
		strings.ToLower(u.Hostname()) != s.host || port(u) != s.port || !plainPath(u) {
		return false
	}
	return u.Path == s.path || u.Path == s.path+"/" || strings.HasPrefix(u.Path, s.path+"/")
}

// plainPath is a path whose meaning cannot change when a server or a
// browser normalises it.
func plainPath(u *url.URL) bool {
	escaped := strings.ToLower(u.EscapedPath())
	// %25 too: a server that decodes twice would find the others in it.
	if strings.Contains(escaped, "%2f") || strings.Contains(escaped, "%5c") || strings.Contains(escaped, "%2e") || strings.Contains(escaped, "%25") {
		return false
	}
	if u.Path == "" {
		return true
	}
	if !strings.HasPrefix(u.Path, "/") {
		return false
	}
	for i, seg := range strings.Split(u.Path[1:], "/") {
		last := i == strings.Count(u.Path, "/")-1
		if seg == "." || seg == ".." || (seg == "" && !last) {
			return false
		}
	}
	return true
}

// port is the URL's port, or its scheme's default.
func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "https" {
		return "443"
	}
	return "80"
}

// origin is scheme://host[:port] as a browser writes it, for the pages'
// Content-Security-Policy.
func (s shopURL) origin() string {
	host := s.host
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if (s.scheme == "https" && s.port == "443") || (s.scheme == "http" && s.port == "80") {
		return s.scheme + "://" + host
	}
	return s.scheme + "://" + net.JoinHostPort(s.host, s.port)
}
