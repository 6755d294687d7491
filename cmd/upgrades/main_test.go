package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/alecthomas/kong"

	"upgrades/test/dbtest"
)

// cliEnv is an environment of vars, standard input and outputs.
func cliEnv(vars map[string]string, stdin string, stdout, stderr io.Writer) env {
	return env{getenv: func(k string) string { return vars[k] }, stdin: strings.NewReader(stdin), stdout: stdout, stderr: stderr}
}

// runCLI runs the command line with the environment vars and standard
// input, and returns its exit status and what it printed.
func runCLI(t *testing.T, vars map[string]string, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(context.Background(), args, cliEnv(vars, stdin, &o, &e))
	return code, o.String(), e.String()
}

// Every command and subcommand answers --help, and its help names the
// environment variable behind each flag that has one.
func TestEveryCommandHasHelpNamingItsEnvironment(t *testing.T) {
	var c cli
	parser, err := newParser(&c, env{getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	var paths [][]string
	var walk func(n *kong.Node, path []string)
	walk = func(n *kong.Node, path []string) {
		paths = append(paths, path)
		for _, child := range n.Children {
			walk(child, append(append([]string{}, path...), child.Name))
		}
	}
	walk(parser.Model.Node, nil)
	if len(paths) < 12 {
		t.Fatalf("only %d commands found: %v", len(paths), paths)
	}
	for _, path := range paths {
		code, out, errOut := runCLI(t, nil, "", append(path, "--help")...)
		name := strings.Join(append([]string{"upgrades"}, path...), " ")
		if code != 0 || errOut != "" || !strings.HasPrefix(out, "Usage: ") {
			t.Errorf("%s --help: status %d, stderr %q, stdout:\n%s", name, code, errOut, out)
			continue
		}
		node := parser.Model.Node
		for _, word := range path {
			for _, child := range node.Children {
				if child.Name == word {
					node = child
				}
			}
		}
		for _, f := range node.AllFlags(true) {
			for _, flag := range f {
				if envvar := flag.Tag.Get("envvar"); envvar != "" && !strings.Contains(out, "$"+envvar) {
					t.Errorf("%s --help does not name $%s for --%s:\n%s", name, envvar, flag.Name, out)
				}
			}
		}
	}
	// The server's help names the variables an operator sets most.
	_, out, _ := runCLI(t, nil, "", "serve", "--help")
	for _, v := range []string{"$DATABASE_URL", "$STRIPE_SECRET_KEY", "$STRIPE_SIMULATED", "$LOG_LEVEL", "$LOG_FORMAT", "$PRICES", "$SALE_PERCENT", "$ALLOW_PROMOTION_CODES"} {
		if !strings.Contains(out, v) {
			t.Errorf("serve --help lacks %s:\n%s", v, out)
		}
	}
}

func TestCommandsNotUnderstoodSayHowToAsk(t *testing.T) {
	for _, args := range [][]string{{"sideways"}, {"migrate", "sideways"}, {"users"}, {"users", "create"}, {"serve", "--no-such-flag"}} {
		code, out, errOut := runCLI(t, nil, "", args...)
		if code != 2 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "--help") {
			t.Errorf("upgrades %s: status %d, stdout %q, stderr %q", strings.Join(args, " "), code, out, errOut)
		}
	}
	code, _, errOut := runCLI(t, nil, "", "users", "create", "bob", "--password", "x", "--password-stdin")
	if code != 2 || !strings.Contains(errOut, "--password") {
		t.Errorf("both --password and --password-stdin: status %d, %q", code, errOut)
	}
}

// A failed command says so in one line that starts with its name, and
// exits 1.
func TestAFailedCommandSaysWhyInOneLine(t *testing.T) {
	for _, tc := range []struct {
		vars map[string]string
		args []string
		want string
	}{
		{nil, []string{"migrate", "up"}, "upgrades migrate up: DATABASE_URL is not set"},
		{nil, []string{"users", "ban", "bob"}, "upgrades users ban: DATABASE_URL is not set"},
		{nil, []string{"reconcile"}, "upgrades reconcile: STRIPE_SECRET_KEY is not set"},
		{map[string]string{"LOG_LEVEL": "loud"}, nil, "upgrades serve: LOG_LEVEL must be debug, info, warn or error"},
		{map[string]string{"LOG_FORMAT": "xml"}, []string{"serve"}, "upgrades serve: LOG_FORMAT must be json or text"},
		{map[string]string{"SLOW_QUERY": "soon"}, []string{"serve"}, "upgrades serve: SLOW_QUERY must be a duration"},
		{nil, []string{"events", "replay", "evt_1"}, "upgrades events replay: DATABASE_URL is not set"},
		{map[string]string{"LOG_FORMAT": "xml"}, []string{"stripe-sim", "--drop-webhooks"}, "upgrades stripe-sim: LOG_FORMAT must be json or text"},
	} {
		code, _, errOut := runCLI(t, tc.vars, "", tc.args...)
		if code != 1 || !strings.HasPrefix(errOut, tc.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("upgrades %v with %v: status %d, stderr %q, want one line starting %q", tc.args, tc.vars, code, errOut, tc.want)
		}
	}
}

// The password read from standard input is the account's: it logs in,
// and nothing else does.
func TestUsersCreateReadsThePasswordFromStandardInput(t *testing.T) {
	if testing.Short() {
		t.Skip("needs PostgreSQL")
	}
	vars := map[string]string{"DATABASE_URL": dbtest.New(t)}
	code, out, errOut := runCLI(t, vars, "a password from stdin\n", "users", "create", "carol", "--password-stdin", "--level", "gold")
	if code != 0 {
		t.Fatalf("users create --password-stdin: %d %s", code, errOut)
	}
	var u struct {
		Name, Level string
	}
	if err := json.Unmarshal([]byte(out), &u); err != nil || u.Name != "carol" || u.Level != "gold" {
		t.Fatalf("printed %q: %v", out, err)
	}
	// The flag on the command line wins over the environment.
	code, _, errOut = runCLI(t, map[string]string{"DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}, "", "users", "set-level", "carol", "member", "--database-url", vars["DATABASE_URL"])
	if code != 0 {
		t.Fatalf("set-level with --database-url over DATABASE_URL: %d %s", code, errOut)
	}
	code, _, errOut = runCLI(t, vars, "", "users", "create", "dave", "--password-stdin")
	if code != 1 || !strings.Contains(errOut, "nothing was read from standard input") {
		t.Errorf("empty standard input: %d %q", code, errOut)
	}
	code, _, errOut = runCLI(t, vars, "short\n", "users", "create", "erin", "--password-stdin")
	if code != 1 || strings.Contains(errOut, "short") {
		t.Errorf("a short password: %d %q (the password must not be echoed)", code, errOut)
	}
}

// The operator mints codes as the first owner and gets them as JSON;
// a quantity out of range is one line on stderr.
func TestCodesMintPrintsTheCodes(t *testing.T) {
	if testing.Short() {
		t.Skip("needs PostgreSQL")
	}
	vars := map[string]string{"DATABASE_URL": dbtest.New(t)}
	code, _, errOut := runCLI(t, vars, "", "codes", "mint", "--type", "gold", "--quantity", "2")
	if code != 1 || !strings.Contains(errOut, "no owner") {
		t.Fatalf("minting without an owner: %d %q", code, errOut)
	}
	if code, _, errOut = runCLI(t, vars, "an owner's password\n", "users", "create", "olivia", "--password-stdin", "--level", "owner"); code != 0 {
		t.Fatal(errOut)
	}
	code, out, errOut := runCLI(t, vars, "", "codes", "mint", "--type", "gold", "--count", "2", "--note", "raffle")
	var codes []struct{ Code, Status string }
	if err := json.Unmarshal([]byte(out), &codes); code != 0 || err != nil || len(codes) != 2 || codes[0].Status != "unused" || len(codes[0].Code) != 14 {
		t.Fatalf("codes mint: %d %q %q %v", code, out, errOut, err)
	}
	code, _, errOut = runCLI(t, vars, "", "codes", "mint", "--type", "gold", "--quantity", "101")
	if code != 1 || !strings.Contains(errOut, "quantity must be between 1 and 100") || strings.Count(errOut, "\n") != 1 {
		t.Fatalf("101 codes: %d %q", code, errOut)
	}
}
