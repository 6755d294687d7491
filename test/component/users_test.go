package component

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"upgrades/domain"
)

func TestRootRedirectsToTheShop(t *testing.T) {
	e := start(t, nil)
	e.browser().get("/").status(http.StatusSeeOther).location("/user_upgrades/new")
}

func TestSignUpInHTMLLogsInAndShowsTheProfile(t *testing.T) {
	e := start(t, nil)
	b := e.browser()
	b.get("/users/new").status(http.StatusOK).contains(`action="/users"`, `name="password"`, `name="email"`)

	r := b.form("POST", "/users", url.Values{"name": {"newbie"}, "password": {"long enough"}, "email": {"newbie@example.com"}})
	r.status(http.StatusSeeOther)
	loc := r.Header.Get("Location")
	if !strings.HasPrefix(loc, "/users/") {
		t.Fatalf("signed up to %q, want the profile", loc)
	}
	cookie := r.Header.Get("Set-Cookie")
	for _, attr := range []string{"HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(cookie, attr) {
			t.Errorf("session cookie %q lacks %s", cookie, attr)
		}
	}
	if strings.Contains(cookie, "Secure") {
		t.Errorf("session cookie %q is Secure under http", cookie)
	}
	b.get(loc).status(http.StatusOK).contains("newbie", "Your API key", "Member").contains(`href="/user_upgrades/new">Upgrade</a>`)
}

func TestSignUpInJSONReturnsTheUserWithItsKey(t *testing.T) {
	e := start(t, nil)
	b := e.browser()
	var form struct {
		Action string   `json:"action"`
		Fields []string `json:"fields"`
	}
	b.get("/users/new.json").status(http.StatusOK).decode(&form)
	if form.Action != "/users" || len(form.Fields) != 3 {
		t.Errorf("sign-up form %+v", form)
	}
	u := b.json("POST", "/users.json", map[string]any{"name": "apiuser", "password": "long enough", "email": "a@example.com", "level": "owner"}).
		status(http.StatusCreated).object()
	if u["name"] != "apiuser" || u["level"] != "member" || u["is_banned"] != false || u["api_key"] == "" || u["id"] == nil {
		t.Errorf("signed-up user %v", u)
	}
	if _, err := timeOf(u["created_at"]); err != nil {
		t.Errorf("created_at: %v", err)
	}
	// The new key works at once.
	api := e.api(account{Name: "apiuser", Key: u["api_key"].(string)})
	api.get("/messages.json").status(http.StatusOK)
}

func TestSignUpRefusalsShowTheFormAgain(t *testing.T) {
	e := start(t, nil)
	e.user("taken", domain.LevelMember)
	b := e.browser()
	b.form("POST", "/users", url.Values{"name": {"Taken"}, "password": {"long enough"}}).
		status(http.StatusConflict).contains("taken", `action="/users"`, `value="Taken"`)
	b.form("POST", "/users", url.Values{"name": {"x"}, "password": {"long enough"}}).
		status(http.StatusUnprocessableEntity).contains("name must be 2 to 32")
	b.json("POST", "/users.json", map[string]any{"name": "shorty", "password": "short"}).apiError(http.StatusUnprocessableEntity, "invalid")
	b.json("POST", "/users.json", map[string]any{"name": "TAKEN", "password": "long enough"}).apiError(http.StatusConflict, "conflict")
}

