// Package restart_test runs the real upgrades binary against PostgreSQL:
// migrations, the operator commands, and a server that is stopped and
// started again without losing anything.
package restart_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"upgrades/test/dbtest"
)

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
	binDir    string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// build compiles the upgrades binary once for every test of the package.
func build(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if binDir, buildErr = os.MkdirTemp("", "upgrades-bin-"); buildErr != nil {
			return
		}
		binary = filepath.Join(binDir, "upgrades")
		cmd := exec.Command("go", "build", "-o", binary, "./cmd/upgrades")
		cmd.Dir = filepath.Join("..", "..")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binary
}

// env is the environment of every command: the database, a session
// secret, and nothing of the developer's own Stripe settings.
func env(dbURL string, extra ...string) []string {
	out := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + os.Getenv("HOME"),
		"DATABASE_URL=" + dbURL,
		"SESSION_SECRET=a-session-secret-of-at-least-32-characters",
		"RECONCILE_INTERVAL=0",
	}
	return append(out, extra...)
}

// run runs the binary to completion and returns its stdout and stderr.
func run(t *testing.T, bin string, environ []string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = environ
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

func mustRun(t *testing.T, bin string, environ []string, args ...string) string {
	t.Helper()
	out, errOut, err := run(t, bin, environ, args...)
	if err != nil {
		t.Fatalf("upgrades %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// server is a running `upgrades serve`.
type server struct {
	cmd    *exec.Cmd
	addr   string
	stderr *bytes.Buffer
	done   chan error
}

func startServer(t *testing.T, bin, dbURL string) *server {
	t.Helper()
	addr := freeAddr(t)
	s := &server{addr: addr, stderr: &bytes.Buffer{}, done: make(chan error, 1)}
	s.cmd = exec.Command(bin, "serve")
	s.cmd.Env = env(dbURL, "LISTEN_ADDR="+addr)
	s.cmd.Stdout, s.cmd.Stderr = s.stderr, s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			s.cmd.Process.Kill()
			<-s.done
		}
	})
	s.waitReady(t)
	return s
}

// waitReady polls /readyz until it answers 200, the process exits, or a
// deadline passes.
func (s *server) waitReady(t *testing.T) {
	t.Helper()
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-s.done:
			t.Fatalf("the server exited before it was ready: %v\n%s", err, s.stderr)
		default:
		}
		resp, err := client.Get("http://" + s.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the server was not ready within 30s:\n%s", s.stderr)
}

// stop sends SIGTERM and waits for a clean exit.
func (s *server) stop(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-s.done:
		if err != nil {
			t.Fatalf("the server did not stop cleanly: %v\n%s", err, s.stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("the server did not stop within 30s of SIGTERM:\n%s", s.stderr)
	}
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
	bin := build(t)
	environ := env(dbURL)

	// An unmigrated database: the server refuses, in one line.
	out, errOut, err := run(t, bin, env(dbURL, "LISTEN_ADDR="+freeAddr(t)), "serve")
	if err == nil {
		t.Fatal("serve started on an unmigrated database")
	}
	wantLine := "upgrades serve: database is not migrated: run `upgrades migrate up` (2 migrations pending)"
	if got := strings.TrimSpace(out + errOut); got != wantLine {
		t.Fatalf("serve on an unmigrated database said:\n%s\nwant the one line:\n%s", got, wantLine)
	}

	status := mustRun(t, bin, environ, "migrate", "status")
	if !strings.Contains(status, "0 applied, 2 pending") || strings.Count(status, "pending  ") != 2 {
		t.Fatalf("status of a fresh database:\n%s", status)
	}
	up := mustRun(t, bin, environ, "migrate", "up")
	if strings.Count(up, "applied ") != 2 {
		t.Fatalf("migrate up said:\n%s", up)
	}
	status = mustRun(t, bin, environ, "migrate", "status")
	if !strings.Contains(status, "2 applied, 0 pending") || strings.Count(status, "applied  ") != 2 {
		t.Fatalf("status after up:\n%s", status)
	}
	if again := mustRun(t, bin, environ, "migrate", "up"); !strings.Contains(again, "nothing to apply") {
		t.Fatalf("a second migrate up said:\n%s", again)
	}

	var created userJSON
	if err := json.Unmarshal([]byte(mustRun(t, bin, environ, "users", "create", "Alice", "--password", "correct horse", "--email", "alice@example.com")), &created); err != nil {
		t.Fatal(err)
	}
	if created.ID == 0 || created.Name != "Alice" || created.Level != "member" || created.APIKey == "" {
		t.Fatalf("users create printed %+v", created)
	}

	srv := startServer(t, bin, dbURL)
	srv.stop(t)
	srv = startServer(t, bin, dbURL)
	defer srv.stop(t)

	// The user outlived the server: the name is still taken, in any case,
	// and the account can be changed.
	_, errOut, err = run(t, bin, environ, "users", "create", "alice", "--password", "another one")
	if err == nil || !strings.Contains(errOut, "the name alice is taken") {
		t.Fatalf("creating alice again: %v, %s", err, errOut)
	}
	var changed userJSON
	if err := json.Unmarshal([]byte(mustRun(t, bin, environ, "users", "set-level", "alice", "gold")), &changed); err != nil {
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
	bin := build(t)
	environ := env(dbURL)

	mustRun(t, bin, environ, "migrate", "up")
	down := mustRun(t, bin, environ, "migrate", "down")
	if strings.Count(down, "rolled back ") != 2 {
		t.Fatalf("migrate down said:\n%s", down)
	}
	if status := mustRun(t, bin, environ, "migrate", "status"); !strings.Contains(status, "0 applied, 2 pending") {
		t.Fatalf("status after down:\n%s", status)
	}
	if again := mustRun(t, bin, environ, "migrate", "down"); !strings.Contains(again, "nothing to roll back") {
		t.Fatalf("down on an empty database said:\n%s", again)
	}
	mustRun(t, bin, environ, "migrate", "up")
	if status := mustRun(t, bin, environ, "migrate", "status"); !strings.Contains(status, "2 applied, 0 pending") {
		t.Fatalf("status after up again:\n%s", status)
	}

	_, errOut, err := run(t, bin, env(""), "migrate", "up")
	if err == nil || !strings.Contains(errOut, "DATABASE_URL is not set") {
		t.Fatalf("migrate without DATABASE_URL: %v, %s", err, errOut)
	}
	_, errOut, err = run(t, bin, environ, "migrate", "sideways")
	if err == nil || !strings.Contains(errOut, "usage") {
		t.Fatalf("migrate sideways: %v, %s", err, errOut)
	}
}
