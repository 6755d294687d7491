package domain

import "strings"

// Level is a user's rank on the site. The zero Level is invalid; values come
// from the package variables or ParseLevel.
type Level struct {
	name string
	rank int
}

var (
	LevelRestricted = Level{"restricted", 10}
	LevelMember     = Level{"member", 20}
	LevelGold       = Level{"gold", 30}
	LevelPlatinum   = Level{"platinum", 31}
	LevelBuilder    = Level{"builder", 32}
	LevelModerator  = Level{"moderator", 40}
	LevelAdmin      = Level{"admin", 50}
	LevelOwner      = Level{"owner", 60}
)

// Levels lists every level, lowest first.
var Levels = []Level{
	LevelRestricted, LevelMember, LevelGold, LevelPlatinum,
	LevelBuilder, LevelModerator, LevelAdmin, LevelOwner,
}

// ParseLevel reads a level by name (case-insensitive).
func ParseLevel(s string) (Level, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, l := range Levels {
		if l.name == s {
			return l, nil
		}
	}
	return Level{}, Errorf(KindInvalid, "unknown level %q", s)
}

// LevelFromRank rebuilds a level from its stored rank.
func LevelFromRank(rank int) (Level, error) {
	for _, l := range Levels {
		if l.rank == rank {
			return l, nil
		}
	}
	return Level{}, Errorf(KindInvalid, "unknown level rank %d", rank)
}

func (l Level) String() string { return l.name }
func (l Level) Rank() int      { return l.rank }
func (l Level) IsZero() bool   { return l.rank == 0 }

// Title is the level's name for people ("Gold").
func (l Level) Title() string {
	if l.name == "" {
		return ""
	}
	return strings.ToUpper(l.name[:1]) + l.name[1:]
}

// AtLeast reports whether l ranks at or above o.
func (l Level) AtLeast(o Level) bool { return l.rank >= o.rank }

// Max returns the higher of two levels.
func (l Level) Max(o Level) Level {
	if o.rank > l.rank {
		return o
	}
	return l
}
