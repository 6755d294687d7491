package bench_test

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"upgrades/test/proc"
)

//go:embed fulfil.sql
var embeddedScript string

// fulfilScript is the pgbench script of the fulfilment's SQL.
func fulfilScript(t *testing.T) string {
	if *scriptPath == "" {
		return embeddedScript
	}
	b, err := os.ReadFile(*scriptPath)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// signedEvent is a webhook as Stripe sends it: the body and its signature.
type signedEvent struct {
	payload []byte
	header  string
}

// completedEvents makes a signed checkout.session.completed, paid, for
// every upgrade of p, shaped as Stripe sends it (the simulated Stripe's
// session object, indented) and signed now with the server's secret.
func (b *bench) completedEvents(p pool) []signedEvent {
	now := time.Now()
	out := make([]signedEvent, p.n)
	for i := range p.n {
		up, user := p.upgrade(i), p.user(i)
		session := sessionID(up)
		obj := map[string]any{
			"id": session, "object": "checkout.session",
			"amount_subtotal": 2000, "amount_total": 2000,
			"cancel_url":          fmt.Sprintf("%s/user_upgrades/new?user_id=%d", b.url(""), user),
			"client_reference_id": fmt.Sprintf("user_upgrade_%d", up),
			"created":             now.Add(-time.Minute).Unix(), "currency": "usd",
			"customer_details": map[string]any{"email": p.name(i) + "@example.com", "name": nil},
			"customer_email":   p.name(i) + "@example.com",
			"expires_at":       now.Add(time.Hour).Unix(), "livemode": false,
			"metadata": map[string]string{
				"purchaser_id": strconv.FormatInt(user, 10), "recipient_id": strconv.FormatInt(user, 10),
				"upgrade_type": "gold", "user_upgrade_id": strconv.FormatInt(up, 10),
			},
			"mode": "payment", "payment_intent": fmt.Sprintf("pi_b%d", tag(up)),
			"payment_status": "paid", "status": "complete",
			"success_url": fmt.Sprintf("%s/user_upgrades/%d?session_id={CHECKOUT_SESSION_ID}", b.url(""), up),
			"url":         nil,
		}
		payload, err := json.MarshalIndent(map[string]any{
			"id": fmt.Sprintf("evt_b%d", tag(up)), "object": "event", "api_version": "2023-10-16",
			"created": now.Unix(), "data": map[string]any{"object": obj}, "livemode": false,
			"pending_webhooks": 1, "request": map[string]any{"id": nil, "idempotency_key": nil},
			"type": "checkout.session.completed",
		}, "", "  ")
		if err != nil {
			b.t.Fatal(err)
		}
		signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: webhookSecret, Timestamp: now})
		out[i] = signedEvent{payload: payload, header: signed.Header}
	}
	return out
}

// deliver posts evs[i] to the server at base as Stripe does.
func (b *bench) deliver(base string, evs []signedEvent) func(i int) error {
	return func(i int) error {
		req, err := http.NewRequest(http.MethodPost, base+"/webhooks/receive", bytes.NewReader(evs[i].payload))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		req.Header.Set("User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)")
		req.Header.Set("Stripe-Signature", evs[i].header)
		_, err = b.do(req, http.StatusOK)
		return err
	}
}

// scriptDerivation says in the report where fulfil.sql comes from.
const scriptDerivation = "The statements are recorded on the wire between PostgreSQL and a second server process while it " +
	"fulfils one event (the server speaks the simple query protocol, so each statement crosses whole, values included). " +
	"test/bench/fulfil.sql holds the same statements in the same order, with the event's ids as pgbench variables, on " +
	"fresh pending upgrades seeded like the server's; every run compares the two statement by statement, values aside, " +
	"and runs pgbench only if they match."

// measureWebhooks fulfils fresh pending upgrades from signed webhooks as
// fast as -perf.concurrency senders can, and has pgbench run the same SQL
// on as many other fresh upgrades at the same concurrency, in alternating
// rounds, so that whatever else the machine does in the meantime weighs
// on both; then it sends webhooks at a fixed rate of half the server's.
func (b *bench) measureWebhooks() *webhookResult {
	c := *concurrency
	n := *events / c * c // pgbench's clients share the transactions evenly
	res := &webhookResult{Events: n, Rounds: *rounds, Concurrency: c, TargetRatio: 0.7,
		ScriptDerivation: scriptDerivation, Command: sectionCommand("webhook")}
	capture := b.seedPool("wc", 1, false)
	warm := b.seedPool("ww", c*50, false)
	var served, benched []pool
	for range *rounds {
		served = append(served, b.seedPool("wh", n, false))
		benched = append(benched, b.seedPool("pg", n, false))
	}
	recorded := b.checkScript(res, capture)
	if r := closedLoop(warm.n, c, b.deliver(b.url(""), b.completedEvents(warm))); r.errors > 0 {
		b.t.Fatalf("webhook warm-up: %d failed: %v", r.errors, r.firstErr)
	}
	b.alternate(res, served, benched, recorded)
	b.fixedRate(res)
	return res
}

