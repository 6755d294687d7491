package domain_test

import (
	"strings"
	"testing"

	"upgrades/domain"
)

func TestCheckPassword(t *testing.T) {
	for _, c := range []struct {
		name, password string
		refused        bool
		kind           domain.Kind
	}{
		{"eight ASCII characters", "tr0ub4do", false, 0},
		{"eight characters of two bytes each", "éééééééé", false, 0},
		{"spaces inside", "correct horse", false, 0},
		{"72 bytes", strings.Repeat("ab", 36), false, 0},
		{"seven characters", "tr0ub4d", true, domain.KindInvalid},
		{"eight bytes but four characters", "éééé", true, domain.KindInvalid},
		{"73 bytes", strings.Repeat("ab", 36) + "c", true, domain.KindInvalid},
		{"40 characters of two bytes", strings.Repeat("é", 40), true, domain.KindInvalid},
		{"only spaces", "        ", true, domain.KindInvalid},
		{"only white space of several kinds", " \t\u00a0\u2003 \n\u3000 ", true, domain.KindInvalid},
		{"common", "password1", true, domain.KindInvalid},
		{"common in another case", "PassWord1", true, domain.KindInvalid},
		{"common digits", "12345678", true, domain.KindInvalid},
		{"the last of the list", "radioman", true, domain.KindInvalid},
		{"NUL", "tr0ub4dor\x00", true, domain.KindMalformed},
		{"invalid UTF-8", "tr0ub4dor\xff", true, domain.KindMalformed},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := domain.CheckPassword(c.password)
			if !c.refused {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if !domain.IsKind(err, c.kind) {
				t.Fatalf("error %v, want %v", err, c.kind)
			}
		})
	}
}
