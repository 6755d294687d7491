// Package bench_test measures what a user of the shop sees, on the machine
// it runs on: how many Stripe payments one server fulfils per second beside
// what PostgreSQL does with the same SQL, how fast checkout and the list
// answer with ten thousand and with a million upgrades, the server's peak
// memory and how soon it is ready after a start.
//
// It runs the real binary, the simulated Stripe (`upgrades stripe-sim`) and
// pgbench as processes on a fresh database, drives them from here, prints
// one report and writes it as JSON. `go tool task bench` runs it; a plain
// `go test ./...` compiles it and skips it.
package bench_test

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"upgrades/test/dbtest"
	"upgrades/test/proc"
)

var (
	run         = flag.Bool("perf", false, "run the benchmark (minutes of load; off in a plain go test)")
	only        = flag.String("perf.only", "", "comma-separated sections to run ("+strings.Join(allSections, ", ")+"; soak only when named); empty runs all but soak")
	out         = flag.String("perf.out", "", "where to write the JSON report; default bin/bench.json at the top of the module")
	concurrency = flag.Int("perf.concurrency", 8, "concurrent webhooks, checkouts and pgbench clients")
	rounds      = flag.Int("perf.rounds", 6, "pairs of webhook rounds, server and pgbench in ABBA order, after a warm-up of each")
	roundFor    = flag.Duration("perf.round", 20*time.Second, "length of a webhook round (pgbench -T)")
	guessRate   = flag.Float64("perf.guess-rate", 2500, "fulfilments per second the warm-up rounds seed upgrades for")
	foreignMax  = flag.Float64("perf.foreign-max", 0.10, "share of the machine's CPU going to other processes above which a round is excluded")
	awake       = flag.Bool("perf.awake", true, "keep the processors from idling (a SCHED_IDLE spinner each) while list pages are timed one request at a time without webhooks")
	diskMax     = flag.Float64("perf.disk-max", 0.5, "how far (as a share) a round's mean flush of the write-ahead log may be from the median of its side's rounds, slower or faster, before its pair is excluded")
	hostMax     = flag.Float64("perf.host-max", 0.10, "how far apart the host's timings of fixed work around a pair's two rounds may be (slowest over fastest, less one) before the pair is excluded")
	fixedRate   = flag.Float64("perf.rate", 0, "webhooks per second of the fixed-rate sections; default 0.35 × pgbench's rate")
	openFor     = flag.Duration("perf.open-for", 60*time.Second, "length of each fixed-rate round, of the server and of pgbench -R")
	openRounds  = flag.Int("perf.open-rounds", 3, "fixed-rate rounds of each, server and pgbench")
	soakFor     = flag.Duration("perf.soak", 10*time.Minute, "length of the soak at the fixed rate")
	stored      = flag.Int("perf.stored-events", 0, "events stored before the webhook sections (bench:events2m stores 2,000,000)")
	checkouts   = flag.Int("perf.checkouts", 2000, "checkouts created")
	listN       = flag.Int("perf.list-requests", 200, "requests per list query and table size")
	listRows    = flag.Int64("perf.list-rows", 1_000_000, "upgrades in the big table of the list section")
	ageShare    = flag.Float64("perf.age", 0.3, "share of the big table's upgrades updated after the load, to age it as a shop's would be")
	reconcileN  = flag.Int("perf.reconcile", 10_000, "open upgrades the reconciler drains")
	codesN      = flag.Int("perf.codes", 2000, "codes minted and redeemed, each by its own member")
	starts      = flag.Int("perf.starts", 5, "server starts timed for readiness")
	binPath     = flag.String("perf.bin", "", "run this upgrades binary instead of building one")
	pprofAddr   = flag.String("perf.pprof", "", "PPROF_ADDR of the server under load, to profile it meanwhile")
	scriptPath  = flag.String("perf.script", "", "pgbench script of the fulfilment SQL, to compare a binary of another revision; default test/bench/fulfil.sql")
	serverVars  = flag.String("perf.env", "", "comma-separated NAME=value added to the environment of the server under load, for experiments (GOGC=200)")
)

// allSections are the parts of the benchmark, each of which runs alone
// with -perf.only; soak runs only when named.
var allSections = []string{"ready", "list", "checkout", "success", "webhook", "latency", "reconcile", "codes", "sales", "go", "soak"}

// Secrets of the processes under test; nothing real.
const (
	webhookSecret = "whsec_bench_secret"
	sessionSecret = "a-session-secret-for-the-benchmark-only"
	stripeKey     = "sk_test_bench"
)

// baseCommand reruns this benchmark; a figure's command adds its section.
const baseCommand = "go test ./test/bench -run '^TestBench$' -count=1 -v -timeout 40m -args -perf"

