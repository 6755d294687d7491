package application_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"upgrades/application"
	"upgrades/domain"
)

func TestSignUp(t *testing.T) {
	tests := []struct {
		desc string
		cmd  application.SignUp
		ok   bool
		kind domain.Kind
	}{
		{"with email", application.SignUp{Name: "alice", Password: "correct horse", Email: "alice@example.com"}, true, 0},
		{"without email", application.SignUp{Name: "bob_2", Password: "a good password"}, true, 0},
		{"name with spaces around", application.SignUp{Name: "  carol ", Password: "a good password"}, true, 0},
		{"longest password", application.SignUp{Name: "dave", Password: strings.Repeat("p", 72)}, true, 0},
		{"name taken", application.SignUp{Name: "taken", Password: "a good password"}, false, domain.KindConflict},
		{"name taken, other case", application.SignUp{Name: "TAKEN", Password: "a good password"}, false, domain.KindConflict},
		{"name too short", application.SignUp{Name: "a", Password: "a good password"}, false, domain.KindInvalid},
		{"name with a space", application.SignUp{Name: "a b", Password: "a good password"}, false, domain.KindInvalid},
		{"password too short", application.SignUp{Name: "erin", Password: "1234567"}, false, domain.KindInvalid},
		{"password too long", application.SignUp{Name: "erin", Password: strings.Repeat("p", 73)}, false, domain.KindInvalid},
		{"bad email", application.SignUp{Name: "erin", Password: "a good password", Email: "erin at example"}, false, domain.KindInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			f := newFixture(t)
			f.user("taken", domain.LevelMember)
			u, err := f.app.SignUp.Handle(f.ctx, tc.cmd)
			if !tc.ok {
				wantKind(t, err, tc.kind)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if u.ID() == 0 || u.Name() != strings.TrimSpace(tc.cmd.Name) || u.Level() != domain.LevelMember || u.IsBanned() {
				t.Fatalf("signed up %q #%d at %s", u.Name(), u.ID(), u.Level())
			}
			if u.APIKey() == "" || u.PasswordHash() == tc.cmd.Password || !u.CreatedAt().Equal(start) {
				t.Fatal("a new user needs an API key and a hashed password")
			}
			// Signing up logs nobody in by itself, but the account works.
			if _, err := f.app.Login.Handle(f.ctx, application.Login{Name: u.Name(), Password: tc.cmd.Password}); err != nil {
				t.Fatalf("login after sign-up: %v", err)
			}
		})
	}
}

func TestSignUpGivesEachUserTheirOwnKey(t *testing.T) {
	f := newFixture(t)
	a := f.user("alice", domain.LevelMember)
	b := f.user("bob", domain.LevelMember)
	if a.APIKey() == b.APIKey() {
		t.Fatal("two users share an API key")
	}
}

func TestLogin(t *testing.T) {
	f := newFixture(t)
	alice := f.user("alice", domain.LevelMember)
	tests := []struct {
		desc, name, password string
		ok                   bool
	}{
		{"right", "alice", "password-alice", true},
		{"name in another case", "ALICE", "password-alice", true},
		{"wrong password", "alice", "password-bob", false},
		{"empty password", "alice", "", false},
		{"unknown name", "nobody", "password-alice", false},
		{"impossible name", "x", "password-alice", false},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			u, err := f.app.Login.Handle(f.ctx, application.Login{Name: tc.name, Password: tc.password})
			if !tc.ok {
				wantKind(t, err, domain.KindUnauthenticated)
				if domain.MessageOf(err) != "wrong name or password" {
					t.Fatalf("the message tells which part was wrong: %q", domain.MessageOf(err))
				}
				return
			}
			if err != nil || u.ID() != alice.ID() {
				t.Fatalf("login: %v", err)
			}
		})
	}
}

