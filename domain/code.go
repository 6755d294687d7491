package domain

import (
	"strings"
	"time"
	"unicode/utf8"
)

// CodeAlphabet is the characters of an upgrade code: digits and capitals
// without those read as others (0 and O, 1, I and L) and U, so that a code
// read aloud or copied by hand comes out right.
const CodeAlphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ"

// CodeLength is how many characters of CodeAlphabet make a code: 30^12 ≈
// 5·10^17, so that codes cannot be guessed within any throttle.
const CodeLength = 12

// CodeValue is the text of an upgrade code, always CodeLength characters of
// CodeAlphabet. Shown as XXXX-XXXX-XXXX.
type CodeValue struct{ s string }

// errCodeNotValid is the one answer for a code that cannot be redeemed,
// whatever the reason: it does not tell a guesser which codes exist.
func errCodeNotValid() *Error { return Errorf(KindInvalid, "this code is not valid") }

// ParseCode reads a code as people type it: in any case, with or without
// the dashes, with spaces around it. Anything else is a KindInvalid error.
func ParseCode(s string) (CodeValue, error) {
	s = strings.TrimSpace(s)
	if len(s) > 2*CodeLength || !utf8.ValidString(s) {
		return CodeValue{}, errCodeNotValid()
	}
	var b strings.Builder
	for i, r := range s {
		if r == '-' && (i == 4 || i == 9) && len(s) == CodeLength+2 {
			continue
		}
		if r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		if r > 127 || !strings.ContainsRune(CodeAlphabet, r) {
			return CodeValue{}, errCodeNotValid()
		}
		b.WriteRune(r)
	}
	if b.Len() != CodeLength {
		return CodeValue{}, errCodeNotValid()
	}
	return CodeValue{b.String()}, nil
}

// NewCodeValue makes a code from CodeLength random bytes, each taken
// modulo the alphabet's size; the source draws them below a multiple of
// it, so that every character is equally likely (about 59 bits a code).
func NewCodeValue(random []byte) (CodeValue, error) {
	if len(random) != CodeLength {
		return CodeValue{}, Errorf(KindInternal, "a code needs %d random bytes", CodeLength)
	}
	b := make([]byte, CodeLength)
	for i, r := range random {
		b[i] = CodeAlphabet[int(r)%len(CodeAlphabet)]
	}
	return CodeValue{string(b)}, nil
}

// String is the code as stored: CodeLength characters without dashes.
func (c CodeValue) String() string { return c.s }

// IsZero reports a code that was never parsed or made.
func (c CodeValue) IsZero() bool { return c.s == "" }

// Display is the code as shown: XXXX-XXXX-XXXX.
func (c CodeValue) Display() string {
	if len(c.s) != CodeLength {
		return c.s
	}
	return c.s[:4] + "-" + c.s[4:8] + "-" + c.s[8:]
}

// Short is the code's first group, enough to name it in a history that
// others may read: "ABCD-…".
func (c CodeValue) Short() string {
	if len(c.s) < 4 {
		return c.s
	}
	return c.s[:4] + "-…"
}

// CodeStatus is where a code is in its life.
type CodeStatus struct{ slug string }

var (
	CodeUnused   = CodeStatus{"unused"}
	CodeRedeemed = CodeStatus{"redeemed"}
	CodeVoid     = CodeStatus{"void"}
)

// ParseCodeStatus reads a code status by name.
func ParseCodeStatus(s string) (CodeStatus, error) {
	for _, st := range []CodeStatus{CodeUnused, CodeRedeemed, CodeVoid} {
		if strings.EqualFold(s, st.slug) {
			return st, nil
		}
	}
	return CodeStatus{}, Errorf(KindInvalid, "unknown code status %q", s)
}

func (s CodeStatus) String() string { return s.slug }
func (s CodeStatus) IsZero() bool   { return s.slug == "" }

// CodeID identifies a stored code.
type CodeID int64

// MaxCodesBought and MaxCodesMinted bound one purchase and one minting.
const (
	MaxCodesBought = 10
	MaxCodesMinted = 100
)

// CodeTypeRefusal says why t cannot be sold or minted as a code: only the
// upgrades from member (gold, platinum) can, since a code's redeemer is
// not known in advance.
func CodeTypeRefusal(t UpgradeType) *Error {
	if t != UpgradeGold && t != UpgradePlatinum {
		return Errorf(KindInvalid, "codes are gold or platinum")
	}
	return nil
}

// Code is a prepaid upgrade that anyone can redeem once: bought in a
// purchase (upgradeID) or minted by an owner (upgradeID 0). Its buyer is
// the purchaser or the minting owner; the codes are theirs to see.
type Code struct {
	id          CodeID
	value       CodeValue
	upgradeType UpgradeType
	status      CodeStatus
	upgradeID   UpgradeID
	buyerID     UserID
	note        string
	redeemerID  UserID
	redeemedAt  time.Time
	levelBefore Level // the redeemer's level before, for the refund rule
	createdAt   time.Time
}

// NewCode is an unused code of type t. upgradeID is its purchase, 0 for a
// minted one.
func NewCode(v CodeValue, t UpgradeType, buyer UserID, upgradeID UpgradeID, note string, now time.Time) (*Code, error) {
	if v.IsZero() || buyer == 0 {
		return nil, Errorf(KindInternal, "a code needs its value and its buyer")
	}
	if err := CodeTypeRefusal(t); err != nil {
		return nil, err
	}
	return &Code{value: v, upgradeType: t, status: CodeUnused, upgradeID: upgradeID, buyerID: buyer, note: note, createdAt: now}, nil
}

