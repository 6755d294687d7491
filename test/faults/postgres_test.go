package faults

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"upgrades/test/proc"
)

// postgresServer is a PostgreSQL cluster of the test's own, on a free
// port, that the test may stop and start: the machine's shared server
// cannot be stopped under the other tests.
type postgresServer struct {
	bin, data, sockets, port string
	asPostgres               bool // running as root: every command runs as the postgres user
}

// startPostgres creates and starts a cluster in a temporary directory.
// Without PostgreSQL's server programs the test is skipped, and under CI
// it fails.
func startPostgres(t *testing.T) *postgresServer {
	t.Helper()
	bin := postgresBinDir()
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("PostgreSQL's server programs (initdb, pg_ctl) are not installed (CI=true, so this fails)")
		}
		t.Skip("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
	}
	dir, err := os.MkdirTemp("", "upgrades-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	pg := &postgresServer{bin: bin, data: filepath.Join(dir, "data"), sockets: dir, asPostgres: os.Geteuid() == 0}
	if pg.asPostgres {
		// initdb refuses to run as root; the cluster belongs to postgres.
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root needs the postgres user: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	_, port, _ := strings.Cut(proc.FreeAddr(t), ":")
	pg.port = port
	pg.run(t, "initdb", "-D", pg.data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
	pg.start(t)
	t.Cleanup(func() { pg.command("pg_ctl", "-D", pg.data, "-m", "immediate", "-w", "stop").Run() })
	return pg
}

// URL is the connection URL of the cluster's postgres database.
func (pg *postgresServer) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%s/postgres?sslmode=disable", pg.port)
}

func (pg *postgresServer) start(t *testing.T) {
	t.Helper()
	opts := fmt.Sprintf("-p %s -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50", pg.port, pg.sockets)
	pg.run(t, "pg_ctl", "-D", pg.data, "-o", opts, "-l", filepath.Join(pg.sockets, "log"), "-w", "start")
}

// stop shuts the server down the fast way: open transactions are rolled
// back and every connection is cut, as in a failover or a restart.
func (pg *postgresServer) stop(t *testing.T) {
	t.Helper()
	pg.run(t, "pg_ctl", "-D", pg.data, "-m", "fast", "-w", "stop")
}

func (pg *postgresServer) run(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := pg.command(name, args...).CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(pg.sockets, "log"))
		t.Fatalf("%s %s: %v\n%s\nserver log:\n%s", name, strings.Join(args, " "), err, out, log)
	}
}

func (pg *postgresServer) command(name string, args ...string) *exec.Cmd {
	path := filepath.Join(pg.bin, name)
	if pg.asPostgres {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	}
	return exec.Command(path, args...)
}

// postgresBinDir finds the newest installed PostgreSQL's server programs.
func postgresBinDir() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return versionOf(a) - versionOf(b) })
	for _, d := range slices.Backward(dirs) {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d
		}
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		d := strings.TrimSpace(string(out))
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d
		}
	}
	return ""
}

func versionOf(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}
