// Package restart_test runs the real upgrades binary against PostgreSQL:
// migrations, the operator commands, and a server that is stopped and
// started again without losing anything.
package restart_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"upgrades/migrations"
	"upgrades/test/dbtest"
	"upgrades/test/proc"
)

// env is the environment of every command: the database, a session
// secret, the simulated Stripe asked for (staging), and nothing of the
// developer's own Stripe settings.
func env(dbURL string, extra ...string) []string {
	return proc.Env(append([]string{
		"DATABASE_URL=" + dbURL,
		"STRIPE_SIMULATED=true",
		"SESSION_SECRET=a-session-secret-of-at-least-32-characters",
		"RECONCILE_INTERVAL=0",
	}, extra...)...)
}

// server is a running `upgrades serve`.
type server struct {
	*proc.Process
	addr string
}

func startServer(t *testing.T, bin, dbURL string) *server {
	t.Helper()
	addr := proc.FreeAddr(t)
	s := &server{proc.Start(t, "upgrades serve", bin, env(dbURL, "LISTEN_ADDR="+addr), "serve"), addr}
	s.WaitReady(t, "http://"+addr+"/readyz")
	return s
}

type userJSON struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Level  string `json:"level"`
	APIKey string `json:"api_key"`
}

func TestDataSurvivesARestartOfTheServer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary against PostgreSQL")
	}
	dbURL := dbtest.NewEmpty(t)
	bin := proc.Binary(t)
	environ := env(dbURL)

	// An unmigrated database: the server refuses, in one line.
	out, errOut, err := proc.Run(t, bin, env(dbURL, "LISTEN_ADDR="+proc.FreeAddr(t)), "serve")
	if err == nil {
		t.Fatal("serve started on an unmigrated database")
	}
	n := len(migrations.Migrations.Sorted())
	wantLine := fmt.Sprintf("upgrades serve: database is not migrated: run `upgrades migrate up` (%d migrations pending)", n)
	// The log's first line names the mode; the error is the one other line.
	lines := strings.Split(strings.TrimSpace(out+errOut), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"msg":"staging mode:`) || lines[1] != wantLine {
		t.Fatalf("serve on an unmigrated database said:\n%s\nwant the mode's log line and the one line:\n%s", out+errOut, wantLine)
	}

	status := proc.MustRun(t, bin, environ, "migrate", "status")
	if !strings.Contains(status, fmt.Sprintf("0 applied, %d pending", n)) || strings.Count(status, "pending  ") != n {
		t.Fatalf("status of a fresh database:\n%s", status)
	}
	up := proc.MustRun(t, bin, environ, "migrate", "up")
	if strings.Count(up, "applied ") != n {
		t.Fatalf("migrate up said:\n%s", up)
	}
	status = proc.MustRun(t, bin, environ, "migrate", "status")
	if !strings.Contains(status, fmt.Sprintf("%d applied, 0 pending", n)) || strings.Count(status, "applied  ") != n {
		t.Fatalf("status after up:\n%s", status)
	}
	if again := proc.MustRun(t, bin, environ, "migrate", "up"); !strings.Contains(again, "nothing to apply") {
		t.Fatalf("a second migrate up said:\n%s", again)
	}

	// The operator commands need the database only; the server on a
	// database without a Stripe key must be told it runs on the simulated
	// Stripe (staging).
	operator := proc.Env("DATABASE_URL=" + dbURL)
	_, errOut, err = proc.Run(t, bin, append(operator, "LISTEN_ADDR="+proc.FreeAddr(t)), "serve")
	if err == nil || !strings.HasPrefix(errOut, "upgrades serve: ") || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "STRIPE_SIMULATED=true") {
		t.Fatalf("serve on a database without a Stripe key or STRIPE_SIMULATED: %v, %q", err, errOut)
	}
	var created userJSON
	if err := json.Unmarshal([]byte(proc.MustRun(t, bin, operator, "users", "create", "Alice", "--password", "correct horse", "--email", "alice@example.com")), &created); err != nil {
		t.Fatal(err)
	}
	if created.ID == 0 || created.Name != "Alice" || created.Level != "member" || created.APIKey == "" {
		t.Fatalf("users create printed %+v", created)
	}

	srv := startServer(t, bin, dbURL)
	srv.Stop(t)
	srv = startServer(t, bin, dbURL)
	defer srv.Stop(t)

	// The user outlived the server: the name is still taken, in any case,
	// and the account can be changed.
	_, errOut, err = proc.Run(t, bin, environ, "users", "create", "alice", "--password", "another one")
	if err == nil || !strings.Contains(errOut, "the name alice is taken") {
		t.Fatalf("creating alice again: %v, %s", err, errOut)
	}
	var changed userJSON
	if err := json.Unmarshal([]byte(proc.MustRun(t, bin, environ, "users", "set-level", "alice", "gold")), &changed); err != nil {
		t.Fatal(err)
	}
	if changed.ID != created.ID || changed.Name != "Alice" || changed.Level != "gold" {
		t.Fatalf("set-level on the stored user printed %+v, want Alice #%d at gold", changed, created.ID)
	}
	resp, err := http.Get(fmt.Sprintf("http://%s/readyz", srv.addr))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/readyz after the restart: %d", resp.StatusCode)
	}
}

func TestMigrateDownToZeroAndUpAgain(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary against PostgreSQL")
	}
	dbURL := dbtest.NewEmpty(t)
	bin := proc.Binary(t)
	environ := env(dbURL)

	n := len(migrations.Migrations.Sorted())
	proc.MustRun(t, bin, environ, "migrate", "up")
	down := proc.MustRun(t, bin, environ, "migrate", "down")
	if strings.Count(down, "rolled back ") != n {
		t.Fatalf("migrate down said:\n%s", down)
	}
	if status := proc.MustRun(t, bin, environ, "migrate", "status"); !strings.Contains(status, fmt.Sprintf("0 applied, %d pending", n)) {
		t.Fatalf("status after down:\n%s", status)
	}
	if again := proc.MustRun(t, bin, environ, "migrate", "down"); !strings.Contains(again, "nothing to roll back") {
		t.Fatalf("down on an empty database said:\n%s", again)
	}
	proc.MustRun(t, bin, environ, "migrate", "up")
	if status := proc.MustRun(t, bin, environ, "migrate", "status"); !strings.Contains(status, fmt.Sprintf("%d applied, 0 pending", n)) {
		t.Fatalf("status after up again:\n%s", status)
	}

	_, errOut, err := proc.Run(t, bin, env(""), "migrate", "up")
	if err == nil || !strings.Contains(errOut, "DATABASE_URL is not set") {
		t.Fatalf("migrate without DATABASE_URL: %v, %s", err, errOut)
	}
	_, errOut, err = proc.Run(t, bin, environ, "migrate", "sideways")
	if err == nil || !strings.Contains(errOut, "usage") {
		t.Fatalf("migrate sideways: %v, %s", err, errOut)
	}
}