func TestAuthenticateAPIKey(t *testing.T) {
	f := newFixture(t)
	alice, bob := f.user("alice", domain.LevelMember), f.user("bob", domain.LevelMember)
	tests := []struct {
		desc, name, key string
		ok              bool
	}{
		{"right", "alice", alice.APIKey(), true},
		{"another user's key", "alice", bob.APIKey(), false},
		{"no key", "alice", "", false},
		{"key prefix", "alice", alice.APIKey()[:len(alice.APIKey())-1], false},
		{"unknown name", "nobody", alice.APIKey(), false},
		{"impossible name", "", alice.APIKey(), false},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			u, err := f.app.AuthenticateAPIKey.Handle(f.ctx, application.AuthenticateAPIKey{Name: tc.name, Key: tc.key})
			if !tc.ok {
				wantKind(t, err, domain.KindUnauthenticated)
				return
			}
			if err != nil || u.ID() != alice.ID() {
				t.Fatalf("authenticate: %v", err)
			}
		})
	}
}

func TestCurrentUser(t *testing.T) {
	f := newFixture(t)
	alice := f.user("alice", domain.LevelMember)
	if u, err := f.app.CurrentUser.Handle(f.ctx, f.session(alice)); err != nil || u.User.Name() != "alice" {
		t.Fatalf("%v %v", u, err)
	}
	_, err := f.app.CurrentUser.Handle(f.ctx, application.CurrentUser{ID: 9999})
	wantKind(t, err, domain.KindUnauthenticated)
}

func TestSetLevel(t *testing.T) {
	f := newFixture(t)
	alice := f.user("alice", domain.LevelMember)
	u, err := f.app.SetLevel.Handle(f.ctx, application.SetLevel{By: application.CommandLine, Name: "Alice", Level: domain.LevelModerator})
	if err != nil || u.Level() != domain.LevelModerator || f.level(alice) != domain.LevelModerator {
		t.Fatalf("set level: %v, stored %s", err, f.level(alice))
	}
	_, err = f.app.SetLevel.Handle(f.ctx, application.SetLevel{By: application.CommandLine, Name: "alice", Level: domain.Level{}})
	wantKind(t, err, domain.KindInvalid)
	if f.level(alice) != domain.LevelModerator {
		t.Fatal("a refused change was stored")
	}
	_, err = f.app.SetLevel.Handle(f.ctx, application.SetLevel{By: application.CommandLine, Name: "nobody", Level: domain.LevelGold})
	wantKind(t, err, domain.KindNotFound)
}

func TestBan(t *testing.T) {
	f := newFixture(t)
	alice, bob := f.user("alice", domain.LevelMember), f.user("bob", domain.LevelMember)
	u, err := f.app.Ban.Handle(f.ctx, application.Ban{By: application.CommandLine, Name: "bob"})
	if err != nil || !u.IsBanned() {
		t.Fatalf("ban: %v", err)
	}
	_, err = f.app.Ban.Handle(f.ctx, application.Ban{By: application.CommandLine, Name: "nobody"})
	wantKind(t, err, domain.KindNotFound)

	// Banned: can neither buy nor receive.
	_, err = f.app.StartUpgrade.Handle(f.ctx, application.StartUpgrade{PurchaserID: bob.ID(), Type: "gold"})
	wantKind(t, err, domain.KindForbidden)
	_, err = f.app.StartUpgrade.Handle(f.ctx, application.StartUpgrade{PurchaserID: alice.ID(), RecipientID: bob.ID(), Type: "gold"})
	wantKind(t, err, domain.KindInvalid)

	// The shop page says why instead of offering the buttons.
	v, err := f.app.UpgradeOptions.Handle(f.ctx, application.UpgradeOptions{ViewerID: alice.ID(), RecipientID: bob.ID()})
	if err != nil || !v.IsGift {
		t.Fatalf("options: %+v %v", v, err)
	}
	for _, o := range v.Offers {
		if !strings.Contains(o.Refusal, "banned") {
			t.Errorf("%s offered to a banned recipient (refusal %q)", o.Type, o.Refusal)
		}
	}
}

