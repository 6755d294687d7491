package application_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// forbidden are the libraries that belong to the edges, never to the use
// cases (STYLE.md: application imports only domain and the standard library).
var forbidden = []string{
	"github.com/gin-gonic/",
	"github.com/uptrace/bun",
	"github.com/stripe/stripe-go",
	"go.uber.org/fx",
	"upgrades/adapters",
	"upgrades/cmd",
}

// TestLayering parses the production sources of domain and application
// and checks what each may import.
func TestLayering(t *testing.T) {
	for _, pkg := range []struct {
		dir   string
		check func(path string) string // why path may not be imported; "" when it may
	}{
		{"../domain", func(path string) string {
			first, _, _ := strings.Cut(path, "/")
			if strings.Contains(first, ".") || first == "upgrades" {
				return "domain imports the standard library only"
			}
			return ""
		}},
		{".", func(path string) string {
			for _, p := range forbidden {
				if strings.HasPrefix(path, p) {
					return "application may not import " + p
				}
			}
			first, _, _ := strings.Cut(path, "/")
			if (strings.Contains(first, ".") || first == "upgrades") && path != "upgrades/domain" {
				return "application imports domain and the standard library only"
			}
			return ""
		}},
	} {
		files, err := filepath.Glob(filepath.Join(pkg.dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		checked := 0
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			file, err := parser.ParseFile(token.NewFileSet(), f, src, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			checked++
			for _, imp := range file.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				if why := pkg.check(path); why != "" {
					t.Errorf("%s imports %s: %s", f, path, why)
				}
			}
		}
		if checked == 0 {
			t.Errorf("no source files in %s", pkg.dir)
		}
	}
}
