package component

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"upgrades/domain"
)

// The same refusals as the fault tests' hostile input, on the in-memory
// store: they are the edge's, whatever store is behind it.
func TestTheEdgeRefusesBadText(t *testing.T) {
	e := start(t, nil)
	alice := e.user("alice", domain.LevelMember)
	b := e.api(alice)
	for _, path := range []string{
		"/user_upgrades/new.json?name=a%00b",
		"/user_upgrades.json?search%5Brecipient_name%5D=%ff",
		"/messages.json?x=%c3%28",
		"/users/1.json?%00=x",
	} {
		b.get(path).apiError(http.StatusBadRequest, "invalid")
	}
	b.do("POST", "/user_upgrades.json", strings.NewReader(`{"upgrade_type":"gold","name":"a\u0000"}`), jsonHeader).apiError(http.StatusBadRequest, "invalid")
	b.do("POST", "/user_upgrades.json", strings.NewReader("{\"upgrade_type\":\"gold\",\"name\":\"a\xff\"}"), jsonHeader).apiError(http.StatusBadRequest, "invalid")
	e.browser().form("POST", "/users.json", url.Values{"name": {"nul\x00"}, "password": {"a good password"}}).apiError(http.StatusBadRequest, "invalid")
}

func TestAnUnknownFilterIsNamed(t *testing.T) {
	e := start(t, nil)
	alice := e.user("alice", domain.LevelMember)
	e.api(alice).get("/user_upgrades.json?search%5Bstatuss%5D=pending").
		apiError(http.StatusUnprocessableEntity, "invalid").contains("search[statuss]")
	e.api(alice).get("/user_upgrades.json?search%5Bstatus%5D=pending").status(http.StatusOK)
}

func TestOnlyThePurchaserSeesTheCheckoutURL(t *testing.T) {
	e := start(t, nil)
	alice := e.user("alice", domain.LevelMember)
	bob := e.user("bob", domain.LevelMember)
	admin := e.user("adam", domain.LevelAdmin)
	gift := e.api(alice).buy("gold", domain.UserID(bob.ID))
	if gift.CheckoutURL == "" {
		t.Fatal("the purchaser got no checkout_url")
	}
	path := fmt.Sprintf("/user_upgrades/%d.json", gift.ID)
	e.api(alice).get(path).status(http.StatusOK).contains(gift.CheckoutURL)
	for _, viewer := range []account{bob, admin} {
		for _, p := range []string{path, "/user_upgrades.json"} {
			e.api(viewer).get(p).status(http.StatusOK).lacks("checkout_url", gift.CheckoutURL)
		}
	}
}

func TestLoginRedirectsStayOnTheSite(t *testing.T) {
	e := start(t, nil)
	alice := e.user("alice", domain.LevelMember)
	for _, next := range []string{"/./\\evil.example", "/%5Cevil.example", "/.//evil.example", "/%2F%2Fevil.example", "/\x01/evil.example"} {
		e.browser().form("POST", "/session", url.Values{"name": {"alice"}, "password": {alice.Password}, "next": {next}}).
			status(http.StatusSeeOther).location(fmt.Sprintf("/users/%d", alice.ID))
	}
}
