// Package proc runs the real upgrades binary for the tests that need it in
// its own process: it builds the binary once per test binary, starts
// servers on free loopback ports, waits until they are ready, and stops
// them politely (SIGTERM) or not (SIGKILL).
package proc

import (
	"bytes"
	"context"
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
)

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// Binary builds ./cmd/upgrades once for the whole test binary and returns
// its path. The file lives in the temporary directory until the machine
// cleans it; every test binary builds its own.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "upgrades-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "upgrades")
		out, err := exec.Command("go", "build", "-o", binary, "upgrades/cmd/upgrades").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binary
}

// FreeAddr returns a loopback address nobody listens on right now.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// Env is a minimal environment (PATH and HOME) plus extra, so that nothing
// of the developer's own database or Stripe settings leaks into a test.
func Env(extra ...string) []string {
	// No slow-query lines: on a busy machine any query may pass the
	// threshold, and tests read the binary's output line by line. The
	// slow-query log has its own test (adapters/postgres). Nor a drain on
	// each stop: it has its own test (test/faults), and extra may set one.
	return append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "SLOW_QUERY=0", "DRAIN_DELAY=0"}, extra...)
}

// Run runs the binary to completion (within a minute) and returns what it
// printed.
func Run(t testing.TB, bin string, env []string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

// MustRun is Run that fails the test when the command fails.
func MustRun(t testing.TB, bin string, env []string, args ...string) string {
	t.Helper()
	out, errOut, err := Run(t, bin, env, args...)
	if err != nil {
		t.Fatalf("upgrades %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// Process is a running command.
type Process struct {
	Name string
	cmd  *exec.Cmd
	logs string // the file of its output
	done chan struct{}
	err  error // how it exited, once done is closed
}

// Start starts bin with env and args. The process is killed when the test
// ends if it is still running, and its output is logged if the test failed.
// Its output goes to a file, as a service's log does, rather than through a
// pipe that this process would have to read as it comes: under load that
// reading would compete with the process for the same processors.
func Start(t testing.TB, name, bin string, env []string, args ...string) *Process {
	t.Helper()
	out, err := os.CreateTemp(t.TempDir(), "output-")
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close() // the process has its own descriptor
	p := &Process{Name: name, cmd: exec.Command(bin, args...), logs: out.Name(), done: make(chan struct{})}
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = out, out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		if !p.Exited() {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("output of %s:\n%s", name, p.Logs())
		}
	})
	return p
}

// Signal sends sig to the process without waiting for it.
func (p *Process) Signal(sig os.Signal) error { return p.cmd.Process.Signal(sig) }

// Done is closed when the process has ended; Err then says how.
func (p *Process) Done() <-chan struct{} { return p.done }
func (p *Process) Err() error            { return p.err }

// Exited reports whether the process has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Logs is everything the process printed so far.
func (p *Process) Logs() string {
	b, err := os.ReadFile(p.logs)
	if err != nil {
		return fmt.Sprintf("(its output cannot be read: %v)", err)
	}
	return string(b)
}

// Pid is the process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// WaitReady polls url until it answers 200. It fails the test when the
// process exits first or 30 seconds pass.
func (p *Process) WaitReady(t testing.TB, url string) {
	t.Helper()
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if res, err := client.Get(url); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-p.done:
			t.Fatalf("%s exited before it was ready (%v):\n%s", p.Name, p.err, p.Logs())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s was not ready within 30s:\n%s", p.Name, p.Logs())
		}
	}
}

// WaitListening waits until addr accepts TCP connections, for servers
// without a readiness page. It fails the test as WaitReady does.
func (p *Process) WaitListening(t testing.TB, addr string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return
		}
		select {
		case <-p.done:
			t.Fatalf("%s exited before it listened (%v):\n%s", p.Name, p.err, p.Logs())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not listen on %s within 30s:\n%s", p.Name, addr, p.Logs())
		}
	}
}

// Stop sends SIGTERM and fails the test unless the process exits cleanly
// within 30 seconds.
func (p *Process) Stop(t testing.TB) {
	t.Helper()
	if p.Exited() {
		t.Fatalf("%s had already exited (%v):\n%s", p.Name, p.err, p.Logs())
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		if p.err != nil {
			t.Fatalf("%s did not stop cleanly: %v\n%s", p.Name, p.err, p.Logs())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not stop within 30s of SIGTERM:\n%s", p.Name, p.Logs())
	}
}

// Kill ends the process with SIGKILL, as a crash or an OOM killer would,
// and waits until it is gone.
func (p *Process) Kill(t testing.TB) {
	t.Helper()
	_ = p.cmd.Process.Kill()
	<-p.done
}

// Buffer collects what several goroutines write (the logger of a server
// that a test runs in its own process, say) for the test to read.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
