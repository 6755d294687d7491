package http

import "testing"

// A cell a spreadsheet would read as a formula is kept as text.
func TestCSVSafe(t *testing.T) {
	for in, want := range map[string]string{
		"=1+2": "'=1+2", "+1": "'+1", "-cmd": "'-cmd", "@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx", "\rx": "'\rx",
		"alice": "alice", "$20.00": "$20.00", "": "", "a=b": "a=b", "2026-12-03": "2026-12-03",
	} {
		if got := csvSafe(in); got != want {
			t.Errorf("csvSafe(%q) = %q, want %q", in, got, want)
		}
	}
}