// checkScript records the SQL of one fulfilment (of p's upgrade) and
// compares it with fulfil.sql; it returns the recorded statements.
func (b *bench) checkScript(res *webhookResult, p pool) []string {
	statements := b.captureFulfilment(p)
	res.Statements = make([]string, len(statements))
	for i, s := range statements {
		res.Statements[i] = shape(s)
	}
	script := scriptStatements(fulfilScript(b.t))
	scriptShapes := make([]string, len(script))
	for i, s := range script {
		scriptShapes[i] = shape(s)
	}
	res.ScriptMatches = slices.Equal(res.Statements, scriptShapes)
	if !res.ScriptMatches {
		b.t.Errorf("test/bench/fulfil.sql is not the SQL the server runs to fulfil a payment any more; update it.\nthe server:\n  %s\nthe script:\n  %s",
			strings.Join(res.Statements, "\n  "), strings.Join(scriptShapes, "\n  "))
	}
	return statements
}

// alternate runs the rounds: the server fulfils served[i], then pgbench
// runs the recorded SQL on benched[i].
func (b *bench) alternate(res *webhookResult, served, benched []pool, recorded []string) {
	t, c, n := b.t, res.Concurrency, res.Events
	var serverLat, pgbenchLat latencies
	var serverRates, pgbenchRates, ratios []float64
	for i := range served {
		round := webhookRound{}
		b.db.settle()
		evs := b.completedEvents(served[i])
		t.Logf("round %d: fulfilling %d payments from webhooks, %d at a time", i+1, n, c)
		bg := b.background()
		cpu := startCPU(b.server.Pid())
		r := closedLoop(n, c, b.deliver(b.url(""), evs))
		round.ServerCPU = cpu.perOp(n)
		round.ServerBackground = b.background().since(bg).String()
		if r.errors > 0 {
			t.Fatalf("webhooks: %d of %d failed: %v", r.errors, n, r.firstErr)
		}
		if done := b.completed(served[i]); done != int64(n) {
			t.Fatalf("webhooks: %d of %d upgrades are complete", done, n)
		}
		round.Server = r.rate()
		serverLat = append(serverLat, r.lat...)
		serverRates = append(serverRates, round.Server)
		res.CPU = res.CPU.add(round.ServerCPU, len(served))

		if res.ScriptMatches {
			b.db.settle()
			t.Logf("round %d: pgbench, %d transactions, %d clients", i+1, n, c)
			bg := b.background()
			pg, lat := b.pgbench(benched[i], n/c, c, recorded)
			round.PgbenchBackground = b.background().since(bg).String()
			if done := b.completed(benched[i]); done != int64(n) {
				t.Fatalf("pgbench: %d of %d upgrades are complete", done, n)
			}
			round.Pgbench, round.PgbenchCPU = pg.TPS, pg.CPU
			round.Ratio = round.Server / round.Pgbench
			pgbenchLat = append(pgbenchLat, lat...)
			pgbenchRates = append(pgbenchRates, pg.TPS)
			ratios = append(ratios, round.Ratio)
			if res.Pgbench == nil {
				first := *pg
				first.CPU = cpuPerOp{}
				res.Pgbench = &first
			}
			res.Pgbench.CPU = res.Pgbench.CPU.add(pg.CPU, len(served))
		}
		res.PerRound = append(res.PerRound, round)
	}
	res.PerSecond, res.P50MS, res.P99MS = median(serverRates), ms(serverLat.percentile(50)), ms(serverLat.percentile(99))
	if res.Pgbench != nil {
		res.Pgbench.Transactions = n * len(served)
		res.Pgbench.TPS, res.Ratio = median(pgbenchRates), median(ratios)
		res.Pgbench.P50MS, res.Pgbench.P99MS = ms(pgbenchLat.percentile(50)), ms(pgbenchLat.percentile(99))
	}
}

