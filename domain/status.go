package domain

import "strings"

// Status is where an upgrade is in its life.
type Status struct{ slug string }

var (
	StatusPending    = Status{"pending"}
	StatusProcessing = Status{"processing"}
	StatusComplete   = Status{"complete"}
	StatusFailed     = Status{"failed"}
	StatusExpired    = Status{"expired"}
	StatusRefunded   = Status{"refunded"}
)

// Statuses lists every status.
var Statuses = []Status{StatusPending, StatusProcessing, StatusComplete, StatusFailed, StatusExpired, StatusRefunded}

// ParseStatus reads a status by its slug.
func ParseStatus(s string) (Status, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, st := range Statuses {
		if st.slug == s {
			return st, nil
		}
	}
	return Status{}, Errorf(KindInvalid, "unknown status %q", s)
}

func (s Status) String() string { return s.slug }
func (s Status) IsZero() bool   { return s.slug == "" }

// withArticle is the status after "a" or "an", for sentences:
// "an expired", "a failed".
func (s Status) withArticle() string {
	if s.slug != "" && strings.ContainsRune("aeiou", rune(s.slug[0])) {
		return "an " + s.slug
	}
	return "a " + s.slug
}

// IsOpen reports whether the payment is still undecided.
func (s Status) IsOpen() bool { return s == StatusPending || s == StatusProcessing }

// IsTerminal reports whether nothing can change the status any more.
func (s Status) IsTerminal() bool {
	return s == StatusFailed || s == StatusExpired || s == StatusRefunded
}
