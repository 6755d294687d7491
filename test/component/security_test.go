package component

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"upgrades/domain"
)

func TestCrossOriginPostsAreRefusedButNotTheWebhook(t *testing.T) {
	e := start(t, nil)
	alice := e.user("alice", domain.LevelMember)
	b := e.loggedIn(alice)
	evil := http.Header{"Origin": {"https://evil.example"}, "Sec-Fetch-Site": {"cross-site"}, "Content-Type": {"application/x-www-form-urlencoded"}}
	body := func() *strings.Reader { return strings.NewReader("upgrade_type=gold") }

	b.do("POST", "/user_upgrades", body(), evil).status(http.StatusForbidden).contains("<html", "Not allowed")
	b.do("POST", "/user_upgrades.json", body(), evil).apiError(http.StatusForbidden, "forbidden")
	b.do("POST", "/session", strings.NewReader("name=alice&password=password-alice"), evil).status(http.StatusForbidden)
	b.do("POST", "/session/destroy", nil, evil).status(http.StatusForbidden)
	// An old browser that only sends Origin is refused too.
	old := e.loggedIn(alice)
	old.header = nil
	old.do("POST", "/user_upgrades.json", body(), http.Header{"Origin": {"https://evil.example"}, "Content-Type": {"application/x-www-form-urlencoded"}}).
		apiError(http.StatusForbidden, "forbidden")
	// Reading is allowed; nothing was bought.
	var list struct {
		UserUpgrades []upgrade `json:"user_upgrades"`
	}
	b.do("GET", "/user_upgrades.json", nil, evil).status(http.StatusOK).decode(&list)
	if len(list.UserUpgrades) != 0 {
		t.Fatalf("a cross-origin post bought %+v", list.UserUpgrades)
	}
	// Stripe's webhook is a server-to-server call: judged by its signature.
	b.do("POST", "/webhooks/receive", strings.NewReader(`{}`), http.Header{"Origin": {"https://evil.example"}, "Sec-Fetch-Site": {"cross-site"}, "Stripe-Signature": {"t=1,v1=forged"}}).
		apiError(http.StatusBadRequest, "invalid")
	// Same-origin posts work.
	b.form("POST", "/user_upgrades", url.Values{"upgrade_type": {"gold"}}).status(http.StatusSeeOther)
}

func TestUserInputIsEscaped(t *testing.T) {
	e := start(t, nil)
	alice := e.user("alice", domain.LevelMember)
	const evil = `<script>alert(1)</script>`
	const escaped = `&lt;script&gt;alert(1)&lt;/script&gt;`
	b := e.loggedIn(alice)

	e.browser().form("POST", "/users", url.Values{"name": {evil}, "password": {"long enough"}, "email": {"x@example.com"}}).
		status(http.StatusUnprocessableEntity).contains(escaped).lacks(evil)
	e.browser().form("POST", "/session", url.Values{"name": {evil}, "password": {"long enough"}}).
		status(http.StatusUnauthorized).contains(escaped).lacks(evil)
	b.get("/user_upgrades/new?name=" + url.QueryEscape(evil)).status(http.StatusNotFound).contains(escaped).lacks(evil)
	b.get("/user_upgrades?search[recipient_name]=" + url.QueryEscape(evil)).status(http.StatusOK).contains(escaped).lacks(evil)
	b.form("POST", "/user_upgrades", url.Values{"upgrade_type": {evil}}).status(http.StatusUnprocessableEntity).contains(escaped).lacks(evil)
	// JSON is escaped for HTML too, in case it is ever shown as a page.
	e.api(alice).json("POST", "/user_upgrades.json", map[string]any{"upgrade_type": evil}).apiError(http.StatusUnprocessableEntity, "invalid").lacks(evil)
}