func TestLoginAndLogout(t *testing.T) {
	e := start(t, nil)
	alice := e.user("alice", domain.LevelMember)
	b := e.browser()
	b.get("/login").status(http.StatusOK).contains(`action="/session"`)
	b.get("/login?next=/messages").status(http.StatusOK).contains(`name="next" value="/messages"`)
	b.get("/login.json").status(http.StatusOK).contains(`"action":"/session"`)

	b.form("POST", "/session", url.Values{"name": {"alice"}, "password": {"wrong password"}}).
		status(http.StatusUnauthorized).contains("wrong name or password", `value="alice"`)
	b.get("/messages").status(http.StatusUnauthorized)

	b.form("POST", "/session", url.Values{"name": {"alice"}, "password": {alice.Password}}).
		status(http.StatusSeeOther).location(fmt.Sprintf("/users/%d", alice.ID))
	b.get("/messages").status(http.StatusOK).contains("alice", "Log out")

	b.form("POST", "/session/destroy", nil).status(http.StatusSeeOther).location("/login")
	b.get("/messages").status(http.StatusUnauthorized)

	// next brings the person back, but never to another site.
	b.form("POST", "/session", url.Values{"name": {"alice"}, "password": {alice.Password}, "next": {"/user_upgrades"}}).
		status(http.StatusSeeOther).location("/user_upgrades")
	b.form("POST", "/session", url.Values{"name": {"alice"}, "password": {alice.Password}, "next": {"//evil.example/x"}}).
		status(http.StatusSeeOther).location(fmt.Sprintf("/users/%d", alice.ID))
}

func TestLoginInJSON(t *testing.T) {
	e := start(t, nil)
	alice := e.user("alice", domain.LevelMember)
	b := e.browser()
	b.json("POST", "/session.json", map[string]any{"name": "alice", "password": "nope nope"}).apiError(http.StatusUnauthorized, "unauthenticated")
	u := b.json("POST", "/session.json", map[string]any{"name": "alice", "password": alice.Password}).status(http.StatusOK).object()
	if _, ok := u["api_key"]; ok || u["name"] != "alice" {
		t.Errorf("login answered %v; the key is shown only when it is made", u)
	}
	b.get("/messages.json").status(http.StatusOK)
	b.json("POST", "/session/destroy.json", nil).status(http.StatusOK).contains(`"logged_out":true`)
	b.get("/messages.json").apiError(http.StatusUnauthorized, "unauthenticated")
}

func TestProfileShowsTheKeyOnlyToItsOwnerAndOffersGifts(t *testing.T) {
	e := start(t, nil)
	alice := e.user("alice", domain.LevelMember)
	bob := e.user("bob", domain.LevelMember)
	plato := e.user("plato", domain.LevelPlatinum)
	b := e.loggedIn(alice)

	b.get(fmt.Sprintf("/users/%d", alice.ID)).status(http.StatusOK).lacks(alice.Key).
		contains("Upgrade</a>", fmt.Sprintf(`action="/users/%d/api_key"`, alice.ID), fmt.Sprintf(`action="/users/%d/password"`, alice.ID))
	b.get(fmt.Sprintf("/users/%d", bob.ID)).status(http.StatusOK).lacks(bob.Key, alice.Key+"<").
		contains(fmt.Sprintf(`href="/user_upgrades/new?user_id=%d">Gift upgrade</a>`, bob.ID))
	b.get(fmt.Sprintf("/users/%d", plato.ID)).status(http.StatusOK).contains("Platinum").lacks("Gift upgrade")
	e.browser().get(fmt.Sprintf("/users/%d", bob.ID)).status(http.StatusOK).lacks(bob.Key, "Gift upgrade").contains("Log in</a> to give bob")

	own := b.get(fmt.Sprintf("/users/%d.json", alice.ID)).status(http.StatusOK).object()
	if _, shown := own["api_key"]; shown || own["email"] != "alice@example.com" || own["level"] != "member" || own["name"] != "alice" {
		t.Errorf("own profile %v", own)
	}
	other := b.get(fmt.Sprintf("/users/%d.json", bob.ID)).status(http.StatusOK).object()
	if _, ok := other["api_key"]; ok {
		t.Errorf("someone else's profile shows the key: %v", other)
	}
	if offers, _ := other["offers"].([]any); len(offers) != 3 {
		t.Errorf("profile offers %v", other["offers"])
	}
	b.get("/users/9999.json").apiError(http.StatusNotFound, "not_found")
	b.get("/users/abc").status(http.StatusNotFound)
}

