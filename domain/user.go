package domain

import (
	"net/mail"
	"regexp"
	"strings"
	"time"
)

// UserID identifies a user.
type UserID int64

var userNamePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{2,32}$`)

// ValidateUserName checks the name rule of SPEC section 2.
func ValidateUserName(name string) error {
	if !userNamePattern.MatchString(name) {
		return Errorf(KindInvalid, "name must be 2 to 32 letters, digits, '_' or '-'")
	}
	return nil
}

// User is an account on the site.
type User struct {
	id           UserID
	name         string
	email        string
	passwordHash string
	apiKey       string
	level        Level
	banned       bool
	createdAt    time.Time
}

// NewUser validates a new account. The id is assigned when it is stored.
func NewUser(name, email, passwordHash, apiKey string, level Level, now time.Time) (*User, error) {
	if err := ValidateUserName(name); err != nil {
		return nil, err
	}
	email = strings.TrimSpace(email)
	if email != "" {
		addr, err := mail.ParseAddress(email)
		if err != nil || addr.Address != email || len(email) > 254 {
			return nil, Errorf(KindInvalid, "email %q is not a valid address", email)
		}
	}
	if passwordHash == "" || apiKey == "" {
		return nil, Errorf(KindInvalid, "a user needs a password hash and an API key")
	}
	if level.IsZero() {
		return nil, Errorf(KindInvalid, "a user needs a level")
	}
	return &User{name: name, email: email, passwordHash: passwordHash, apiKey: apiKey, level: level, createdAt: now}, nil
}

// UnmarshalUserFromDatabase rebuilds a stored user without re-validating.
func UnmarshalUserFromDatabase(id UserID, name, email, passwordHash, apiKey string, level Level, banned bool, createdAt time.Time) *User {
	return &User{id, name, email, passwordHash, apiKey, level, banned, createdAt}
}

func (u *User) ID() UserID           { return u.id }
func (u *User) Name() string         { return u.name }
func (u *User) Email() string        { return u.email }
func (u *User) PasswordHash() string { return u.passwordHash }
func (u *User) APIKey() string       { return u.apiKey }
func (u *User) Level() Level         { return u.level }
func (u *User) IsBanned() bool       { return u.banned }
func (u *User) CreatedAt() time.Time { return u.createdAt }

// IsAdmin reports admin rights (admin and owner).
func (u *User) IsAdmin() bool { return u.level.AtLeast(LevelAdmin) }

// IsOwner reports owner rights.
func (u *User) IsOwner() bool { return u.level.AtLeast(LevelOwner) }

// AssignID is called once by the repository that stores a new user.
func (u *User) AssignID(id UserID) { u.id = id }

// SetLevel changes the level by an operator's decision.
func (u *User) SetLevel(l Level) error {
	if l.IsZero() {
		return Errorf(KindInvalid, "a user needs a level")
	}
	u.level = l
	return nil
}

// Ban bans the user; banned users can neither buy nor receive upgrades.
func (u *User) Ban() { u.banned = true }

// PaymentUnderway says why an upgrade of type t for a recipient must wait:
// one of the recipient's processing upgrades, a delayed payment on its way,
// already grants the same level or a higher one, and nobody pays twice for
// it. nil when none does.
func PaymentUnderway(t UpgradeType, processing []*Upgrade) *Error {
	for _, p := range processing {
		if p.status == StatusProcessing && p.upgradeType.Grants().AtLeast(t.Grants()) {
			return Errorf(KindConflict, "upgrade #%d (%s) for this recipient is waiting for its payment to settle; it grants %s already",
				p.id, p.upgradeType.Title(), p.upgradeType.Grants().Title())
		}
	}
	return nil
}

// UpgradeRefusal says why this purchaser may not buy upgrade t for
// recipient, with the error kind the edge reports; nil means eligible.
// It is the one place the shop's eligibility rules live.
func UpgradeRefusal(purchaser, recipient *User, t UpgradeType) *Error {
	switch {
	case purchaser == nil:
		return Errorf(KindUnauthenticated, "log in to buy an upgrade")
	case purchaser.banned:
		return Errorf(KindForbidden, "banned users cannot buy upgrades")
	case recipient == nil:
		return Errorf(KindNotFound, "recipient not found")
	case recipient.banned:
		return Errorf(KindInvalid, "%s is banned and cannot be upgraded", recipient.name)
	case t.IsZero():
		return Errorf(KindInvalid, "unknown upgrade type")
	case !t.AllowedFor(recipient.level):
		return Errorf(KindInvalid, "%s cannot receive %s: %s", recipient.name, t.Title(), t.Refusal(recipient.level))
	}
	return nil
}