// fixedRate sends webhooks at half the server's rate, in as many rounds
// as the alternating ones, each -perf.open-for long, so that one stall of
// the machine (a build next door) shows as that round's p99 and not as
// the figure, which is the rounds' median.
func (b *bench) fixedRate(res *webhookResult) {
	t := b.t
	rate := res.PerSecond / 2
	n := max(int(rate*openFor.Seconds()), 1)
	res.Open = &openLoopResult{Events: n, PerSecond: rate, TargetP99MS: 25}
	var all latencies
	var p99s []float64
	for i := range *rounds {
		p := b.seedPool("wo", n, false)
		evs := b.completedEvents(p)
		b.db.settle()
		t.Logf("round %d: fulfilling %d payments at %.0f webhooks/s", i+1, n, rate)
		bg := b.background()
		o := openLoop(n, rate, b.deliver(b.url(""), evs))
		ran := b.background().since(bg)
		if o.errors > 0 {
			t.Fatalf("webhooks at a fixed rate: %d of %d failed: %v", o.errors, n, o.firstErr)
		}
		if done := b.completed(p); done != int64(n) {
			t.Fatalf("webhooks at a fixed rate: %d of %d upgrades are complete", done, n)
		}
		all = append(all, o.lat...)
		p99 := ms(o.lat.percentile(99))
		p99s = append(p99s, p99)
		res.Open.PerRound = append(res.Open.PerRound, openRound{P50MS: ms(o.lat.percentile(50)), P99MS: p99, Background: ran.String()})
	}
	res.Open.P50MS, res.Open.P99MS, res.Open.PooledP99MS = ms(all.percentile(50)), median(p99s), ms(all.percentile(99))
}

// openRound is one round at the fixed rate.
type openRound struct {
	P50MS float64 `json:"p50_ms"`
	P99MS float64 `json:"p99_ms"`
	// Background is what PostgreSQL did on its own meanwhile.
	Background string `json:"background"`
}

// webhookRound is one round of the server and pgbench.
type webhookRound struct {
	Server     float64  `json:"server_per_second"`
	Pgbench    float64  `json:"pgbench_per_second"`
	Ratio      float64  `json:"ratio"`
	ServerCPU  cpuPerOp `json:"server_cpu_per_event"`
	PgbenchCPU cpuPerOp `json:"pgbench_cpu_per_transaction"`
	// Background is what PostgreSQL did on its own meanwhile: a
	// checkpoint (another database's DROP DATABASE forces one) floods the
	// disk and slows every commit, autovacuum takes CPU.
	ServerBackground  string `json:"server_background"`
	PgbenchBackground string `json:"pgbench_background"`
}

