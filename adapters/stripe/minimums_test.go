package stripe

import "testing"

func TestMinimumCharge(t *testing.T) {
	for cur, want := range map[string]int64{"usd": 50, "EUR": 50, "jpy": 50, "gbp": 30, "xyz": 1} {
		if got := MinimumCharge(cur); got != want {
			t.Errorf("MinimumCharge(%q) = %d, want %d", cur, got, want)
		}
	}
}
