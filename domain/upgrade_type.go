package domain

import (
	"slices"
	"strings"
)

// UpgradeType is one of the three products on sale.
type UpgradeType struct{ slug string }

var (
	UpgradeGold           = UpgradeType{"gold"}
	UpgradePlatinum       = UpgradeType{"platinum"}
	UpgradeGoldToPlatinum = UpgradeType{"gold_to_platinum"}
)

// UpgradeTypes lists every type in the order the shop shows them.
var UpgradeTypes = []UpgradeType{UpgradeGold, UpgradePlatinum, UpgradeGoldToPlatinum}

type upgradeTypeInfo struct {
	title   string
	grants  Level
	allowed []Level
}

var upgradeTypeTable = map[UpgradeType]upgradeTypeInfo{
	UpgradeGold:           {"Gold", LevelGold, []Level{LevelRestricted, LevelMember}},
	UpgradePlatinum:       {"Platinum", LevelPlatinum, []Level{LevelRestricted, LevelMember}},
	UpgradeGoldToPlatinum: {"Gold to Platinum", LevelPlatinum, []Level{LevelGold}},
}

// ParseUpgradeType reads a type by its slug.
func ParseUpgradeType(s string) (UpgradeType, error) {
	t := UpgradeType{strings.ToLower(strings.TrimSpace(s))}
	if _, ok := upgradeTypeTable[t]; !ok {
		return UpgradeType{}, Errorf(KindInvalid, "unknown upgrade type %q", s)
	}
	return t, nil
}

func (t UpgradeType) String() string { return t.slug }
func (t UpgradeType) Title() string  { return upgradeTypeTable[t].title }
func (t UpgradeType) Grants() Level  { return upgradeTypeTable[t].grants }
func (t UpgradeType) IsZero() bool   { return t.slug == "" }

// AllowedFor reports whether a recipient at level l may receive this type.
func (t UpgradeType) AllowedFor(l Level) bool {
	return slices.Contains(upgradeTypeTable[t].allowed, l)
}

// Refusal explains, for people, why a recipient at level l cannot receive
// this type; it is empty when they can.
func (t UpgradeType) Refusal(l Level) string {
	switch {
	case t.AllowedFor(l):
		return ""
	case l.AtLeast(LevelPlatinum):
		return "already Platinum or above"
	case l.AtLeast(t.Grants()):
		return "already " + l.Title()
	default:
		return "requires a Gold account"
	}
}
