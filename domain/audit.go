package domain

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// AuditAction is a kind of action people take that the audit trail keeps.
type AuditAction struct{ slug string }

var (
	AuditRefund            = AuditAction{"refund"}
	AuditMint              = AuditAction{"mint"}
	AuditBan               = AuditAction{"ban"}
	AuditUnban             = AuditAction{"unban"}
	AuditLevelChange       = AuditAction{"level_change"}
	AuditKeyRotation       = AuditAction{"key_rotation"}
	AuditSessionRevocation = AuditAction{"session_revocation"}
	AuditPasswordReset     = AuditAction{"password_reset"}
	AuditAnomalyResolution = AuditAction{"anomaly_resolution"}
	AuditEventReplay       = AuditAction{"event_replay"}
)

// AuditActions lists every action, in the order filters offer them.
var AuditActions = []AuditAction{
	AuditRefund, AuditMint, AuditBan, AuditUnban, AuditLevelChange, AuditKeyRotation,
	AuditSessionRevocation, AuditPasswordReset, AuditAnomalyResolution, AuditEventReplay,
}

// ParseAuditAction reads an action by its slug.
func ParseAuditAction(s string) (AuditAction, error) {
	for _, a := range AuditActions {
		if a.slug == s {
			return a, nil
		}
	}
	return AuditAction{}, Errorf(KindInvalid, "unknown audit action %q", s)
}

func (a AuditAction) String() string { return a.slug }
func (a AuditAction) IsZero() bool   { return a.slug == "" }

// Title is the action in words.
func (a AuditAction) Title() string {
	return strings.ToUpper(a.slug[:1]) + strings.ReplaceAll(a.slug[1:], "_", " ")
}

// AuditReasonMax is the longest reason an entry keeps, in characters.
const AuditReasonMax = 500

// AuditEntry is one action of a person (or of an operator at the command
// line) on a subject: who, when, what, on what and why.
type AuditEntry struct {
	id        int64
	action    AuditAction
	actor     UserID // zero: the command line
	subject   string
	reason    string
	createdAt time.Time
}

// NewAuditEntry checks an entry about to be recorded. Subject names what
// was acted on (SubjectUser, SubjectUpgrade, SubjectEvent, or the caller's
// own "kind:id"); the reason is optional plain text.
func NewAuditEntry(action AuditAction, actor UserID, subject, reason string, at time.Time) (AuditEntry, error) {
	if action.IsZero() {
		return AuditEntry{}, Errorf(KindInvalid, "an audit entry needs an action")
	}
	if err := ValidateAuditSubject(subject); err != nil {
		return AuditEntry{}, err
	}
	reason, err := ParseAuditReason(reason)
	if err != nil {
		return AuditEntry{}, err
	}
	return AuditEntry{action: action, actor: actor, subject: subject, reason: reason, createdAt: at}, nil
}

// RebuildAuditEntry restores a stored entry.
func RebuildAuditEntry(id int64, action AuditAction, actor UserID, subject, reason string, at time.Time) AuditEntry {
	return AuditEntry{id: id, action: action, actor: actor, subject: subject, reason: reason, createdAt: at}
}

// ParseAuditReason checks a reason: plain text on one line of at most
// AuditReasonMax characters; surrounding space is dropped.
func ParseAuditReason(s string) (string, error) {
	if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		return "", Errorf(KindMalformed, "a reason must be UTF-8 text without NUL bytes")
	}
	s = strings.TrimSpace(s)
	if n := utf8.RuneCountInString(s); n > AuditReasonMax {
		return "", Errorf(KindInvalid, "a reason is at most %d characters, this one has %d", AuditReasonMax, n)
	}
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return "", Errorf(KindInvalid, "a reason is plain text on one line, without control characters")
	}
	return s, nil
}

// ValidateAuditSubject checks a subject: "kind:id", printable, at most 255
// bytes.
func ValidateAuditSubject(s string) error {
	kind, id, ok := strings.Cut(s, ":")
	if !ok || kind == "" || id == "" || len(s) > 255 || !utf8.ValidString(s) || strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) >= 0 {
		return Errorf(KindInvalid, "an audit subject is kind:id, like user:5, without spaces (%q)", s)
	}
	return nil
}

// SubjectUser, SubjectUpgrade and SubjectEvent name the subjects of audit
// entries.
func SubjectUser(id UserID) string       { return fmt.Sprintf("user:%d", id) }
func SubjectUpgrade(id UpgradeID) string { return fmt.Sprintf("upgrade:%d", id) }
func SubjectEvent(id string) string      { return "event:" + id }

func (e AuditEntry) ID() int64            { return e.id }
func (e AuditEntry) Action() AuditAction  { return e.action }
func (e AuditEntry) ActorID() UserID      { return e.actor }
func (e AuditEntry) Subject() string      { return e.subject }
func (e AuditEntry) Reason() string       { return e.reason }
func (e AuditEntry) CreatedAt() time.Time { return e.createdAt }

// ByCommandLine reports an entry recorded by an operator's command.
func (e AuditEntry) ByCommandLine() bool { return e.actor == 0 }

// AssignID is called once by the store that records the entry.
func (e *AuditEntry) AssignID(id int64) { e.id = id }
