// Package modes_test runs the real upgrades binary in each of its three
// modes (SPEC section 7) and checks what each does and refuses.
package modes_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"upgrades/test/dbtest"
	"upgrades/test/proc"
)

const sessionSecret = "a-session-secret-of-at-least-32-characters"

// serve starts `upgrades serve` on a free port with env and waits until it
// is ready.
func serve(t *testing.T, env ...string) (p *proc.Process, base string) {
	t.Helper()
	addr := proc.FreeAddr(t)
	p = proc.Start(t, "upgrades serve", proc.Binary(t), proc.Env(append(env, "LISTEN_ADDR="+addr, "RECONCILE_INTERVAL=0")...), "serve")
	p.WaitReady(t, "http://"+addr+"/readyz")
	return p, "http://" + addr
}

// firstLog is the message of the first line the process logged.
func firstLog(t *testing.T, p *proc.Process) string {
	t.Helper()
	for _, line := range strings.Split(p.Logs(), "\n") {
		var entry struct{ Msg, Mode string }
		if json.Unmarshal([]byte(line), &entry) == nil && entry.Msg != "" {
			return entry.Mode + ": " + entry.Msg
		}
	}
	t.Fatalf("nothing logged:\n%s", p.Logs())
	return ""
}

func status(t *testing.T, url string) int {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func users(t *testing.T, dbURL string) int {
	t.Helper()
	var n int
	if err := dbtest.SQL(t, dbURL).QueryRow(`SELECT count(*) FROM users`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDemoSeedsUsersAndMountsTheSimulatedStripe(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	p, base := serve(t)
	defer p.Stop(t)
	if first := firstLog(t, p); !strings.HasPrefix(first, "demo: demo mode: data in memory") {
		t.Errorf("first log line: %q", first)
	}
	if !strings.Contains(p.Logs(), "owner") || !strings.Contains(p.Logs(), "upgrade-demo") {
		t.Errorf("the demo users were not printed:\n%s", p.Logs())
	}
	// The simulated Stripe takes only the key this process made, not any
	// sk_test_ key: a guessed one lists no buyer's events.
	req, _ := http.NewRequest(http.MethodGet, base+"/_stripe/v1/events", nil)
	req.Header.Set("Authorization", "Bearer sk_test_guessed")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("/_stripe/v1/events with a guessed key: %d, want 401", res.StatusCode)
	}
}

func TestLiveRefusesToStartWithoutWhatItNeeds(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	// The hole this closes: a live key without a database ran the
	// in-memory demo, owner with the published password included.
	_, errOut, err := proc.Run(t, proc.Binary(t), proc.Env("STRIPE_SECRET_KEY=sk_live_real", "LISTEN_ADDR="+proc.FreeAddr(t)), "serve")
	want := "upgrades serve: STRIPE_SECRET_KEY is set, so the server runs live, and live needs DATABASE_URL, SESSION_SECRET, STRIPE_WEBHOOK_SECRET\n"
	if err == nil || errOut != want {
		t.Errorf("live with a key only: %v\n%q\nwant\n%q", err, errOut, want)
	}
	_, errOut, err = proc.Run(t, proc.Binary(t), proc.Env("STRIPE_SECRET_KEY=sk_live_real", "STRIPE_WEBHOOK_SECRET=whsec_x",
		"SESSION_SECRET="+sessionSecret, "LISTEN_ADDR="+proc.FreeAddr(t)), "serve")
	if err == nil || !strings.HasSuffix(errOut, "live needs DATABASE_URL\n") {
		t.Errorf("live without a database: %v %q", err, errOut)
	}
}

func TestLiveHasNoDemoUsersAndNoSimulatedStripe(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary against PostgreSQL")
	}
	dbURL := dbtest.New(t)
	p, base := serve(t, "DATABASE_URL="+dbURL, "STRIPE_SECRET_KEY=sk_live_real", "STRIPE_API_BASE=http://127.0.0.1:9",
		"STRIPE_WEBHOOK_SECRET=whsec_live", "SESSION_SECRET="+sessionSecret)
	defer p.Stop(t)
	if first := firstLog(t, p); !strings.HasPrefix(first, "live: live mode: PostgreSQL, payments through http://127.0.0.1:9 with a live key") {
		t.Errorf("first log line: %q", first)
	}
	if s := status(t, base+"/_stripe/v1/events"); s != http.StatusNotFound {
		t.Errorf("/_stripe/v1/events live: %d, want 404", s)
	}
	if n := users(t, dbURL); n != 0 || strings.Contains(p.Logs(), "upgrade-demo") {
		t.Errorf("live created %d users:\n%s", n, p.Logs())
	}
}

func TestStagingMustBeAskedForAndHasNoDemoUsers(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary against PostgreSQL")
	}
	dbURL := dbtest.New(t)
	_, errOut, err := proc.Run(t, proc.Binary(t), proc.Env("DATABASE_URL="+dbURL, "LISTEN_ADDR="+proc.FreeAddr(t)), "serve")
	if err == nil || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "STRIPE_SIMULATED=true") {
		t.Errorf("a database without a key: %v %q", err, errOut)
	}
	p, base := serve(t, "DATABASE_URL="+dbURL, "STRIPE_SIMULATED=true")
	defer p.Stop(t)
	if first := firstLog(t, p); !strings.HasPrefix(first, "staging: staging mode: PostgreSQL with the simulated Stripe") {
		t.Errorf("first log line: %q", first)
	}
	if s := status(t, base+"/_stripe/v1/events"); s == http.StatusNotFound {
		t.Errorf("/_stripe/v1/events in staging: %d, want the simulated Stripe", s)
	}
	if n := users(t, dbURL); n != 0 || strings.Contains(p.Logs(), "upgrade-demo") {
		t.Errorf("staging created %d users:\n%s", n, p.Logs())
	}
}

func TestABadLogSettingIsOneLine(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	for _, v := range []string{"LOG_LEVEL=loud", "LOG_FORMAT=xml"} {
		out, errOut, err := proc.Run(t, proc.Binary(t), proc.Env(v, "LISTEN_ADDR="+proc.FreeAddr(t)), "serve")
		name, _, _ := strings.Cut(v, "=")
		if err == nil || out != "" || strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "upgrades serve: "+name+" must be") {
			t.Errorf("%s: %v, stdout %q, stderr %q", v, err, out, errOut)
		}
	}
	// The text format and the debug level are what they say.
	p, _ := serve(t, "LOG_FORMAT=text", "LOG_LEVEL=warn")
	p.Stop(t)
	if logs := p.Logs(); strings.Contains(logs, `"level"`) || strings.Contains(logs, "level=INFO") {
		t.Errorf("LOG_FORMAT=text LOG_LEVEL=warn logged:\n%s", logs)
	}
}
