package faults

import (
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"upgrades/test/proc"
)

// On SIGTERM the server says it is not ready at once, keeps serving every
// request for DRAIN_DELAY (so that a load balancer polling /readyz takes it
// out of rotation before connections are refused), then exits cleanly.
func TestSIGTERMDrainsBeforeStopping(t *testing.T) {
	skipShort(t)
	const delay = 3 * time.Second
	addr := proc.FreeAddr(t)
	base := "http://" + addr
	p := proc.Start(t, "upgrades serve (demo)", proc.Binary(t), proc.Env("LISTEN_ADDR="+addr, "DRAIN_DELAY="+delay.String()), "serve")
	p.WaitReady(t, base+"/readyz")

	get := func(path string) int {
		t.Helper()
		// A new connection each time: a draining server still accepts them.
		c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
		res, err := c.Get(base + path)
		if err != nil {
			t.Fatalf("GET %s while draining: %v", path, err)
		}
		res.Body.Close()
		return res.StatusCode
	}

	termAt := time.Now()
	if err := p.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// "At once": within a second, well inside the delay.
	for get("/readyz") != http.StatusServiceUnavailable {
		if time.Since(termAt) > time.Second {
			t.Fatalf("/readyz still ready %s after SIGTERM", time.Since(termAt))
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, path := range []string{"/healthz", "/login", "/upgrade"} {
		if code := get(path); code != http.StatusOK {
			t.Errorf("GET %s while draining: %d, want 200", path, code)
		}
	}
	if p.Exited() {
		t.Fatalf("exited during the drain, %s after SIGTERM", time.Since(termAt))
	}

	exitsAfterTheDrain(t, p, termAt, delay, 15*time.Second)
}

// exitsAfterTheDrain waits for p to exit cleanly, within grace after the
// drain delay, and fails the test if it exited before the delay.
func exitsAfterTheDrain(t *testing.T, p *proc.Process, termAt time.Time, delay, grace time.Duration) {
	t.Helper()
	select {
	case <-p.Done():
		if err := p.Err(); err != nil {
			t.Fatalf("did not exit cleanly: %v", err)
		}
	case <-time.After(delay + grace):
		t.Fatal("still running long after the drain")
	}
	if took := time.Since(termAt); took < delay {
		t.Fatalf("exited %s after SIGTERM, before the drain delay of %s", took, delay)
	}
}

// A SIGTERM that arrives while the server is still starting is not lost
// and does not cut the start short: the server finishes starting, drains
// as it would at any other time and exits cleanly.
func TestSIGTERMWhileStartingDrainsAfterTheStart(t *testing.T) {
	skipShort(t)
	const delay = time.Second
	addr := proc.FreeAddr(t)
	p := proc.Start(t, "upgrades serve (demo)", proc.Binary(t), proc.Env("LISTEN_ADDR="+addr, "DRAIN_DELAY="+delay.String()), "serve")
	// The first line is printed once the signal is handled and before the
	// start (the demo users' passwords take a while to hash).
	for !strings.Contains(p.Logs(), "demo mode") {
		select {
		case <-p.Done():
			t.Fatalf("exited before it started: %v", p.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
	termAt := time.Now()
	if err := p.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// The grace includes the rest of the start.
	exitsAfterTheDrain(t, p, termAt, delay, 30*time.Second)
	for _, want := range []string{`"msg":"listening"`, `"msg":"draining: /readyz answers 503"`, `"msg":"shutting down"`} {
		if !strings.Contains(p.Logs(), want) {
			t.Errorf("the output lacks %s", want)
		}
	}
}