// CodeSnapshot is everything stored about a code.
type CodeSnapshot struct {
	ID          CodeID
	Value       string
	Type        UpgradeType
	Status      CodeStatus
	UpgradeID   UpgradeID
	BuyerID     UserID
	Note        string
	RedeemerID  UserID
	RedeemedAt  time.Time
	LevelBefore Level
	CreatedAt   time.Time
}

// UnmarshalCodeFromDatabase rebuilds a stored code.
func UnmarshalCodeFromDatabase(s CodeSnapshot) *Code {
	return &Code{id: s.ID, value: CodeValue{s.Value}, upgradeType: s.Type, status: s.Status, upgradeID: s.UpgradeID,
		buyerID: s.BuyerID, note: s.Note, redeemerID: s.RedeemerID, redeemedAt: s.RedeemedAt,
		levelBefore: s.LevelBefore, createdAt: s.CreatedAt}
}

// Snapshot returns the stored fields.
func (c *Code) Snapshot() CodeSnapshot {
	return CodeSnapshot{ID: c.id, Value: c.value.s, Type: c.upgradeType, Status: c.status, UpgradeID: c.upgradeID,
		BuyerID: c.buyerID, Note: c.note, RedeemerID: c.redeemerID, RedeemedAt: c.redeemedAt,
		LevelBefore: c.levelBefore, CreatedAt: c.createdAt}
}

func (c *Code) ID() CodeID            { return c.id }
func (c *Code) Value() CodeValue      { return c.value }
func (c *Code) Type() UpgradeType     { return c.upgradeType }
func (c *Code) Status() CodeStatus    { return c.status }
func (c *Code) UpgradeID() UpgradeID  { return c.upgradeID }
func (c *Code) BuyerID() UserID       { return c.buyerID }
func (c *Code) Note() string          { return c.note }
func (c *Code) RedeemerID() UserID    { return c.redeemerID }
func (c *Code) RedeemedAt() time.Time { return c.redeemedAt }
func (c *Code) LevelBefore() Level    { return c.levelBefore }
func (c *Code) CreatedAt() time.Time  { return c.createdAt }
func (c *Code) Minted() bool          { return c.upgradeID == 0 }
func (c *Code) AssignID(id CodeID)    { c.id = id }
func (c *Code) Grants() Level         { return c.upgradeType.Grants() }
func (c *Code) CanBeViewedBy(v *User) bool {
	return v != nil && (v.id == c.buyerID || v.id == c.redeemerID || v.IsOwner())
}

// Redeem raises redeemer to the code's level. The caller holds the code's
// and the redeemer's locks. A used or void code is refused with the same
// message as an unknown one; a code that would not raise the redeemer is
// refused and stays unused.
func (c *Code) Redeem(redeemer *User, now time.Time) error {
	switch {
	case redeemer.banned:
		return Errorf(KindForbidden, "banned users cannot redeem codes")
	case c.status != CodeUnused:
		return errCodeNotValid()
	case redeemer.level.AtLeast(c.Grants()):
		return Errorf(KindInvalid, "you already have %s or above", c.Grants().Title())
	}
	c.levelBefore = redeemer.level
	redeemer.level = c.Grants()
	c.status, c.redeemerID, c.redeemedAt = CodeRedeemed, redeemer.id, now
	return nil
}

// Void ends a code whose purchase was refunded and returns the status it
// had. A redeemed code keeps its redeemer, whom the caller puts back with
// Revert.
func (c *Code) Void() CodeStatus {
	was := c.status
	c.status = CodeVoid
	return was
}

// Revert puts the redeemer of a code whose purchase was refunded back by
// the refund rule (SPEC §2): unless their level changed since, it becomes
// the higher of what they still paid for (their fulfilled upgrades, their
// other redeemed codes) and the level they had before the first of them.
// It reports whether the level changed. The caller holds the redeemer's lock.
func (c *Code) Revert(redeemer *User, fulfilled []*Upgrade, redeemed []*Code) bool {
	if redeemer.id != c.redeemerID || c.levelBefore.IsZero() || redeemer.level != c.Grants() {
		return false
	}
	back := RevertLevel(c.levelBefore, fulfilled, redeemed, 0, c.id)
	if back == redeemer.level {
		return false
	}
	redeemer.level = back
	return true
}

// RecordCodeRedeemed notes in a code purchase's history that one of its
// codes was redeemed, by whom.
func (u *Upgrade) RecordCodeRedeemed(c *Code, redeemerName string, now time.Time) {
	u.record(HistoryEntry{At: now, From: u.status, To: u.status, Outcome: OutcomeApplied, Cause: "user " + redeemerName,
		Note: "code " + c.value.Short() + " redeemed by " + redeemerName})
}

// RecordCodeReverted notes in a refunded code purchase's history that the
// redeemer of one of its codes was put back to level.
func (u *Upgrade) RecordCodeReverted(c *Code, redeemerName string, level Level, now time.Time) {
	u.record(HistoryEntry{At: now, From: u.status, To: u.status, Outcome: OutcomeApplied, Cause: "refund",
		Note: "code " + c.value.Short() + ": " + redeemerName + " returned to " + level.String()})
}
