package faults

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"upgrades/test/dbtest"
	"upgrades/test/proc"
)

// sessionSecret is startShop's SESSION_SECRET; the test signs cookies
// with it as a thief who had it could.
const sessionSecret = "a-session-secret-of-at-least-32-characters"

// request is a JSON request to s with optional cookie, Basic credentials
// and X-Forwarded-For; its answer and the session cookie it set, if any.
type request struct {
	method, path string
	body         any
	cookie       string
	basic        *buyer
	from         string // X-Forwarded-For
}

func (r request) send(t *testing.T, s *shop) (answer, string) {
	t.Helper()
	var body io.Reader
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			t.Fatal(err)
		}
		body = strings.NewReader(string(b))
	}
	req, err := http.NewRequest(r.method, s.base+r.path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if r.cookie != "" {
		req.AddCookie(&http.Cookie{Name: "upgrades_session", Value: r.cookie})
	}
	if r.basic != nil {
		req.SetBasicAuth(r.basic.name, r.basic.apiKey)
	}
	if r.from != "" {
		req.Header.Set("X-Forwarded-For", r.from)
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var set string
	for _, c := range res.Cookies() {
		if c.Name == "upgrades_session" {
			set = c.Value
		}
	}
	a := answer{res.StatusCode, string(raw)}
	if a.status == http.StatusTooManyRequests && res.Header.Get("Retry-After") == "" {
		t.Errorf("%s %s: 429 without Retry-After", r.method, r.path)
	}
	return a, set
}

// login logs name in and returns the session cookie's value.
func login(t *testing.T, s *shop, name, password string) string {
	t.Helper()
	a, cookie := request{method: "POST", path: "/session.json", body: map[string]string{"name": name, "password": password}}.send(t, s)
	if a.status != http.StatusOK || cookie == "" {
		t.Fatalf("login as %s: %d %s", name, a.status, a.body)
	}
	return cookie
}

// status is the status of a GET of path with the cookie.
func status(t *testing.T, s *shop, path, cookie string) int {
	t.Helper()
	a, _ := request{method: "GET", path: path, cookie: cookie}.send(t, s)
	return a.status
}

// forge signs a session cookie as the server does.
func forge(user, generation int64, issued time.Time) string {
	payload := fmt.Sprintf("%d.%d.%d", user, generation, issued.Unix())
	m := hmac.New(sha256.New, []byte(sessionSecret))
	m.Write([]byte("session\x00" + payload))
	return payload + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Sessions end on the server: a cookie copied before logout, or before a
// password change elsewhere, is refused afterwards, whichever replica it
// is sent to; a cookie is never good for longer than the server's
// lifetime, whatever it says; a banned user is refused everywhere.
func TestSessionsEndOnTheServer(t *testing.T) {
	skipShort(t)
	dbURL := dbtest.New(t)
	sim := startStripeSim(t, "", true)
	s1 := startShop(t, "", dbURL, sim)
	s2 := startShop(t, "", dbURL, sim)
	alice := newAccount(t, s1, "alice", "member")
	const password = "password of alice"

	// Logout ends every session, the copies and the other devices'.
	laptop, phone := login(t, s1, "alice", password), login(t, s2, "alice", password)
	copied := laptop
	if got := status(t, s2, "/messages.json", copied); got != http.StatusOK {
		t.Fatalf("a fresh session on the other replica: %d", got)
	}
	if a, _ := (request{method: "POST", path: "/session/destroy.json", cookie: laptop}).send(t, s1); a.status != http.StatusOK {
		t.Fatalf("logout: %d %s", a.status, a.body)
	}
	for name, c := range map[string]string{"the copied cookie": copied, "the phone's": phone} {
		for _, s := range []*shop{s1, s2} {
			if got := status(t, s, "/messages.json", c); got != http.StatusUnauthorized {
				t.Errorf("%s after logout, on %s: %d, want 401", name, s.addr, got)
			}
		}
	}

	// A password change ends the other sessions and keeps the one that
	// asked, with a new cookie.
	laptop, phone = login(t, s1, "alice", password), login(t, s2, "alice", password)
	const newPassword = "a new password for alice"
	a, renewed := request{method: "POST", path: fmt.Sprintf("/users/%d/password.json", alice.id), cookie: laptop,
		body: map[string]string{"current_password": "a wrong guess", "password": newPassword}}.send(t, s1)
	if a.status != http.StatusUnprocessableEntity || status(t, s2, "/messages.json", phone) != http.StatusOK {
		t.Fatalf("a wrong current password: %d %s, or it ended the sessions", a.status, a.body)
	}
	a, renewed = request{method: "POST", path: fmt.Sprintf("/users/%d/password.json", alice.id), cookie: laptop,
		body: map[string]string{"current_password": password, "password": newPassword}}.send(t, s1)
	if a.status != http.StatusOK || renewed == "" {
		t.Fatalf("changing the password: %d %s, cookie %q", a.status, a.body, renewed)
	}
	if got := status(t, s2, "/messages.json", renewed); got != http.StatusOK {
		t.Errorf("the session that changed the password: %d", got)
	}
	for name, c := range map[string]string{"the phone's": phone, "the laptop's old cookie": laptop} {
		if got := status(t, s2, "/messages.json", c); got != http.StatusUnauthorized {
			t.Errorf("%s after the password change: %d, want 401", name, got)
		}
	}
	if a, _ := (request{method: "POST", path: "/session.json", body: map[string]string{"name": "alice", "password": password}}).send(t, s1); a.status != http.StatusUnauthorized {
		t.Errorf("the old password after the change: %d", a.status)
	}
	laptop = login(t, s1, "alice", newPassword)

	// Whatever a cookie says, it is good for the server's lifetime from
	// when it was issued (14 days): one signed to be issued a year from
	// now, or fifteen days ago, is refused; one of a minute ago is fine.
	generation := func() int64 {
		var g int64
		if err := dbtest.SQL(t, dbURL).QueryRow(`SELECT session_generation FROM users WHERE id = $1`, alice.id).Scan(&g); err != nil {
			t.Fatal(err)
		}
		return g
	}
	gen := generation()
	now := time.Now()
	for name, c := range map[string]string{
		"issued a year from now":  forge(alice.id, gen, now.AddDate(1, 0, 0)),
		"issued fifteen days ago": forge(alice.id, gen, now.Add(-15*24*time.Hour)),
	} {
		if got := status(t, s1, "/messages.json", c); got != http.StatusUnauthorized {
			t.Errorf("a cookie %s: %d, want 401", name, got)
		}
	}
	if got := status(t, s1, "/messages.json", forge(alice.id, gen, now.Add(-time.Minute))); got != http.StatusOK {
		t.Fatalf("a cookie of a minute ago, of the current generation: %d (the forgery is wrong)", got)
	}

	// A ban ends everything: the cookie and the API key get 403 on every
	// logged-in route, on either replica.
	newAccount(t, s1, "bob", "member")
	bobCookie := login(t, s2, "bob", "password of bob")
	banUser(t, s1, "alice")
	for _, path := range []string{"/messages.json", "/user_upgrades.json", "/user_upgrades/new.json", fmt.Sprintf("/users/%d.json", alice.id)} {
		for _, s := range []*shop{s1, s2} {
			if got := status(t, s, path, laptop); got != http.StatusForbidden {
				t.Errorf("alice's cookie after her ban, GET %s on %s: %d, want 403", path, s.addr, got)
			}
			if a, _ := (request{method: "GET", path: path, basic: alice}).send(t, s); a.status != http.StatusForbidden {
				t.Errorf("alice's API key after her ban, GET %s on %s: %d, want 403", path, s.addr, a.status)
			}
		}
	}
	if a, _ := (request{method: "POST", path: "/user_upgrades.json", cookie: laptop, body: map[string]string{"upgrade_type": "gold"}}).send(t, s2); a.status != http.StatusForbidden {
		t.Errorf("a banned user buying: %d %s", a.status, a.body)
	}
	if got := status(t, s1, "/messages.json", bobCookie); got != http.StatusOK {
		t.Errorf("bob's session ended with alice's ban: %d", got)
	}
}

// banUser bans with the binary, as an operator would.
func banUser(t *testing.T, s *shop, name string) {
	t.Helper()
	proc.MustRun(t, proc.Binary(t), s.env, "users", "ban", name)
}

// API keys are shown when made, stored as their SHA-256 only, and can be
// replaced by their user; the old key then stops working.
func TestAPIKeysAreHashedAndRotate(t *testing.T) {
	skipShort(t)
	dbURL := dbtest.New(t)
	db := dbtest.SQL(t, dbURL)
	sim := startStripeSim(t, "", true)
	s := startShop(t, "", dbURL, sim)
	alice := newAccount(t, s, "alice", "member")
	bob := newAccount(t, s, "bob", "member")

	stored := func() string {
		var v string
		if err := db.QueryRow(`SELECT api_key FROM users WHERE id = $1`, alice.id).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	digest := func(key string) string { sum := sha256.Sum256([]byte(key)); return hex.EncodeToString(sum[:]) }
	if got := stored(); got != digest(alice.apiKey) {
		t.Fatalf("the database holds %q for the key made at creation, want its SHA-256", got)
	}
	// Sign-up shows the key once; the profile never does.
	a, _ := request{method: "POST", path: "/users.json", body: map[string]string{"name": "carol", "password": "password of carol"}}.send(t, s)
	var carol struct {
		ID     int64  `json:"id"`
		APIKey string `json:"api_key"`
	}
	a.decode(t, &carol)
	if a.status != http.StatusCreated || carol.APIKey == "" {
		t.Fatalf("sign-up: %d %s", a.status, a.body)
	}
	if a := call(t, s, &buyer{name: "carol", apiKey: carol.APIKey}, "GET", fmt.Sprintf("/users/%d.json", carol.ID), nil); a.status != http.StatusOK || strings.Contains(a.body, carol.APIKey) || strings.Contains(a.body, "api_key") {
		t.Errorf("carol's own profile: %d %s", a.status, a.body)
	}

	keyPath := fmt.Sprintf("/users/%d/api_key.json", alice.id)
	if a := call(t, s, bob, "POST", keyPath, nil); a.status != http.StatusForbidden {
		t.Errorf("bob making alice a key: %d %s", a.status, a.body)
	}
	a = call(t, s, alice, "POST", keyPath, nil)
	var rotated struct {
		APIKey string `json:"api_key"`
	}
	a.decode(t, &rotated)
	if a.status != http.StatusOK || rotated.APIKey == "" || rotated.APIKey == alice.apiKey {
		t.Fatalf("rotating: %d %s", a.status, a.body)
	}
	if got := stored(); got != digest(rotated.APIKey) {
		t.Errorf("after rotating the database holds %q, want the new key's SHA-256", got)
	}
	if a := call(t, s, alice, "GET", "/messages.json", nil); a.status != http.StatusUnauthorized {
		t.Errorf("the old key after rotating: %d", a.status)
	}
	alice.apiKey = rotated.APIKey
	if a := call(t, s, alice, "GET", "/messages.json", nil); a.status != http.StatusOK {
		t.Errorf("the new key: %d %s", a.status, a.body)
	}
	if a := call(t, s, &buyer{name: "alice", apiKey: stored()}, "GET", "/messages.json", nil); a.status != http.StatusUnauthorized {
		t.Errorf("the stored digest used as a key: %d", a.status)
	}
}

// Failed logins are counted in PostgreSQL, so two replicas give a guesser
// one allowance, not two; strangers guessing a name from many networks
// slow each other down but do not lock out its owner; sign-ups are
// counted per network across replicas too.
func TestThrottlesAreSharedByReplicas(t *testing.T) {
	skipShort(t)
	dbURL := dbtest.New(t)
	sim := startStripeSim(t, "", true)
	// The test is the trusted proxy, so that it can speak from many
	// networks.
	s1 := startShop(t, "", dbURL, sim, "TRUSTED_PROXIES=127.0.0.1")
	s2 := startShop(t, "", dbURL, sim, "TRUSTED_PROXIES=127.0.0.1")
	replicas := []*shop{s1, s2}
	newAccount(t, s1, "alice", "member")
	guess := func(s *shop, name, password, from string) answer {
		a, _ := request{method: "POST", path: "/session.json", from: from, body: map[string]string{"name": name, "password": password}}.send(t, s)
		return a
	}

	// Five guesses at alice from one network, alternating replicas; the
	// sixth is refused on both, even with the right password, while alice
	// logs in from her own network.
	for i := range 5 {
		if a := guess(replicas[i%2], "alice", "a guess", fmt.Sprintf("198.51.100.%d", i+1)); a.status != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d %s", i+1, a.status, a.body)
		}
	}
	for _, s := range replicas {
		if a := guess(s, "alice", "password of alice", "198.51.100.77"); a.status != http.StatusTooManyRequests {
			t.Errorf("the sixth attempt from the network on %s: %d %s", s.addr, a.status, a.body)
		}
	}
	if a := guess(s2, "alice", "password of alice", "203.0.113.5"); a.status != http.StatusOK {
		t.Fatalf("alice from her own network: %d %s", a.status, a.body)
	}

	// Strangers spread over many networks use up alice's ceiling: their
	// networks are slowed; alice's, which has not failed, is not.
	for n := range 5 {
		for i := range 4 {
			guess(replicas[(n+i)%2], "alice", "a guess", fmt.Sprintf("10.0.%d.1", n))
		}
	}
	if a := guess(s1, "alice", "a guess", "10.0.0.1"); a.status != http.StatusTooManyRequests || !strings.Contains(a.body, "for this account") {
		t.Errorf("a stranger's network past the ceiling: %d %s", a.status, a.body)
	}
	if a := guess(s2, "alice", "password of alice", "203.0.113.5"); a.status != http.StatusOK {
		t.Errorf("alice while strangers are slowed: %d %s", a.status, a.body)
	}

	// Ten sign-ups from one network, across the replicas; the eleventh
	// waits.
	for i := range 10 {
		a, _ := request{method: "POST", path: "/users.json", from: "192.0.2.9",
			body: map[string]string{"name": fmt.Sprintf("new%d", i), "password": "long enough"}}.send(t, replicas[i%2])
		if a.status != http.StatusCreated {
			t.Fatalf("sign-up %d: %d %s", i+1, a.status, a.body)
		}
	}
	for _, s := range replicas {
		a, _ := request{method: "POST", path: "/users.json", from: "192.0.2.200",
			body: map[string]string{"name": "one_too_many", "password": "long enough"}}.send(t, s)
		if a.status != http.StatusTooManyRequests {
			t.Errorf("the eleventh sign-up from the network on %s: %d %s", s.addr, a.status, a.body)
		}
	}
	a, _ := request{method: "POST", path: "/users.json", from: "192.0.3.9",
		body: map[string]string{"name": "elsewhere", "password": "long enough"}}.send(t, s2)
	if a.status != http.StatusCreated {
		t.Errorf("a sign-up from another network: %d %s", a.status, a.body)
	}
}

// The operator's commands, run with the binary beside a running server:
// revoke ends every session, rotate-key prints a new key and ends the old
// one, set-password reads the password from standard input only and ends
// every session.
func TestOperatorCommandsEndSessionsAndReplaceKeys(t *testing.T) {
	skipShort(t)
	dbURL := dbtest.New(t)
	sim := startStripeSim(t, "", true)
	s := startShop(t, "", dbURL, sim)
	alice := newAccount(t, s, "alice", "member")
	operator := func(stdin string, args ...string) (string, error) {
		cmd := exec.Command(proc.Binary(t), args...)
		cmd.Env, cmd.Stdin = s.env, strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}

	cookie := login(t, s, "alice", "password of alice")
	proc.MustRun(t, proc.Binary(t), s.env, "users", "revoke", "alice")
	if got := status(t, s, "/messages.json", cookie); got != http.StatusUnauthorized {
		t.Errorf("a cookie after users revoke: %d, want 401", got)
	}

	cookie = login(t, s, "alice", "password of alice")
	out := proc.MustRun(t, proc.Binary(t), s.env, "users", "rotate-key", "alice")
	var rotated struct {
		APIKey string `json:"api_key"`
	}
	if err := json.Unmarshal([]byte(out), &rotated); err != nil || rotated.APIKey == "" || rotated.APIKey == alice.apiKey {
		t.Fatalf("users rotate-key printed %q: %v", out, err)
	}
	if a := call(t, s, alice, "GET", "/messages.json", nil); a.status != http.StatusUnauthorized {
		t.Errorf("the old key after rotate-key: %d", a.status)
	}
	if a := call(t, s, &buyer{name: "alice", apiKey: rotated.APIKey}, "GET", "/messages.json", nil); a.status != http.StatusOK {
		t.Errorf("the new key: %d %s", a.status, a.body)
	}
	if got := status(t, s, "/messages.json", cookie); got != http.StatusOK {
		t.Errorf("a new key ended the sessions: %d", got)
	}

	for _, bad := range []struct {
		stdin string
		args  []string
	}{
		{"", []string{"--password", "in the process list"}},
		{"", []string{"--password-stdin"}},
		{"short\n", []string{"--password-stdin"}},
	} {
		if out, err := operator(bad.stdin, append([]string{"users", "set-password", "alice"}, bad.args...)...); err == nil {
			t.Errorf("set-password %v with %q on stdin succeeded: %s", bad.args, bad.stdin, out)
		}
	}
	if got := status(t, s, "/messages.json", cookie); got != http.StatusOK {
		t.Fatalf("a refused set-password ended the sessions: %d", got)
	}
	if out, err := operator("set by the operator\n", "users", "set-password", "alice", "--password-stdin"); err != nil {
		t.Fatalf("set-password: %v\n%s", err, out)
	}
	if got := status(t, s, "/messages.json", cookie); got != http.StatusUnauthorized {
		t.Errorf("a cookie after set-password: %d, want 401", got)
	}
	if a, _ := (request{method: "POST", path: "/session.json", body: map[string]string{"name": "alice", "password": "password of alice"}}).send(t, s); a.status != http.StatusUnauthorized {
		t.Errorf("the old password after set-password: %d", a.status)
	}
	login(t, s, "alice", "set by the operator")
}
