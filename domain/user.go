package domain

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
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
//
// Its API key is kept only as a SHA-256 digest: the key itself is known
// just after it was made (NewUser, RotateAPIKey) and never again. Its
// session generation is carried by every session cookie: raising it ends
// every session at once, without a record per session.
type User struct {
	id           UserID
	name         string
	email        string
	passwordHash string
	apiKeyHash   string
	newAPIKey    string // the key just made, shown once; never stored
	level        Level
	banned       bool
	sessionGen   int64
	createdAt    time.Time
}

// HashAPIKey is the SHA-256 digest of an API key, in hex: what is stored.
// A key is 256 random bits, so a fast hash is enough; a slow one would put
// a password hash's cost on every API request.
func HashAPIKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// NewUser validates a new account, whose API key is apiKey. The id is
// assigned when it is stored.
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
	return &User{name: name, email: email, passwordHash: passwordHash, apiKeyHash: HashAPIKey(apiKey), newAPIKey: apiKey,
		level: level, createdAt: now}, nil
}

// UnmarshalUserFromDatabase rebuilds a stored user without re-validating;
// apiKeyHash is HashAPIKey of the key. Its session generation is 0 until
// WithSessionGeneration says otherwise.
func UnmarshalUserFromDatabase(id UserID, name, email, passwordHash, apiKeyHash string, level Level, banned bool, createdAt time.Time) *User {
	return &User{id: id, name: name, email: email, passwordHash: passwordHash, apiKeyHash: apiKeyHash,
		level: level, banned: banned, createdAt: createdAt}
}

// WithSessionGeneration completes a user rebuilt from storage with its
// stored session generation.
func (u *User) WithSessionGeneration(gen int64) *User {
	u.sessionGen = gen
	return u
}

func (u *User) ID() UserID           { return u.id }
func (u *User) Name() string         { return u.name }
func (u *User) Email() string        { return u.email }
func (u *User) PasswordHash() string { return u.passwordHash }
func (u *User) APIKeyHash() string   { return u.apiKeyHash }
func (u *User) Level() Level         { return u.level }
func (u *User) IsBanned() bool       { return u.banned }
func (u *User) CreatedAt() time.Time { return u.createdAt }

// APIKey is the API key made by NewUser or RotateAPIKey on this value, or
// "" for a user read back from storage: only the digest is kept.
func (u *User) APIKey() string { return u.newAPIKey }

// HasAPIKey reports whether key is this user's API key, in time that does
// not depend on where the digests differ.
func (u *User) HasAPIKey(key string) bool {
	return subtle.ConstantTimeCompare([]byte(HashAPIKey(key)), []byte(u.apiKeyHash)) == 1
}

// RotateAPIKey replaces the API key: the old one stops working.
func (u *User) RotateAPIKey(key string) error {
	if key == "" {
		return Errorf(KindInvalid, "a user needs an API key")
	}
	u.apiKeyHash, u.newAPIKey = HashAPIKey(key), key
	return nil
}

// SessionGeneration is carried by the user's session cookies; a cookie of
// another generation is no longer a session.
func (u *User) SessionGeneration() int64 { return u.sessionGen }

// EndSessions ends every session of the user.
func (u *User) EndSessions() { u.sessionGen++ }

// SetPasswordHash changes the password and ends every session; the caller
// starts a new one for the person who changed it.
func (u *User) SetPasswordHash(hash string) error {
	if hash == "" {
		return Errorf(KindInvalid, "a user needs a password hash")
	}
	u.passwordHash = hash
	u.EndSessions()
	return nil
}

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

// Ban bans the user and ends their sessions; banned users can neither
// buy nor receive upgrades, and are refused wherever they log in.
func (u *User) Ban() {
	u.banned = true
	u.EndSessions()
}

// Unban lets a banned user log in and buy again; the sessions the ban
// ended stay ended.
func (u *User) Unban() { u.banned = false }

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