func TestMessagesListTheUsersOwn(t *testing.T) {
	e := start(t, nil)
	alice := e.user("alice", domain.LevelMember)
	bob := e.user("bob", domain.LevelMember)
	gift := e.api(alice).buy("gold", bob.ID)
	e.pay(gift.ID)

	e.loggedIn(bob).get("/messages").status(http.StatusOK).contains("You have been upgraded to Gold! It is a gift from alice.")
	var out struct {
		Messages []struct {
			ID        int64  `json:"id"`
			Body      string `json:"body"`
			CreatedAt string `json:"created_at"`
		} `json:"messages"`
	}
	e.api(alice).get("/messages.json").status(http.StatusOK).decode(&out)
	if len(out.Messages) != 1 || out.Messages[0].Body != "bob has been upgraded to Gold! It was your gift: thank you." {
		t.Fatalf("alice's messages %+v", out.Messages)
	}
	e.browser().get("/messages.json").apiError(http.StatusUnauthorized, "unauthenticated")
}

func TestHealth(t *testing.T) {
	e := start(t, nil)
	b := e.browser()
	b.get("/healthz").status(http.StatusOK).contains(`"ok"`)
	b.get("/readyz").status(http.StatusOK).contains(`"ready"`)
	e.db.SetDown(true)
	b.get("/readyz").apiError(http.StatusServiceUnavailable, "unavailable")
	b.get("/healthz").status(http.StatusOK)
}

func TestAssetsAndUnknownPages(t *testing.T) {
	e := start(t, nil)
	b := e.browser()
	r := b.get("/assets/style.css").status(http.StatusOK)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("stylesheet served as %q", ct)
	}
	b.get("/assets/nothing.css").status(http.StatusNotFound)
	b.get("/no/such/page").status(http.StatusNotFound).contains("<html")
	b.get("/no/such/page.json").apiError(http.StatusNotFound, "not_found")
}

func TestLoginThrottle(t *testing.T) {
	e := start(t, nil)
	alice := e.user("alice", domain.LevelMember)
	b := e.browser()
	for range 5 {
		b.json("POST", "/session.json", map[string]any{"name": "alice", "password": "a guess"}).apiError(http.StatusUnauthorized, "unauthenticated")
	}
	r := b.json("POST", "/session.json", map[string]any{"name": "alice", "password": alice.Password}).
		apiError(http.StatusTooManyRequests, "too_many_requests")
	if got := r.Header.Get("Retry-After"); got != "60" {
		t.Fatalf("Retry-After %q, want 60", got)
	}
	b.form("POST", "/session", url.Values{"name": {"alice"}, "password": {alice.Password}}).
		status(http.StatusTooManyRequests).contains("Too many attempts", "try again in")
	if c := r.Header.Get("Set-Cookie"); c != "" {
		t.Fatalf("a throttled login set a cookie: %s", c)
	}

	// X-Forwarded-For from a peer that is not a trusted proxy is not
	// believed: a guesser cannot pose as a new network with each try.
	for i := range 15 {
		b.do("POST", "/session.json", strings.NewReader(fmt.Sprintf(`{"name":"nobody%d","password":"a guess"}`, i)), http.Header{
			"Content-Type": {"application/json"}, "X-Forwarded-For": {fmt.Sprintf("203.0.113.%d", i)},
		})
	}
	b.do("POST", "/session.json", strings.NewReader(`{"name":"bob","password":"a guess"}`), http.Header{
		"Content-Type": {"application/json"}, "X-Forwarded-For": {"198.51.100.99"},
	}).apiError(http.StatusTooManyRequests, "too_many_requests").contains("from your network")
	// API clients authenticate with keys, which cannot be guessed: they
	// are not held up by the address's failed logins.
	e.api(alice).get("/user_upgrades.json").status(http.StatusOK)
}