func TestUpgradeOptions(t *testing.T) {
	f := newFixture(t)
	alice, gina := f.user("alice", domain.LevelMember), f.user("gina", domain.LevelGold)
	tests := []struct {
		desc      string
		cmd       application.UpgradeOptions
		gift      bool
		buyable   []bool // gold, platinum, gold_to_platinum
		recipient string
	}{
		{"member for themself", application.UpgradeOptions{ViewerID: alice.ID()}, false, []bool{true, true, false}, "alice"},
		{"gift to a gold user", application.UpgradeOptions{ViewerID: alice.ID(), RecipientName: "gina"}, true, []bool{false, false, true}, "gina"},
		{"nobody logged in", application.UpgradeOptions{RecipientID: gina.ID()}, false, []bool{false, false, false}, "gina"},
		{"nobody logged in, nobody named", application.UpgradeOptions{}, false, []bool{false, false, false}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			v, err := f.app.UpgradeOptions.Handle(f.ctx, tc.cmd)
			if err != nil {
				t.Fatal(err)
			}
			name := ""
			if v.Recipient != nil {
				name = v.Recipient.Name()
			}
			if v.IsGift != tc.gift || name != tc.recipient || len(v.Offers) != 3 {
				t.Fatalf("options %+v", v)
			}
			for i, o := range v.Offers {
				if o.Type != domain.UpgradeTypes[i] || (o.Refusal == "") != tc.buyable[i] || o.Price != f.cfg.Prices.Of(o.Type) {
					t.Errorf("offer %d: %s %q %v", i, o.Type, o.Refusal, o.Price)
				}
			}
		})
	}
	_, err := f.app.UpgradeOptions.Handle(f.ctx, application.UpgradeOptions{ViewerID: alice.ID(), RecipientID: 9999})
	wantKind(t, err, domain.KindNotFound)
}

func TestReadMessages(t *testing.T) {
	f := newFixture(t)
	_, err := f.app.ReadMessages.Handle(f.ctx, application.ReadMessages{})
	wantKind(t, err, domain.KindUnauthenticated)
	alice := f.user("alice", domain.LevelMember)
	for i := range 3 {
		u := f.user("buyer"+string(rune('a'+i)), domain.LevelMember)
		up := f.start(u, alice, domain.UpgradeGold)
		f.pay(up)
		f.setLevel(alice, domain.LevelMember)
	}
	msgs, err := f.app.ReadMessages.Handle(f.ctx, application.ReadMessages{UserID: alice.ID(), Limit: 2})
	if err != nil || len(msgs) != 2 || !strings.Contains(msgs[0].Body, "buyerc") {
		t.Fatalf("newest two: %v %v", msgs, err)
	}
}

// login is a login from a network; its error, if any.
func (f *fixture) login(name, password, network string) error {
	_, err := f.app.Login.Handle(f.ctx, application.Login{Name: name, Password: password, Network: network})
	return err
}

func TestLoginIsThrottledByNameAndNetwork(t *testing.T) {
	f := newFixture(t)
	f.user("alice", domain.LevelMember)
	// Five guesses from one network, in any case of the name.
	for _, name := range []string{"alice", "ALICE", "Alice", " alice", "alice"} {
		wantKind(t, f.login(name, "guess", "198.51.100.0/24"), domain.KindUnauthenticated)
	}
	// The sixth is refused before the password is looked at, the right one
	// included, and says when to come back.
	err := f.login("alice", "password-alice", "198.51.100.0/24")
	wantKind(t, err, domain.KindTooManyRequests)
	if wait := domain.RetryAfterOf(err); wait != time.Minute {
		t.Fatalf("retry after %s, want 1m", wait)
	}
	// Alice from her own network, and bob from the guesser's, are not
	// held up.
	if err := f.login("alice", "password-alice", "203.0.113.0/24"); err != nil {
		t.Fatalf("alice from another network: %v", err)
	}
	f.user("bob", domain.LevelMember)
	if err := f.login("bob", "password-bob", "198.51.100.0/24"); err != nil {
		t.Fatalf("bob cannot log in while alice is throttled: %v", err)
	}
	// A minute later the guesser's network has one attempt again.
	f.clock.Advance(time.Minute)
	if err := f.login("alice", "password-alice", "198.51.100.0/24"); err != nil {
		t.Fatalf("a minute later: %v", err)
	}
}

func TestLoginIsThrottledByNetwork(t *testing.T) {
	f := newFixture(t)
	f.user("alice", domain.LevelMember)
	const guesser = "198.51.100.0/24"
	// Twenty names, real or not, from one network.
	for i := range 20 {
		wantKind(t, f.login(fmt.Sprintf("user%d", i), "guess", guesser), domain.KindUnauthenticated)
	}
	err := f.login("alice", "password-alice", guesser)
	wantKind(t, err, domain.KindTooManyRequests)
	if !strings.Contains(domain.MessageOf(err), "from your network") {
		t.Fatalf("the message does not say what is throttled: %q", domain.MessageOf(err))
	}
	if err := f.login("alice", "password-alice", "203.0.113.0/24"); err != nil {
		t.Fatalf("alice from her own network: %v", err)
	}
}