// bench is one run: the processes, the database and the report.
type bench struct {
	t      *testing.T
	bin    string
	dbURL  string
	dbName string
	db     *sqlDB
	client *http.Client
	rep    *report
	// sender posts webhooks to the server; client sends everything else.
	sender *sender

	server      *proc.Process
	addr        string  // the server's host:port
	metricsAddr string  // where it serves /metrics
	peakRSS     float64 // the most memory of the servers stopped so far, MB
	sim         *proc.Process
	simAddr     string
	stripe      *stripeTimer
}

func TestBench(t *testing.T) {
	if !*run {
		t.Skip("the benchmark runs with -perf (go tool task bench)")
	}
	sections := map[string]bool{}
	for s := range strings.SplitSeq(*only, ",") {
		if s = strings.TrimSpace(s); s != "" {
			sections[s] = true
		}
	}
	want := func(s string) bool { return sections[s] || (len(sections) == 0 && s != "soak") }
	for s := range sections {
		if !slices.Contains(allSections, s) {
			t.Fatalf("-perf.only: unknown section %q; the sections are %s", s, strings.Join(allSections, ", "))
		}
	}
	if *concurrency < 1 || *checkouts < 1 || *listN < 1 || *starts < 1 || *rounds < 1 || *openRounds < 1 ||
		*roundFor < time.Second || *openFor < time.Second || *guessRate <= 0 || *reconcileN < 1 ||
		*codesN < 1 || *codesN+*concurrency*10 > 65536 {
		t.Fatal("-perf.concurrency, -perf.checkouts, -perf.list-requests, -perf.starts, -perf.rounds, -perf.open-rounds, -perf.guess-rate, -perf.reconcile and -perf.codes must be positive, -perf.codes with its warm-up at most 65,536 (a client network each), -perf.round and -perf.open-for a second or more")
	}

	b := &bench{t: t, rep: newReport()}
	b.rep.Command = baseCommand
	if *only != "" {
		b.rep.Command += " -perf.only=" + *only
	}
	b.client = &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, DisableCompression: true},
	}
	if b.bin = *binPath; b.bin == "" {
		b.bin = proc.Binary(t)
		// The binary is this run's own; leaving it behind would fill /tmp.
		t.Cleanup(func() { os.RemoveAll(filepath.Dir(b.bin)) })
	}
	b.dbURL = dbtest.NewEmpty(t)
	b.db = openSQL(t, b.dbURL)
	b.dbName = b.db.one(t, "SELECT current_database()")
	// Every commit waits for a flush of the write-ahead log; timing them
	// (in the backends of this database, the server's and pgbench's)
	// shows a slower disk, which the processors' timings do not. Only a
	// superuser may; without it the flushes are counted, not timed.
	if _, err := b.db.Exec(`ALTER DATABASE "` + b.dbName + `" SET track_wal_io_timing = on`); err != nil {
		t.Logf("flushes of the write-ahead log are not timed: %v", err)
	}
	b.rep.Machine.postgres(t, b.db)
	proc.MustRun(t, b.bin, proc.Env("DATABASE_URL="+b.dbURL), "migrate", "up")
	b.seedListUsers()

	if want("ready") {
		b.rep.Ready = b.measureReady()
	}
	if want("list") || want("checkout") || want("success") || want("webhook") || want("latency") ||
		want("reconcile") || want("codes") || want("sales") || want("soak") {
		b.startProcesses()
	}
	if want("list") {
		b.rep.List = &listResult{Cases: listCases()}
		b.measureList("10k", 10_000)
	}
	if want("checkout") {
		b.rep.Checkout = b.measureCheckout()
	}
	if want("success") {
		b.rep.Success = b.measureSuccess()
	}
	if *stored > 0 && (want("webhook") || want("latency") || want("soak")) {
		b.storeEvents(*stored)
	}
	if want("webhook") {
		b.rep.Webhook = b.measureWebhooks()
	}
	if want("latency") {
		b.rep.Latency = b.measureLatency()
	}
	if want("reconcile") {
		b.rep.Reconcile = b.measureReconcile()
	}
	if want("codes") {
		b.rep.Codes = b.measureCodes()
	}
	if want("list") {
		b.measureList("1m", *listRows)
		b.rep.List.Command = sectionCommand("list")
	}
	if want("sales") {
		b.rep.Sales = b.measureSalesPage()
	}
	if want("soak") {
		b.rep.Soak = b.measureSoak()
	}
	if b.server != nil {
		b.rep.Memory = b.measureMemory()
	}
	if want("go") {
		b.rep.GoBench = b.runGoBenchmarks()
	}
	b.rep.finish()
	b.rep.print(os.Stdout)
	path := *out
	if path == "" {
		path = filepath.Join(moduleRoot(t), "bin", "bench.json")
	}
	if err := b.rep.write(path); err != nil {
		t.Fatalf("writing the report: %v", err)
	}
	fmt.Printf("\nreport written to %s\n", path)
}

