package faults

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"upgrades/test/dbtest"
)

// What people type, against the real binary on PostgreSQL: where the
// login sends them, which passwords it takes, what a gift's recipient
// sees, and text that PostgreSQL cannot hold.
func TestHostileInputIsRefused(t *testing.T) {
	skipShort(t)
	dbURL := dbtest.New(t)
	sim := startStripeSim(t, "", true)
	s := startShop(t, "", dbURL, sim)
	alice := newBuyer(t, s)
	bob := newAccount(t, s, "bob", "member")

	t.Run("the login sends people only to this site", func(t *testing.T) {
		for _, next := range []string{
			"/./\\evil.example", "/\\evil.example", "//evil.example", "/.//evil.example", "/%5Cevil.example",
			"/%2F%2Fevil.example", "/\t/evil.example", "/%09/evil.example", "https://evil.example/", "/a/..//evil.example",
		} {
			r := send(t, s, "POST", "/session", "application/x-www-form-urlencoded",
				url.Values{"name": {alice.name}, "password": {"password of " + alice.name}, "next": {next}}.Encode(), nil)
			loc := r.header.Get("Location")
			if r.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") ||
				strings.ContainsAny(loc, "\\\t") || strings.Contains(strings.ToLower(loc), "%5c") || strings.Contains(loc, "evil.example") {
				t.Errorf("next=%q: %d, Location %q", next, r.status, loc)
			}
		}
		r := send(t, s, "POST", "/session", "application/x-www-form-urlencoded",
			url.Values{"name": {alice.name}, "password": {"password of " + alice.name}, "next": {"/user_upgrades?page=2"}}.Encode(), nil)
		if loc := r.header.Get("Location"); r.status != http.StatusSeeOther || loc != "/user_upgrades?page=2" {
			t.Errorf("a path of this site: %d, Location %q", r.status, loc)
		}
	})

	t.Run("passwords", func(t *testing.T) {
		i := 0
		for name, pw := range map[string]string{
			"four characters in eight bytes": "éééé",
			"only spaces":                    "          ",
			"common":                         "password1",
			"common, another case":           "Iloveyou1",
			"73 bytes":                       strings.Repeat("x", 73),
		} {
			i++
			r := send(t, s, "POST", "/users.json", "application/json", fmt.Sprintf(`{"name":"pw%d","password":%q}`, i, pw), nil)
			if r.status != http.StatusUnprocessableEntity {
				t.Errorf("%s: %d %s", name, r.status, r.body)
			}
		}
		long := strings.Repeat("long pass ", 7) + "ab" // 72 bytes
		if r := send(t, s, "POST", "/users.json", "application/json", fmt.Sprintf(`{"name":"carol","password":%q}`, long), nil); r.status != http.StatusCreated {
			t.Fatalf("a 72-byte password: %d %s", r.status, r.body)
		}
		if r := send(t, s, "POST", "/session.json", "application/json", fmt.Sprintf(`{"name":"carol","password":%q}`, long+"anything"), nil); r.status != http.StatusUnauthorized {
			t.Errorf("the 72-byte password with more after it logged in: %d %s", r.status, r.body)
		}
		if r := send(t, s, "POST", "/session.json", "application/json", fmt.Sprintf(`{"name":"carol","password":%q}`, long), nil); r.status != http.StatusOK {
			t.Errorf("the 72-byte password itself: %d %s", r.status, r.body)
		}
	})

	t.Run("a gift's recipient never sees the buyer's checkout", func(t *testing.T) {
		res := call(t, s, alice, "POST", "/user_upgrades.json", map[string]any{"upgrade_type": "gold", "user_id": bob.id})
		if res.status != http.StatusCreated {
			t.Fatalf("gift: %d %s", res.status, res.body)
		}
		var gift checkout
		res.decode(t, &gift)
		if gift.URL == "" {
			t.Fatalf("the purchaser got no checkout_url: %s", res.body)
		}
		path := fmt.Sprintf("/user_upgrades/%d.json", gift.ID)
		if r := call(t, s, alice, "GET", path, nil); !strings.Contains(r.body, `"checkout_url"`) {
			t.Errorf("the purchaser's view has no checkout_url: %s", r.body)
		}
		for _, p := range []string{path, "/user_upgrades.json"} {
			r := call(t, s, bob, "GET", p, nil)
			if r.status != http.StatusOK || strings.Contains(r.body, "checkout_url") || strings.Contains(r.body, gift.URL) {
				t.Errorf("bob's %s: %d %s", p, r.status, r.body)
			}
		}
	})

	t.Run("NUL and invalid UTF-8 are refused on every route", func(t *testing.T) {
		for _, c := range []struct{ method, path, contentType, body string }{
			{"GET", "/user_upgrades/new.json?name=a%00b", "", ""},
			{"GET", "/user_upgrades/new.json?name=%ff", "", ""},
			{"GET", "/user_upgrades.json?search%5Brecipient_name%5D=a%00b", "", ""},
			{"GET", "/user_upgrades.json?search%5Bpurchaser_name%5D=%c3%28", "", ""},
			{"GET", "/users/1.json?x=%00", "", ""},
			{"GET", "/messages.json?%00=1", "", ""},
			{"POST", "/user_upgrades.json", "application/json", `{"upgrade_type":"gold","name":"b\u0000ob"}`},
			{"POST", "/user_upgrades.json", "application/json", "{\"upgrade_type\":\"gold\",\"name\":\"b\xffob\"}"},
			{"POST", "/user_upgrades", "application/x-www-form-urlencoded", "upgrade_type=gold&name=b%00ob"},
			{"POST", "/users.json", "application/json", `{"name":"nul\u0000","password":"a good password"}`},
			{"POST", "/users", "application/x-www-form-urlencoded", "name=bad%ffname&password=a+good+password"},
			{"POST", "/session.json", "application/json", `{"name":"alice\u0000","password":"x"}`},
			{"POST", "/session", "application/x-www-form-urlencoded", "name=%00&password=x"},
			{"POST", "/user_upgrades/1/refund.json?note=%00", "", ""},
		} {
			r := send(t, s, c.method, c.path, c.contentType, c.body, alice)
			if r.status != http.StatusBadRequest {
				t.Errorf("%s %s %q: %d %s", c.method, c.path, c.body, r.status, r.body)
			}
		}
		nul := &buyer{name: "bo\x00b", apiKey: alice.apiKey}
		if r := send(t, s, "GET", "/user_upgrades.json", "", "", nul); r.status != http.StatusBadRequest {
			t.Errorf("a NUL in the API client's name: %d %s", r.status, r.body)
		}
		// The server is still well: nothing above reached PostgreSQL as
		// an error.
		if r := call(t, s, alice, "GET", "/user_upgrades/new.json?name=bob", nil); r.status != http.StatusOK {
			t.Errorf("a plain name search: %d %s", r.status, r.body)
		}
	})

	t.Run("an unknown filter is named, not ignored", func(t *testing.T) {
		r := call(t, s, alice, "GET", "/user_upgrades.json?search%5Brecipiant_name%5D=bob", nil)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "search[recipiant_name]") {
			t.Errorf("a misspelt filter: %d %s", r.status, r.body)
		}
		if r := call(t, s, alice, "GET", "/user_upgrades.json?search%5Brecipient_name%5D=bob&search%5Bstatus%5D=pending", nil); r.status != http.StatusOK {
			t.Errorf("known filters: %d %s", r.status, r.body)
		}
	})
}

type response struct {
	status int
	header http.Header
	body   string
}

// send makes a request with a body of its own as u (nil: nobody).
func send(t *testing.T, s *shop, method, path, contentType, body string, u *buyer) response {
	t.Helper()
	req, err := http.NewRequest(method, s.base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if strings.HasSuffix(strings.SplitN(path, "?", 2)[0], ".json") {
		req.Header.Set("Accept", "application/json")
	}
	if u != nil {
		req.SetBasicAuth(u.name, u.apiKey)
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return response{res.StatusCode, res.Header, string(raw)}
}
