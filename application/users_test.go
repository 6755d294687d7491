package application_test

import (
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
	if u, err := f.app.CurrentUser.Handle(f.ctx, application.CurrentUser{ID: alice.ID()}); err != nil || u.Name() != "alice" {
		t.Fatalf("%v %v", u, err)
	}
	_, err := f.app.CurrentUser.Handle(f.ctx, application.CurrentUser{ID: 9999})
	wantKind(t, err, domain.KindUnauthenticated)
}

func TestSetLevel(t *testing.T) {
	f := newFixture(t)
	alice := f.user("alice", domain.LevelMember)
	u, err := f.app.SetLevel.Handle(f.ctx, application.SetLevel{Name: "Alice", Level: domain.LevelModerator})
	if err != nil || u.Level() != domain.LevelModerator || f.level(alice) != domain.LevelModerator {
		t.Fatalf("set level: %v, stored %s", err, f.level(alice))
	}
	_, err = f.app.SetLevel.Handle(f.ctx, application.SetLevel{Name: "alice", Level: domain.Level{}})
	wantKind(t, err, domain.KindInvalid)
	if f.level(alice) != domain.LevelModerator {
		t.Fatal("a refused change was stored")
	}
	_, err = f.app.SetLevel.Handle(f.ctx, application.SetLevel{Name: "nobody", Level: domain.LevelGold})
	wantKind(t, err, domain.KindNotFound)
}

func TestBan(t *testing.T) {
	f := newFixture(t)
	alice, bob := f.user("alice", domain.LevelMember), f.user("bob", domain.LevelMember)
	u, err := f.app.Ban.Handle(f.ctx, application.Ban{Name: "bob"})
	if err != nil || !u.IsBanned() {
		t.Fatalf("ban: %v", err)
	}
	_, err = f.app.Ban.Handle(f.ctx, application.Ban{Name: "nobody"})
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

func TestLoginIsThrottledByName(t *testing.T) {
	f := newFixture(t)
	f.user("alice", domain.LevelMember)
	login := func(name, password, address string) error {
		_, err := f.app.Login.Handle(f.ctx, application.Login{Name: name, Password: password, Address: address})
		return err
	}
	// Five guesses from five addresses, in any case of the name.
	for i, name := range []string{"alice", "ALICE", "Alice", " alice", "alice"} {
		wantKind(t, login(name, "guess", fmt.Sprintf("198.51.100.%d", i)), domain.KindUnauthenticated)
	}
	// The sixth is refused before the password is looked at, the right one
	// included, and says when to come back.
	err := login("alice", "password-alice", "203.0.113.9")
	wantKind(t, err, domain.KindTooManyRequests)
	if wait := domain.RetryAfterOf(err); wait != time.Minute {
		t.Fatalf("retry after %s, want 1m", wait)
	}
	// Other accounts are not held up.
	f.user("bob", domain.LevelMember)
	if err := login("bob", "password-bob", "203.0.113.9"); err != nil {
		t.Fatalf("bob cannot log in while alice is throttled: %v", err)
	}
	// A minute later alice has one attempt again.
	f.clock.Advance(time.Minute)
	if err := login("alice", "password-alice", "203.0.113.9"); err != nil {
		t.Fatalf("a minute later: %v", err)
	}
}

func TestLoginIsThrottledByAddress(t *testing.T) {
	f := newFixture(t)
	f.user("alice", domain.LevelMember)
	const guesser = "198.51.100.7"
	// Twenty names, real or not, from one address.
	for i := range 20 {
		_, err := f.app.Login.Handle(f.ctx, application.Login{Name: fmt.Sprintf("user%d", i), Password: "guess", Address: guesser})
		wantKind(t, err, domain.KindUnauthenticated)
	}
	_, err := f.app.Login.Handle(f.ctx, application.Login{Name: "alice", Password: "password-alice", Address: guesser})
	wantKind(t, err, domain.KindTooManyRequests)
	if !strings.Contains(domain.MessageOf(err), "from your address") {
		t.Fatalf("the message does not say what is throttled: %q", domain.MessageOf(err))
	}
	if _, err := f.app.Login.Handle(f.ctx, application.Login{Name: "alice", Password: "password-alice", Address: "203.0.113.1"}); err != nil {
		t.Fatalf("alice from her own address: %v", err)
	}
}

// Logging in successfully costs nothing: a person who logs in often from
// a shared address is never throttled.
func TestSuccessfulLoginsAreNotRationed(t *testing.T) {
	f := newFixture(t)
	f.user("alice", domain.LevelMember)
	for i := range 100 {
		if _, err := f.app.Login.Handle(f.ctx, application.Login{Name: "alice", Password: "password-alice", Address: "198.51.100.1"}); err != nil {
			t.Fatalf("login %d: %v", i+1, err)
		}
	}
}
