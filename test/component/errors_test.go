package component

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"upgrades/domain"
)

func TestErrorKindsInJSON(t *testing.T) {
	e := start(t, nil)
	alice := e.user("alice", domain.LevelMember)
	e.user("plato", domain.LevelPlatinum)
	mallory := e.loggedIn(e.user("mallory", domain.LevelMember))
	e.ban("mallory")
	api := e.api(alice)

	cases := []struct {
		name   string
		do     func() *response
		status int
		code   string
	}{
		{"malformed JSON", func() *response {
			return api.do("POST", "/user_upgrades.json", strings.NewReader(`{"upgrade_type": "gold"`), jsonHeader)
		}, 400, "invalid"},
		{"a JSON array", func() *response {
			return api.do("POST", "/user_upgrades.json", strings.NewReader(`["gold"]`), jsonHeader)
		}, 400, "invalid"},
		{"two JSON objects", func() *response { return api.do("POST", "/user_upgrades.json", strings.NewReader(`{} {}`), jsonHeader) }, 400, "invalid"},
		{"an empty JSON body", func() *response { return api.do("POST", "/user_upgrades.json", nil, jsonHeader) }, 400, "invalid"},
		{"a list for a string", func() *response {
			return api.json("POST", "/user_upgrades.json", map[string]any{"upgrade_type": []string{"gold"}})
		}, 400, "invalid"},
		{"a word for an id", func() *response {
			return api.json("POST", "/user_upgrades.json", map[string]any{"upgrade_type": "gold", "user_id": "bob"})
		}, 400, "invalid"},
		{"an unknown type", func() *response {
			return api.json("POST", "/user_upgrades.json", map[string]any{"upgrade_type": "diamond"})
		}, 422, "invalid"},
		{"a type not allowed for the level", func() *response {
			return api.json("POST", "/user_upgrades.json", map[string]any{"upgrade_type": "gold", "name": "plato"})
		}, 422, "invalid"},
		{"a banned recipient", func() *response {
			return api.json("POST", "/user_upgrades.json", map[string]any{"upgrade_type": "gold", "name": "mallory"})
		}, 422, "invalid"},
		{"nobody logged in", func() *response {
			return e.browser().json("POST", "/user_upgrades.json", map[string]any{"upgrade_type": "gold"})
		}, 401, "unauthenticated"},
		{"a banned buyer", func() *response {
			return mallory.json("POST", "/user_upgrades.json", map[string]any{"upgrade_type": "gold"})
		}, 403, "forbidden"},
		{"an unknown recipient", func() *response {
			return api.json("POST", "/user_upgrades.json", map[string]any{"upgrade_type": "gold", "user_id": 9999})
		}, 404, "not_found"},
		{"a taken name", func() *response {
			return e.browser().json("POST", "/users.json", map[string]any{"name": "ALICE", "password": "long enough"})
		}, 409, "conflict"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.do().apiError(c.status, c.code)
		})
	}
	r := e.browser().get("/messages.json").apiError(http.StatusUnauthorized, "unauthenticated")
	if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Basic") {
		t.Errorf("401 without a Basic challenge: %v", r.Header)
	}
	if logs := e.logs.String(); strings.Contains(logs, `"level":"ERROR"`) {
		t.Errorf("client errors were logged as errors:\n%s", logs)
	}
}

var jsonHeader = http.Header{"Content-Type": {"application/json"}}

func TestErrorPagesInHTML(t *testing.T) {
	e := start(t, nil)
	alice := e.user("alice", domain.LevelMember)
	r := e.browser().get("/user_upgrades?page=2").status(http.StatusUnauthorized)
	r.contains("<html", "Please log in", `action="/session"`, `name="next" value="/user_upgrades?page=2"`)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("error page served as %q", ct)
	}
	e.loggedIn(alice).get("/user_upgrades?limit=500").status(http.StatusBadRequest).
		contains("limit must be between 1 and 100", "reference")
}

func TestTooLargeBodies(t *testing.T) {
	e := start(t, nil)
	alice := e.user("alice", domain.LevelMember)
	big := strings.Repeat("a", 100<<10)

	e.loggedIn(alice).form("POST", "/user_upgrades", url.Values{"upgrade_type": {"gold"}, "padding": {big}}).
		status(http.StatusRequestEntityTooLarge).contains("<html", "Too much data")
	e.api(alice).form("POST", "/user_upgrades.json", url.Values{"upgrade_type": {"gold"}, "padding": {big}}).
		apiError(http.StatusRequestEntityTooLarge, "too_large")
	// Without a Content-Length the limit still holds while reading.
	chunked := io.MultiReader(strings.NewReader(`{"upgrade_type":"gold","padding":"`), strings.NewReader(big), strings.NewReader(`"}`))
	e.api(alice).do("POST", "/user_upgrades.json", chunked, jsonHeader).apiError(http.StatusRequestEntityTooLarge, "too_large")
	// A small object followed by a flood of whitespace is too large too.
	trailing := io.MultiReader(strings.NewReader(`{"upgrade_type":"gold"}`), strings.NewReader(strings.Repeat(" ", 100<<10)))
	e.api(alice).do("POST", "/user_upgrades.json", trailing, jsonHeader).apiError(http.StatusRequestEntityTooLarge, "too_large")
	e.browser().form("POST", "/users.json", url.Values{"name": {"x"}, "padding": {big}}).apiError(http.StatusRequestEntityTooLarge, "too_large")

	// Just under the limit is fine.
	e.api(alice).form("POST", "/user_upgrades.json", url.Values{"upgrade_type": {"gold"}, "padding": {big[:60<<10]}}).status(http.StatusCreated)
}