func median(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// background is what PostgreSQL has done on its own so far, which slows
// what runs meanwhile: checkpoints, and autovacuum's runs on this
// database's tables.
type background struct{ checkpoints, autovacuums int64 }

func (b *bench) background() background {
	return background{
		checkpoints: b.db.int(b.t, "SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter"),
		autovacuums: b.db.int(b.t, "SELECT sum(autovacuum_count + autoanalyze_count) FROM pg_stat_user_tables"),
	}
}

func (bg background) since(before background) background {
	return background{bg.checkpoints - before.checkpoints, bg.autovacuums - before.autovacuums}
}

// captureFulfilment runs a second server whose connections to PostgreSQL
// pass through the recorder, sends it one webhook for the single upgrade
// of p, and returns the statements of the transaction that fulfilled it.
func (b *bench) captureFulfilment(p pool) []string {
	t := b.t
	u, err := urlHost(b.dbURL)
	if err != nil {
		t.Fatalf("the fulfilment SQL is recorded on a URL-form TEST_DATABASE_URL: %v", err)
	}
	wire := startPGWire(t, u)
	dbURL, err := wire.url(b.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	addr := proc.FreeAddr(t)
	srv := proc.Start(t, "upgrades serve (SQL recorded)", b.bin, b.serverEnv(addr, dbURL), "serve")
	srv.WaitReady(t, "http://"+addr+"/readyz")
	if err := b.deliver("http://"+addr, b.completedEvents(p))(0); err != nil {
		t.Fatalf("the recorded webhook: %v", err)
	}
	srv.Stop(t)
	var tx []string
	for _, s := range wire.transaction("insert into stripe_events") {
		if shape(s) != "-- ping" {
			tx = append(tx, s)
		}
	}
	if len(tx) == 0 {
		t.Fatal("no fulfilment transaction was recorded")
	}
	return tx
}

// pgbenchResult is pgbench's run of the fulfilment SQL.
type pgbenchResult struct {
	Transactions int     `json:"transactions"`
	Clients      int     `json:"clients"`
	TPS          float64 `json:"tps"`
	P50MS        float64 `json:"p50_ms"`
	P99MS        float64 `json:"p99_ms"`
	// CPU is what a transaction cost PostgreSQL and pgbench.
	CPU     cpuPerOp `json:"cpu_per_transaction"`
	Command string   `json:"command"`
}

// pgbench runs fulfil.sql on p's upgrades, perClient transactions from
// each of clients, with a payload the size of the recorded event's.
func (b *bench) pgbench(p pool, perClient, clients int, recorded []string) (*pgbenchResult, latencies) {
	t := b.t
	dir := t.TempDir()
	script := filepath.Join(dir, "fulfil.sql")
	if err := os.WriteFile(script, []byte(fulfilScript(t)), 0o644); err != nil {
		t.Fatal(err)
	}
	payload := recordedPayload(t, recorded)
	now := time.Now().UTC()
	stamp := func(t time.Time) string { return t.Format("2006-01-02 15:04:05.999999-07:00") }
	threads := min(clients, runtime.NumCPU())
	args := []string{
		"-n", "-M", "simple", "-c", strconv.Itoa(clients), "-j", strconv.Itoa(threads), "-t", strconv.Itoa(perClient),
		"-f", script,
		"-D", "n=0",
		"-D", "first_upgrade=" + strconv.FormatInt(p.firstUpgrade, 10),
		"-D", "first_user=" + strconv.FormatInt(p.firstUser, 10),
		"-D", "per_client=" + strconv.Itoa(perClient),
		"-D", "now=" + stamp(now),
		"-D", "expires=" + stamp(now.Add(time.Hour)),
		"-D", "sim=http://" + b.simAddr,
	}
	source := "test/bench/fulfil.sql"
	if *scriptPath != "" {
		source = *scriptPath
	}
	shown := strings.Join(append(append([]string{"pgbench"}, quoteArgs(args)...), "-D", "payload=<the recorded event, hex>", "<bench database>"), " ")
	shown = strings.Replace(shown, script, source, 1)
	args = append(args, "-D", "payload="+payload, "-l", "--log-prefix="+filepath.Join(dir, "tx"), b.dbURL)
	cmd := exec.Command(pgbenchPath(), args...)
	cmd.Dir = dir
	cpu := startCPU(0)
	outb, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pgbench: %v\n%s", err, outb)
	}
	out := string(outb)
	res := &pgbenchResult{Transactions: perClient * clients, Clients: clients, Command: shown, CPU: cpu.perOp(perClient * clients)}
	res.CPU.LoadMS = ms(cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime()) / float64(res.Transactions)
	if m := regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`).FindStringSubmatch(out); m != nil {
		res.TPS, _ = strconv.ParseFloat(m[1], 64)
	}
	if m := regexp.MustCompile(`number of failed transactions: (\d+)`).FindStringSubmatch(out); m != nil && m[1] != "0" {
		t.Fatalf("pgbench: %s transactions failed:\n%s", m[1], out)
	}
	if res.TPS == 0 {
		t.Fatalf("pgbench said no rate:\n%s", out)
	}
	lat := pgbenchLatencies(t, dir)
	res.P50MS, res.P99MS = ms(lat.percentile(50)), ms(lat.percentile(99))
	return res, lat
}

// recordedPayload is the hex of the event the server stored, read from
// the recorded INSERT into stripe_events.
func recordedPayload(t *testing.T, recorded []string) string {
	for _, s := range recorded {
		if m := regexp.MustCompile(`'\\x([0-9a-f]+)'`).FindStringSubmatch(s); m != nil {
			if _, err := hex.DecodeString(m[1]); err == nil {
				return m[1]
			}
		}
	}
	t.Fatal("the recorded fulfilment stores no payload")
	return ""
}

// pgbenchLatencies reads the per-transaction log pgbench -l writes: the
// third field of each line is the transaction's time in microseconds.
func pgbenchLatencies(t *testing.T, dir string) latencies {
	files, _ := filepath.Glob(filepath.Join(dir, "tx.*"))
	var lat latencies
	for _, f := range files {
		file, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(file)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 3 {
				continue
			}
			us, err := strconv.ParseInt(fields[2], 10, 64)
			if err == nil {
				lat = append(lat, time.Duration(us)*time.Microsecond)
			}
		}
		file.Close()
	}
	if len(lat) == 0 {
		t.Fatal("pgbench wrote no transaction log")
	}
	return lat
}

// pgbenchPath finds pgbench on PATH or where Debian's PostgreSQL puts it.
func pgbenchPath() string {
	if p, err := exec.LookPath("pgbench"); err == nil {
		return p
	}
	if m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pgbench"); len(m) > 0 {
		return m[len(m)-1]
	}
	return "pgbench"
}

func (bg background) String() string {
	return fmt.Sprintf("%d checkpoints, %d autovacuums", bg.checkpoints, bg.autovacuums)
}
