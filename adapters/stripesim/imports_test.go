package stripesim

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The simulation stands in for a third party: it knows Stripe's shapes
// (metadata strings, amounts, currencies), never the shop's domain or use
// cases. Importing no package of this module at all also rules out
// reaching the domain through another package.
func TestImportsNothingOfTheShop(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no source files")
	}
	for _, f := range files {
		file, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range file.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if path == "upgrades" || strings.HasPrefix(path, "upgrades/") && path != "upgrades/adapters/stripesim" {
				t.Errorf("%s imports %s: the simulated Stripe knows Stripe, not the shop", f, path)
			}
		}
	}
}

func TestFormatAmount(t *testing.T) {
	for _, c := range []struct {
		amount   int64
		currency string
		want     string
	}{
		{2000, "usd", "$20.00"},
		{1600, "eur", "€16.00"},
		{1440, "eur", "€14.40"},
		{5, "usd", "$0.05"},
		{2000, "jpy", "¥2,000"},
		{123456789, "usd", "$1,234,567.89"},
		{1250, "chf", "12.50 CHF"},
		{-150, "usd", "-$1.50"},
	} {
		if got := formatAmount(c.amount, c.currency); got != c.want {
			t.Errorf("formatAmount(%d, %s) = %q, want %q", c.amount, c.currency, got, c.want)
		}
	}
}
