package secure

import (
	"strings"
	"testing"

	"upgrades/domain"
)

// Codes are read back by ParseCode, differ from each other, and use the
// whole alphabet evenly enough: over 3,000 codes each character appears
// about 1,200 times; a character never drawn, or drawn half as often as
// another, would be a broken source.
func TestCodesAreUniformAndReadable(t *testing.T) {
	seen := map[domain.CodeValue]bool{}
	counts := map[rune]int{}
	for range 3000 {
		c, err := Codes{}.NewCode()
		if err != nil {
			t.Fatal(err)
		}
		if again, err := domain.ParseCode(strings.ToLower(c.Display())); err != nil || again != c {
			t.Fatalf("%s does not read back: %v", c.Display(), err)
		}
		if seen[c] {
			t.Fatalf("%s was made twice", c.Display())
		}
		seen[c] = true
		for _, r := range c.String() {
			counts[r]++
		}
	}
	lo, hi := 1<<30, 0
	for _, r := range domain.CodeAlphabet {
		lo, hi = min(lo, counts[r]), max(hi, counts[r])
	}
	if lo == 0 || hi > 2*lo {
		t.Fatalf("characters drawn between %d and %d times: %v", lo, hi, counts)
	}
}