func TestSecurityHeadersAndRequestIDs(t *testing.T) {
	e := start(t, nil)
	b := e.browser()
	for _, path := range []string{"/user_upgrades/new", "/user_upgrades/new.json", "/nope", "/healthz"} {
		r := b.get(path)
		for name, want := range map[string]string{
			"Content-Security-Policy": "default-src 'self'",
			"X-Content-Type-Options":  "nosniff",
			"X-Frame-Options":         "DENY",
			"Referrer-Policy":         "same-origin",
		} {
			if got := r.Header.Get(name); !strings.Contains(got, want) {
				t.Errorf("%s: %s = %q, want %q", path, name, got, want)
			}
		}
		if r.Header.Get("X-Request-Id") == "" {
			t.Errorf("%s: no request id", path)
		}
	}
	r1, r2 := b.get("/healthz"), b.get("/healthz")
	if r1.Header.Get("X-Request-Id") == r2.Header.Get("X-Request-Id") {
		t.Error("two requests got the same generated id")
	}
	if got := b.do("GET", "/healthz", nil, http.Header{"X-Request-Id": {"trace-123"}}).Header.Get("X-Request-Id"); got != "trace-123" {
		t.Errorf("request id %q, want the caller's", got)
	}
	if got := b.do("GET", "/healthz", nil, http.Header{"X-Request-Id": {"bad id\"}"}}).Header.Get("X-Request-Id"); got == "" || strings.Contains(got, " ") {
		t.Errorf("a malformed caller id was kept: %q", got)
	}
	if !strings.Contains(e.logs.String(), `"request_id":"trace-123"`) {
		t.Error("the access log lacks the request id")
	}
	// The page works without scripts and on a phone.
	b.get("/user_upgrades/new").contains(`name="viewport"`, `href="/assets/style.css"`).lacks("<script", "style=")
}

func TestAPIKeys(t *testing.T) {
	e := start(t, nil)
	alice := e.user("alice", domain.LevelMember)
	e.api(alice).get("/user_upgrades.json").status(http.StatusOK)
	// The key is shown when it is made, never again: only its digest is kept.
	e.api(alice).get(fmt.Sprintf("/users/%d.json", alice.ID)).status(http.StatusOK).lacks(alice.Key, `"api_key"`)
	e.api(alice).buy("gold", 0)

	for _, who := range []account{{Name: "alice", Key: "wrong"}, {Name: "nobody", Key: alice.Key}, {Name: "alice", Key: ""}} {
		e.api(who).get("/user_upgrades.json").apiError(http.StatusUnauthorized, "unauthenticated")
	}
	// Wrong credentials are refused even where no login is needed.
	e.api(account{Name: "alice", Key: "wrong"}).get("/user_upgrades/new.json").apiError(http.StatusUnauthorized, "unauthenticated")
}

func TestSessionCookies(t *testing.T) {
	e := start(t, nil)
	alice := e.user("alice", domain.LevelMember)
	b := e.loggedIn(alice)
	b.get("/messages").status(http.StatusOK)

	u, _ := url.Parse(e.base)
	cookies := b.hc.Jar.Cookies(u)
	if len(cookies) != 1 {
		t.Fatalf("cookies %v", cookies)
	}
	tampered := e.browser()
	for _, v := range []string{
		strings.Replace(cookies[0].Value, fmt.Sprint(alice.ID), "99", 1),
		cookies[0].Value + "x",
		"1.99999999999.forged",
	} {
		r := tampered.do("GET", "/messages.json", nil, http.Header{"Cookie": {cookies[0].Name + "=" + v}})
		r.apiError(http.StatusUnauthorized, "unauthenticated")
	}
}

func TestSecureCookiesUnderHTTPS(t *testing.T) {
	e := start(t, map[string]string{"BASE_URL": "https://shop.example"})
	alice := e.user("alice", domain.LevelMember)
	r := e.browser().form("POST", "/session", url.Values{"name": {"alice"}, "password": {alice.Password}}).status(http.StatusSeeOther)
	c := r.Header.Get("Set-Cookie")
	for _, attr := range []string{"__Host-", "Secure", "HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(c, attr) {
			t.Errorf("cookie %q lacks %s", c, attr)
		}
	}
	if r.Header.Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS under https")
	}
}

func TestTrustedProxies(t *testing.T) {
	forwarded := http.Header{"X-Forwarded-For": {"203.0.113.9"}}

	e := start(t, nil)
	e.browser().do("GET", "/healthz", nil, forwarded).status(http.StatusOK)
	if logs := e.logs.String(); strings.Contains(logs, "203.0.113.9") || !strings.Contains(logs, `"client_ip":"127.0.0.1"`) {
		t.Errorf("X-Forwarded-For believed from an untrusted peer:\n%s", logs)
	}

	e = start(t, map[string]string{"TRUSTED_PROXIES": "127.0.0.1"})
	e.browser().do("GET", "/healthz", nil, forwarded).status(http.StatusOK)
	if logs := e.logs.String(); !strings.Contains(logs, `"client_ip":"203.0.113.9"`) {
		t.Errorf("X-Forwarded-For ignored from a trusted proxy:\n%s", logs)
	}
}