// Guesses spread over many networks reach the per-name ceiling, which
// slows every network that has failed for the name; the owner, on a
// network that has not, still logs in at once.
func TestTheNameCeilingSlowsStrangersButNotTheOwner(t *testing.T) {
	f := newFixture(t)
	f.user("alice", domain.LevelMember)
	network := func(i int) string { return fmt.Sprintf("10.%d.%d.0/24", i/256, i%256) }
	// Four guesses from each of five networks: none of them is throttled
	// on its own, together they use up the ceiling of twenty.
	for i := range 5 {
		for range 4 {
			wantKind(t, f.login("alice", "guess", network(i)), domain.KindUnauthenticated)
		}
	}
	err := f.login("alice", "guess", network(0))
	wantKind(t, err, domain.KindTooManyRequests)
	if !strings.Contains(domain.MessageOf(err), "for this account") {
		t.Fatalf("message %q", domain.MessageOf(err))
	}
	// A fresh network may try once; having failed, it is slowed too.
	wantKind(t, f.login("alice", "guess", network(100)), domain.KindUnauthenticated)
	wantKind(t, f.login("alice", "guess", network(100)), domain.KindTooManyRequests)
	// The owner, from a network that has not failed, is not locked out.
	if err := f.login("alice", "password-alice", "203.0.113.0/24"); err != nil {
		t.Fatalf("alice from her own network while strangers guess: %v", err)
	}
}

// Logging in successfully costs nothing: a person who logs in often from
// a shared network is never throttled.
func TestSuccessfulLoginsAreNotRationed(t *testing.T) {
	f := newFixture(t)
	f.user("alice", domain.LevelMember)
	for i := range 100 {
		if err := f.login("alice", "password-alice", "198.51.100.0/24"); err != nil {
			t.Fatalf("login %d: %v", i+1, err)
		}
	}
}

func TestSignUpsAreThrottledPerNetwork(t *testing.T) {
	f := newFixture(t)
	signUp := func(i int, network string) error {
		_, err := f.app.SignUp.Handle(f.ctx, application.SignUp{Name: fmt.Sprintf("new%d", i), Password: "long enough", Network: network})
		return err
	}
	for i := range 10 {
		if err := signUp(i, "198.51.100.0/24"); err != nil {
			t.Fatalf("sign-up %d: %v", i+1, err)
		}
	}
	err := signUp(10, "198.51.100.0/24")
	wantKind(t, err, domain.KindTooManyRequests)
	if wait := domain.RetryAfterOf(err); wait != 6*time.Minute {
		t.Fatalf("retry after %s, want 6m", wait)
	}
	if err := signUp(11, "203.0.113.0/24"); err != nil {
		t.Fatalf("another network: %v", err)
	}
	f.clock.Advance(6 * time.Minute)
	if err := signUp(12, "198.51.100.0/24"); err != nil {
		t.Fatalf("six minutes later: %v", err)
	}
}

func TestClientNetwork(t *testing.T) {
	for in, want := range map[string]string{
		"198.51.100.7":             "198.51.100.0/24",
		"198.51.100.250":           "198.51.100.0/24",
		"::ffff:198.51.100.7":      "198.51.100.0/24",
		"2001:db8:1:2:3:4:5:6":     "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1":     "2001:db8:1:2::/64",
		"not an address":           "not an address",
		"fe80::1%eth0":             "fe80::/64",
		"2001:db8:1:3:3:4:5:6":     "2001:db8:1:3::/64",
		"203.0.113.1":              "203.0.113.0/24",
		"::1":                      "::/64",
		"127.0.0.1":                "127.0.0.0/24",
		"2001:0db8:0001:0002::0bb": "2001:db8:1:2::/64",
	} {
		if got := application.ClientNetwork(in); got != want {
			t.Errorf("ClientNetwork(%q) = %q, want %q", in, got, want)
		}
	}
}