func TestUpgradesDisabled(t *testing.T) {
	e := start(t, map[string]string{"UPGRADES_ENABLED": "false"})
	alice := e.user("alice", domain.LevelMember)
	e.api(alice).json("POST", "/user_upgrades.json", map[string]any{"upgrade_type": "gold"}).apiError(http.StatusServiceUnavailable, "unavailable")
	e.loggedIn(alice).form("POST", "/user_upgrades", url.Values{"upgrade_type": {"gold"}}).
		status(http.StatusServiceUnavailable).contains("upgrades are disabled")
	e.loggedIn(alice).get("/user_upgrades/new").status(http.StatusOK).contains("switched off", "Not on sale right now.").lacks(`action="/user_upgrades"`)
}

func TestDatabaseDown(t *testing.T) {
	e := start(t, nil)
	alice := e.user("alice", domain.LevelMember)
	b := e.loggedIn(alice)
	e.db.SetDown(true)
	r := e.api(alice).get("/user_upgrades.json").apiError(http.StatusServiceUnavailable, "unavailable")
	if r.Header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	b.get("/user_upgrades").status(http.StatusServiceUnavailable).contains("<html", "Temporarily unavailable")
	e.browser().get("/user_upgrades/new.json").apiError(http.StatusServiceUnavailable, "unavailable")
	// Logging out ends the sessions in the database: without it the
	// browser's cookie is still cleared, and the person is told.
	r = b.form("POST", "/session/destroy", nil).status(http.StatusServiceUnavailable)
	if c := r.Header.Get("Set-Cookie"); !strings.Contains(c, "Max-Age=0") {
		t.Errorf("a failed logout left the cookie: %q", c)
	}
	e.db.SetDown(false)
	e.api(alice).get("/user_upgrades.json").status(http.StatusOK)
}

func TestPaymentProviderFailure(t *testing.T) {
	e := start(t, nil)
	alice := e.user("alice", domain.LevelMember)
	e.gw.failWith(domain.WrapError(domain.KindPaymentProvider, errors.New("dial tcp 10.9.8.7:443: secret sk_test_leak"), "the payment provider failed"))

	r := e.api(alice).json("POST", "/user_upgrades.json", map[string]any{"upgrade_type": "gold"}).apiError(http.StatusBadGateway, "payment_provider")
	r.lacks("sk_test_leak", "10.9.8.7", "goroutine", ".go:")
	e.loggedIn(alice).form("POST", "/user_upgrades", url.Values{"upgrade_type": {"platinum"}}).
		status(http.StatusBadGateway).contains("<html", "The payment provider did not answer").lacks("sk_test_leak", "goroutine")

	// Nothing is left waiting for a payment that cannot happen.
	e.gw.failWith(nil)
	var list struct {
		UserUpgrades []upgrade `json:"user_upgrades"`
	}
	e.api(alice).get("/user_upgrades.json").decode(&list)
	if len(list.UserUpgrades) != 2 || list.UserUpgrades[0].Status != "failed" || list.UserUpgrades[1].Status != "failed" {
		t.Fatalf("after the failed checkouts: %+v", list.UserUpgrades)
	}
}

func TestInternalErrorsAreLoggedAndHidden(t *testing.T) {
	e := start(t, nil)
	alice := e.user("alice", domain.LevelMember)
	owner := e.user("owner", domain.LevelOwner)
	u := e.api(alice).buy("gold", 0)
	e.pay(u.ID)

	e.gw.failWith(errors.New("refund ledger corrupted at row 42"))
	r := e.api(owner).json("POST", fmt.Sprintf("/user_upgrades/%d/refund.json", u.ID), nil).apiError(http.StatusInternalServerError, "internal")
	if got := r.object()["message"]; got != "An internal error occurred." {
		t.Errorf("internal message %q", got)
	}
	r.lacks("ledger", "row 42")
	logs := e.logs.String()
	if !strings.Contains(logs, `"level":"ERROR"`) || !strings.Contains(logs, "refund ledger corrupted") ||
		!strings.Contains(logs, r.Header.Get("X-Request-Id")) {
		t.Errorf("the internal error is not in the log with its request id:\n%s", logs)
	}
}

func TestAPanicAnswers500AndIsLogged(t *testing.T) {
	e := start(t, nil)
	alice := e.user("alice", domain.LevelMember)
	e.gw.panicNext()
	r := e.api(alice).json("POST", "/user_upgrades.json", map[string]any{"upgrade_type": "gold"}).apiError(http.StatusInternalServerError, "internal")
	r.lacks("exploded", "goroutine", "panic")
	id := r.Header.Get("X-Request-Id")
	logs := e.logs.String()
	if id == "" || !strings.Contains(logs, "panic serving a request") || !strings.Contains(logs, `"request_id":"`+id+`"`) ||
		!strings.Contains(logs, "the payment gateway exploded") {
		t.Fatalf("the panic is not logged with request id %q:\n%s", id, logs)
	}
	// The server goes on serving.
	e.gw.panicNext()
	e.loggedIn(alice).form("POST", "/user_upgrades", url.Values{"upgrade_type": {"platinum"}}).
		status(http.StatusInternalServerError).contains("<html", "Something went wrong", "reference").lacks("exploded")
	e.api(alice).get("/messages.json").status(http.StatusOK)
}