// sectionCommand reruns one section with this run's settings.
func sectionCommand(section string) string {
	return fmt.Sprintf("%s -perf.only=%s -perf.concurrency=%d -perf.rounds=%d -perf.round=%s -perf.open-for=%s -perf.open-rounds=%d -perf.checkouts=%d -perf.list-requests=%d -perf.starts=%d",
		baseCommand, section, *concurrency, *rounds, *roundFor, *openFor, *openRounds, *checkouts, *listN, *starts)
}

// serverEnv configures `upgrades serve` as production would be, except
// that Stripe is the simulated one, behind the timer, and the reconciler
// is off: it would ask Stripe about the seeded open upgrades, which the
// simulated Stripe never saw, and add load no user caused. The benchmark
// stands where production's load balancer does: its X-Forwarded-For is
// believed, and the code redemptions name the members' networks in it
// (the other sections send none, and are seen from 127.0.0.1).
func (b *bench) serverEnv(addr, dbURL string) []string {
	stripeBase := "http://127.0.0.1:9" // nothing is asked of Stripe while timing the start
	if b.stripe != nil {
		stripeBase = b.stripe.URL()
	}
	return proc.Env(
		"LISTEN_ADDR="+addr,
		"DATABASE_URL="+dbURL,
		"STRIPE_SECRET_KEY="+stripeKey,
		"STRIPE_API_BASE="+stripeBase,
		"STRIPE_WEBHOOK_SECRET="+webhookSecret,
		"SESSION_SECRET="+sessionSecret,
		"RECONCILE_INTERVAL=0",
		"MAX_OPEN_CHECKOUTS=0", // the load is one buyer's checkouts
		"TRUSTED_PROXIES=127.0.0.1",
	)
}

// startProcesses starts the simulated Stripe, the timer in front of it and
// the server the load is sent to.
func (b *bench) startProcesses() {
	t := b.t
	b.addr = proc.FreeAddr(t)
	b.sender = newSender(b.addr)
	t.Cleanup(b.sender.close)
	b.metricsAddr = proc.FreeAddr(t)
	b.simAddr = proc.FreeAddr(t)
	b.sim = proc.Start(t, "upgrades stripe-sim", b.bin, proc.Env(
		"LISTEN_ADDR="+b.simAddr,
		"STRIPE_SIM_SECRET_KEY="+stripeKey,
		"STRIPE_WEBHOOK_SECRET="+webhookSecret,
		// The server's BASE_URL, where buyers return.
		"STRIPE_SIM_SHOP_URL=http://"+b.addr,
		// The benchmark sends the webhooks itself, at the rate it chooses.
		"STRIPE_SIM_DROP_WEBHOOKS=true",
		"STRIPE_SIM_REDIRECT_WAIT=0",
	), "stripe-sim")
	b.sim.WaitListening(t, b.simAddr)
	b.stripe = newStripeTimer(t, "http://"+b.simAddr)
	b.startServer()
}

// startServer starts the server the load is sent to, on b.addr.
func (b *bench) startServer(extra ...string) {
	t := b.t
	env := append(b.serverEnv(b.addr, b.dbURL), "METRICS_ADDR="+b.metricsAddr)
	if *pprofAddr != "" {
		env = append(env, "PPROF_ADDR="+*pprofAddr)
	}
	for v := range strings.SplitSeq(*serverVars, ",") {
		if v = strings.TrimSpace(v); v != "" {
			env = append(env, v)
		}
	}
	b.server = proc.Start(t, "upgrades serve", b.bin, append(env, extra...), "serve")
	b.server.WaitReady(t, b.url("/readyz"))
}

// restartServer stops the server and starts it again (with extra
// environment), keeping the peak of its memory so far.
func (b *bench) restartServer(extra ...string) {
	if rss, ok := readRSS(b.server.Pid()); ok {
		b.peakRSS = max(b.peakRSS, rss.peakMB)
	}
	b.server.Stop(b.t)
	b.startServer(extra...)
}

func (b *bench) url(path string) string { return "http://" + b.addr + path }

// moduleRoot is the directory of go.mod, above the test's own.
func moduleRoot(t *testing.T) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test")
		}
		dir = parent
	}
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func machineInfo() machine {
	return machine{CPUs: runtime.NumCPU(), Go: runtime.Version(), LoadBefore: loadAverage(), OS: runtime.GOOS + "/" + runtime.GOARCH}
}