// session is what a session cookie would carry for u as stored now.
func (f *fixture) session(u *domain.User) application.CurrentUser {
	f.t.Helper()
	var got *domain.User
	err := f.db.Do(f.ctx, func(ctx context.Context, s application.Store) (err error) {
		got, err = s.Users.ByID(ctx, u.ID())
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return application.CurrentUser{ID: got.ID(), Generation: got.SessionGeneration()}
}

func (f *fixture) current(s application.CurrentUser) error {
	_, err := f.app.CurrentUser.Handle(f.ctx, s)
	return err
}

func TestLogoutEndsEverySessionOfTheUser(t *testing.T) {
	f := newFixture(t)
	alice, bob := f.user("alice", domain.LevelMember), f.user("bob", domain.LevelMember)
	laptop, phone, bobs := f.session(alice), f.session(alice), f.session(bob)
	if err := f.current(laptop); err != nil {
		t.Fatal(err)
	}
	if err := f.app.Logout.Handle(f.ctx, application.Logout{ID: laptop.ID, Generation: laptop.Generation}); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]application.CurrentUser{"the session that logged out": laptop, "another of alice's": phone} {
		if err := f.current(s); !domain.IsKind(err, domain.KindUnauthenticated) {
			t.Errorf("%s after logout: %v", name, err)
		}
	}
	if err := f.current(bobs); err != nil {
		t.Errorf("bob's session ended with alice's: %v", err)
	}
	// An ended session cannot end the next one.
	next := f.session(alice)
	if err := f.app.Logout.Handle(f.ctx, application.Logout{ID: laptop.ID, Generation: laptop.Generation}); err != nil {
		t.Fatal(err)
	}
	if err := f.current(next); err != nil {
		t.Errorf("an old cookie's logout ended a newer session: %v", err)
	}
	// A vanished user logs out without fuss.
	if err := f.app.Logout.Handle(f.ctx, application.Logout{ID: 9999}); err != nil {
		t.Errorf("logout of a vanished user: %v", err)
	}
}

func TestRevokeAndBanEndSessions(t *testing.T) {
	f := newFixture(t)
	alice, bob := f.user("alice", domain.LevelMember), f.user("bob", domain.LevelMember)
	s := f.session(alice)
	if _, err := f.app.RevokeSessions.Handle(f.ctx, application.RevokeSessions{By: application.CommandLine, Name: "ALICE"}); err != nil {
		t.Fatal(err)
	}
	wantKind(t, f.current(s), domain.KindUnauthenticated)
	if err := f.current(f.session(alice)); err != nil {
		t.Fatalf("a session started after the revocation: %v", err)
	}
	_, err := f.app.RevokeSessions.Handle(f.ctx, application.RevokeSessions{By: application.CommandLine, Name: "nobody"})
	wantKind(t, err, domain.KindNotFound)

	// A banned user is told so, with a cookie as with the API key, and
	// cannot log in either.
	old := f.session(bob)
	f.ban(bob)
	wantKind(t, f.current(old), domain.KindForbidden)
	wantKind(t, f.current(f.session(bob)), domain.KindForbidden)
	_, err = f.app.AuthenticateAPIKey.Handle(f.ctx, application.AuthenticateAPIKey{Name: "bob", Key: bob.APIKey()})
	wantKind(t, err, domain.KindForbidden)
	wantKind(t, f.login("bob", "password-bob", "198.51.100.0/24"), domain.KindForbidden)
	wantKind(t, f.login("bob", "wrong password", "198.51.100.0/24"), domain.KindUnauthenticated)
}

func TestAPIKeysAreStoredHashedAndRotate(t *testing.T) {
	f := newFixture(t)
	alice, bob := f.user("alice", domain.LevelMember), f.user("bob", domain.LevelMember)
	var stored *domain.User
	err := f.db.Do(f.ctx, func(ctx context.Context, s application.Store) (err error) {
		stored, err = s.Users.ByID(ctx, alice.ID())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if stored.APIKey() != "" || stored.APIKeyHash() != domain.HashAPIKey(alice.APIKey()) || stored.APIKeyHash() == alice.APIKey() {
		t.Fatalf("stored key %q, digest %q", stored.APIKey(), stored.APIKeyHash())
	}
	auth := func(key string) error {
		_, err := f.app.AuthenticateAPIKey.Handle(f.ctx, application.AuthenticateAPIKey{Name: "alice", Key: key})
		return err
	}
	if err := auth(stored.APIKeyHash()); err == nil {
		t.Fatal("the stored digest works as a key")
	}

	_, err = f.app.RotateOwnAPIKey.Handle(f.ctx, application.RotateOwnAPIKey{ViewerID: bob.ID(), UserID: alice.ID()})
	wantKind(t, err, domain.KindForbidden)
	_, err = f.app.RotateOwnAPIKey.Handle(f.ctx, application.RotateOwnAPIKey{UserID: alice.ID()})
	wantKind(t, err, domain.KindUnauthenticated)

	rotated, err := f.app.RotateOwnAPIKey.Handle(f.ctx, application.RotateOwnAPIKey{ViewerID: alice.ID(), UserID: alice.ID()})
	if err != nil {
		t.Fatal(err)
	}
	if rotated.APIKey() == "" || rotated.APIKey() == alice.APIKey() {
		t.Fatalf("rotated key %q", rotated.APIKey())
	}
	wantKind(t, auth(alice.APIKey()), domain.KindUnauthenticated)
	if err := auth(rotated.APIKey()); err != nil {
		t.Fatalf("the new key: %v", err)
	}

	byOperator, err := f.app.RotateAPIKey.Handle(f.ctx, application.RotateAPIKey{By: application.CommandLine, Name: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	wantKind(t, auth(rotated.APIKey()), domain.KindUnauthenticated)
	if err := auth(byOperator.APIKey()); err != nil {
		t.Fatalf("the operator's key: %v", err)
	}
}

func TestChangePassword(t *testing.T) {
	f := newFixture(t)
	alice, bob := f.user("alice", domain.LevelMember), f.user("bob", domain.LevelMember)
	other := f.session(alice)
	change := func(viewer domain.UserID, current, next string) (*domain.User, error) {
		return f.app.ChangePassword.Handle(f.ctx, application.ChangePassword{
			ViewerID: viewer, UserID: alice.ID(), Current: current, New: next, Network: "198.51.100.0/24"})
	}
	_, err := change(bob.ID(), "password-bob", "a new password")
	wantKind(t, err, domain.KindForbidden)
	_, err = change(alice.ID(), "wrong", "a new password")
	wantKind(t, err, domain.KindInvalid)
	_, err = change(alice.ID(), "password-alice", "short")
	wantKind(t, err, domain.KindInvalid)
	if err := f.current(other); err != nil {
		t.Fatalf("a refused change ended the sessions: %v", err)
	}

	u, err := change(alice.ID(), "password-alice", "a new password")
	if err != nil {
		t.Fatal(err)
	}
	wantKind(t, f.current(other), domain.KindUnauthenticated)
	if err := f.current(application.CurrentUser{ID: u.ID(), Generation: u.SessionGeneration()}); err != nil {
		t.Fatalf("the generation handed back for the caller's new session: %v", err)
	}
	wantKind(t, f.login("alice", "password-alice", "203.0.113.0/24"), domain.KindUnauthenticated)
	if err := f.login("alice", "a new password", "203.0.113.0/24"); err != nil {
		t.Fatal(err)
	}

	// Wrong current passwords count as failed logins.
	for range 4 {
		_, err = change(alice.ID(), "guess", "another password")
		wantKind(t, err, domain.KindInvalid)
	}
	_, err = change(alice.ID(), "a new password", "another password")
	wantKind(t, err, domain.KindTooManyRequests)
}

func TestSetPassword(t *testing.T) {
	f := newFixture(t)
	alice := f.user("alice", domain.LevelMember)
	s := f.session(alice)
	_, err := f.app.SetPassword.Handle(f.ctx, application.SetPassword{By: application.CommandLine, Name: "alice", Password: "short"})
	wantKind(t, err, domain.KindInvalid)
	if _, err := f.app.SetPassword.Handle(f.ctx, application.SetPassword{By: application.CommandLine, Name: "alice", Password: "set by the operator"}); err != nil {
		t.Fatal(err)
	}
	wantKind(t, f.current(s), domain.KindUnauthenticated)
	if err := f.login("alice", "set by the operator", "198.51.100.0/24"); err != nil {
		t.Fatal(err)
	}
}
