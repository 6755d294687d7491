package bench_test

import (
	"bufio"
	_ "embed"
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
	"sync/atomic"
	"testing"
	"time"

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

// deliver has s post evs[i] as Stripe does, the requests made beforehand.
func deliver(s *sender, evs []signedEvent) func(i int) error {
	reqs := webhookRequests(s.addr, evs)
	return func(i int) error {
		status, _, body, err := s.post(reqs[i])
		if err == nil && status != http.StatusOK {
			err = fmt.Errorf("POST /webhooks/receive: %d, want 200: %.300s", status, body)
		}
		return err
	}
}

// webhookRequests are the deliveries of evs to host, made beforehand.
func webhookRequests(host string, evs []signedEvent) [][]byte {
	reqs := make([][]byte, len(evs))
	for i, ev := range evs {
		reqs[i] = webhookRequest(host, ev)
	}
	return reqs
}

// deliverAgainWhenShed is deliver for a sender that honours the server's
// 503 with Retry-After, as a load balancer or Stripe's retries would: a
// shed webhook is counted in shed and sent again once Retry-After has
// passed, until it is accepted, so that its latency counts from when it
// was first due to when it was fulfilled. Any other answer but 200 fails.
func deliverAgainWhenShed(s *sender, evs []signedEvent, shed *atomic.Int64) func(i int) error {
	reqs := webhookRequests(s.addr, evs)
	return func(i int) error {
		for {
			status, after, body, err := s.post(reqs[i])
			switch {
			case err != nil:
				return err
			case status == http.StatusOK:
				return nil
			case status == http.StatusServiceUnavailable && after > 0:
				shed.Add(1)
				time.Sleep(time.Duration(after) * time.Second)
			default:
				return fmt.Errorf("POST /webhooks/receive: %d: %s", status, body)
			}
		}
	}
}

// scriptDerivation says in the report where fulfil.sql comes from.
const scriptDerivation = "The statements are recorded on the wire between PostgreSQL and a second server process while it " +
	"fulfils one event (the server speaks the simple query protocol, so each statement crosses whole, values included). " +
	"test/bench/fulfil.sql holds the same statements in the same order, with the event's ids as pgbench variables, on " +
	"fresh pending upgrades seeded like the server's; every run compares the two statement by statement, values aside, " +
	"and runs pgbench only if they match."

// webhookResult is the fulfilment measured beside pgbench running the
// same SQL: rounds of each in ABBA order after a warm-up of each.
type webhookResult struct {
	Concurrency  int     `json:"concurrency"`
	RoundSeconds float64 `json:"round_seconds"`
	// StoredEvents is how many events the table held before the rounds.
	StoredEvents int64 `json:"events_stored_before"`
	// Rounds are in the order they ran, the warm-ups first.
	Rounds []webhookRound `json:"rounds"`
	Pairs  []webhookPair  `json:"pairs"`
	// Excluded counts the pairs left out for foreign CPU over ForeignMax
	// or, of those, HostExcluded for the host's speed moving more than
	// HostMax between the timings around their rounds, and DiskExcluded
	// for a round whose flushes of the write-ahead log took more than
	// 1 + DiskMax times the median of its side's rounds, or less than the
	// median over 1 + DiskMax.
	Excluded     int     `json:"excluded_pairs"`
	ForeignMax   float64 `json:"foreign_cpu_limit"`
	HostExcluded int     `json:"excluded_pairs_for_the_host"`
	HostMax      float64 `json:"host_drift_limit"`
	DiskExcluded int     `json:"excluded_pairs_for_the_disk"`
	DiskMax      float64 `json:"disk_drift_limit"`
	// The medians of the clean rounds and pairs, with their intervals.
	Server  interval `json:"server_per_second"`
	Pgbench interval `json:"pgbench_per_second"`
	Ratio   interval `json:"ratio_server_to_pgbench"`
	// PgbenchAll is the median of every measured pgbench round, clean or
	// not: the fixed rate's base when no round was clean.
	PgbenchAll  float64 `json:"pgbench_all_rounds_per_second"`
	TargetRatio float64 `json:"target_ratio"`
	// Latencies of the clean rounds' requests, pooled.
	P50MS        float64 `json:"server_p50_ms"`
	P99MS        float64 `json:"server_p99_ms"`
	PgbenchP50MS float64 `json:"pgbench_p50_ms"`
	PgbenchP99MS float64 `json:"pgbench_p99_ms"`
	// CPU per event and per transaction, the clean rounds' mean.
	CPU            cpuPerOp      `json:"cpu_per_event"`
	PgbenchCPU     cpuPerOp      `json:"pgbench_cpu_per_transaction"`
	Capture        captureResult `json:"capture"`
	PgbenchCommand string        `json:"pgbench_command,omitempty"`
	Command        string        `json:"command"`
}

// webhookRound is one round of the server or of pgbench.
type webhookRound struct {
	Kind   string  `json:"kind"` // server or pgbench
	WarmUp bool    `json:"warm_up,omitempty"`
	Pair   int     `json:"pair"`
	Count  int     `json:"fulfilments"`
	Rate   float64 `json:"per_second"`
	P99MS  float64 `json:"p99_ms"`
	// CPU is what the round cost; its foreign share decides whether the
	// round counts.
	CPU      roundCPU `json:"cpu"`
	Excluded bool     `json:"excluded,omitempty"`
	// HostMS is the host's time for a fixed piece of work (hostMS)
	// before and after the round: the same machine, slower, shows here.
	HostMS [2]float64 `json:"host_ms_before_after"`
	// FlushMS is the mean time of the round's flushes of the write-ahead
	// log (flushMS): the disk, slower, shows here.
	FlushMS float64 `json:"wal_flush_ms"`
	// Background is what PostgreSQL did on its own meanwhile: a
	// checkpoint floods the disk and slows every commit, autovacuum
	// takes CPU.
	Background string `json:"background"`

	lat latencies
}

// webhookPair is pair i's server round over its pgbench round.
type webhookPair struct {
	Server   float64 `json:"server_per_second"`
	Pgbench  float64 `json:"pgbench_per_second"`
	Ratio    float64 `json:"ratio"`
	Excluded bool    `json:"excluded,omitempty"`
}

// captureResult is the fulfilment's SQL as recorded on the wire.
type captureResult struct {
	// Statements are the server's, values left out.
	Statements       []string `json:"statements"`
	ScriptMatches    bool     `json:"script_matches"`
	ScriptDerivation string   `json:"script_derivation"`
	// RoundTrips count the queries of one fulfilment, BEGIN and COMMIT
	// included, as the server and as pgbench send them.
	ServerRoundTrips  int `json:"server_round_trips"`
	PgbenchRoundTrips int `json:"pgbench_round_trips"`
	TargetRoundTrips  int `json:"target_round_trips"`
	// OutsideTransaction is what the server sent PostgreSQL while
	// handling the webhook but outside the fulfilment's transaction.
	OutsideTransaction []string `json:"outside_transaction"`
}

// poolFor is how many fresh upgrades a round of d at about rate per
// second may use up, with room to spare.
func poolFor(rate float64, d time.Duration, clients int) int {
	return int(rate*d.Seconds()*2) + clients*50
}

// measureWebhooks fulfils fresh pending upgrades from signed webhooks as
// fast as -perf.concurrency senders can, and has pgbench run the same SQL
// on other fresh upgrades with as many clients, in rounds of
// -perf.round: a warm-up of each, discarded, then -perf.rounds pairs in
// ABBA order (server, pgbench, pgbench, server, …) so that a drift of the
// machine weighs on both alike. A round whose foreign CPU passes
// -perf.foreign-max is excluded with its pair.
func (b *bench) measureWebhooks() *webhookResult {
	t, c := b.t, *concurrency
	res := &webhookResult{Concurrency: c, RoundSeconds: roundFor.Seconds(), TargetRatio: 0.8, ForeignMax: *foreignMax, HostMax: *hostMax, DiskMax: *diskMax,
		StoredEvents: b.db.int(t, "SELECT count(*) FROM stripe_events"), Command: sectionCommand("webhook")}
	res.Capture = b.checkScript(b.seedPool("wc", 1, ownUpgrades), b.seedPool("wp", 1, ownUpgrades))
	estimate := map[string]float64{"server": *guessRate, "pgbench": *guessRate}
	run := func(kind string, pair int, warm bool) {
		var r webhookRound
		host := hostMS()
		if kind == "server" {
			r = b.serverRound(estimate[kind], *roundFor)
		} else {
			var cmd string
			r, cmd = b.pgbenchRound(estimate[kind], *roundFor, warm)
			res.PgbenchCommand = cmd
		}
		r.Pair, r.WarmUp, r.HostMS = pair, warm, [2]float64{host, hostMS()}
		r.Excluded = !warm && r.CPU.Foreign > *foreignMax
		t.Logf("%s round%s: %.0f/s, foreign CPU %.1f%%%s", kind, map[bool]string{true: " (warm-up)"}[warm], r.Rate,
			r.CPU.Foreign*100, map[bool]string{true: ", excluded"}[r.Excluded])
		estimate[kind] = r.Rate
		res.Rounds = append(res.Rounds, r)
	}
	kinds := []string{"server", "pgbench"}
	if !res.Capture.ScriptMatches {
		kinds = kinds[:1]
	}
	for _, k := range kinds {
		run(k, -1, true)
	}
	for i := range *rounds {
		order := slices.Clone(kinds)
		if i%2 == 1 {
			slices.Reverse(order)
		}
		for _, k := range order {
			run(k, i, false)
		}
	}
	res.summarise(len(kinds) == 2)
	return res
}

// hostDrift is how far apart the host's timings around rounds are (see
// drift).
func hostDrift(rounds ...*webhookRound) float64 { return drift(hostTimings(rounds...)) }

// hostSpan is the fastest and slowest of the host's timings around
// rounds; 0, 0 when none was timed.
func hostSpan(rounds ...*webhookRound) (lo, hi float64) { return spanOf(hostTimings(rounds...)) }

// hostTimings are the host's timings around rounds, nil ones left out.
func hostTimings(rounds ...*webhookRound) []float64 {
	var timings []float64
	for _, r := range rounds {
		if r != nil {
			timings = append(timings, r.HostMS[:]...)
		}
	}
	return timings
}

// spanOf is the fastest and slowest of host timings, those not taken (0)
// left out; 0, 0 when none was.
func spanOf(timings []float64) (lo, hi float64) {
	for _, v := range timings {
		if v <= 0 {
			continue
		}
		if lo == 0 || v < lo {
			lo = v
		}
		hi = max(hi, v)
	}
	return lo, hi
}

// drift is how far apart host timings are: the slowest over the fastest,
// less one; 0 when none was taken.
func drift(timings []float64) float64 {
	lo, hi := spanOf(timings)
	if lo == 0 {
		return 0
	}
	return hi/lo - 1
}

// summarise pairs the rounds and reads the medians and intervals of the
// clean ones.
func (res *webhookResult) summarise(paired bool) {
	var server, pgbench, ratios, pgbenchAll []float64
	var serverLat, pgbenchLat latencies
	var serverCPU, pgbenchCPU []cpuPerOp
	byPair := map[int]map[string]*webhookRound{}
	for i := range res.Rounds {
		r := &res.Rounds[i]
		if r.WarmUp {
			continue
		}
		if byPair[r.Pair] == nil {
			byPair[r.Pair] = map[string]*webhookRound{}
		}
		byPair[r.Pair][r.Kind] = r
	}
	flush := res.medianFlushMS()
	// A round's disk moved when its flushes took more than 1 + DiskMax
	// times its side's median, or less than that median over 1 + DiskMax.
	movedDisk := func(r *webhookRound) bool {
		if r == nil || res.DiskMax <= 0 || flush[r.Kind] <= 0 || r.FlushMS <= 0 {
			return false
		}
		apart := max(r.FlushMS/flush[r.Kind], flush[r.Kind]/r.FlushMS)
		return apart > 1+res.DiskMax
	}
	for i := range len(byPair) {
		s, p := byPair[i]["server"], byPair[i]["pgbench"]
		excluded := s.Excluded || (p != nil && p.Excluded)
		if !excluded && res.HostMax > 0 && hostDrift(s, p) > res.HostMax {
			excluded = true
			res.HostExcluded++
		}
		if !excluded && (movedDisk(s) || movedDisk(p)) {
			excluded = true
			res.DiskExcluded++
		}
		if excluded {
			res.Excluded++
		}
		if p != nil {
			pgbenchAll = append(pgbenchAll, p.Rate)
			pair := webhookPair{Server: s.Rate, Pgbench: p.Rate, Ratio: s.Rate / p.Rate, Excluded: excluded}
			res.Pairs = append(res.Pairs, pair)
			if !excluded {
				ratios = append(ratios, pair.Ratio)
				pgbench = append(pgbench, p.Rate)
				pgbenchLat = append(pgbenchLat, p.lat...)
				pgbenchCPU = append(pgbenchCPU, p.CPU.perOp(p.Count))
			}
		}
		if !excluded {
			server = append(server, s.Rate)
			serverLat = append(serverLat, s.lat...)
			serverCPU = append(serverCPU, s.CPU.perOp(s.Count))
		}
	}
	res.Server, res.P50MS, res.P99MS = bootstrapMedian(server), ms(serverLat.percentile(50)), ms(serverLat.percentile(99))
	for _, c := range serverCPU {
		res.CPU = res.CPU.add(c, len(serverCPU))
	}
	if paired {
		res.PgbenchAll = median(pgbenchAll)
		res.Pgbench, res.Ratio = bootstrapMedian(pgbench), bootstrapMedian(ratios)
		res.PgbenchP50MS, res.PgbenchP99MS = ms(pgbenchLat.percentile(50)), ms(pgbenchLat.percentile(99))
		for _, c := range pgbenchCPU {
			res.PgbenchCPU = res.PgbenchCPU.add(c, len(pgbenchCPU))
		}
	}
}

// medianFlushMS is, for each side, the median of its measured rounds'
// mean flush times; a side whose flushes were not timed has none.
func (res *webhookResult) medianFlushMS() map[string]float64 {
	by := map[string][]float64{}
	for _, r := range res.Rounds {
		if !r.WarmUp && r.FlushMS > 0 {
			by[r.Kind] = append(by[r.Kind], r.FlushMS)
		}
	}
	out := map[string]float64{}
	for kind, vs := range by {
		out[kind] = median(vs)
	}
	return out
}

// serverRound has -perf.concurrency senders deliver completed checkouts
// of fresh upgrades for d, as fast as the server answers.
func (b *bench) serverRound(estimate float64, d time.Duration) webhookRound {
	t, c := b.t, *concurrency
	p := b.seedPool("wh", poolFor(estimate, d, c), ownUpgrades)
	evs := make([]signedEvent, p.n)
	for i := range evs {
		evs[i] = sign(b.completedEvent(p, i, taggedIDs(p.upgrade(i))))
	}
	b.db.settle()
	bg := b.background()
	cpu := startCPU(b.dbName, b.server.Pid(), b.sim.Pid())
	r := closedLoopFor(p.n, c, d, deliver(b.sender, evs))
	used := cpu.end()
	if r.errors > 0 {
		t.Fatalf("webhooks: %d of %d failed: %v", r.errors, len(r.lat), r.firstErr)
	}
	if len(r.lat) == p.n {
		t.Logf("the round used up its %d upgrades before %v; its rate stands", p.n, d)
	}
	if done := b.completed(p.first(len(r.lat))); done != int64(len(r.lat)) {
		t.Fatalf("webhooks: %d of %d upgrades are complete", done, len(r.lat))
	}
	after := b.background()
	return webhookRound{Kind: "server", Count: len(r.lat), Rate: r.rate(), P99MS: ms(r.lat.percentile(99)), CPU: used,
		FlushMS: after.flushMS(bg), Background: after.since(bg, len(r.lat)), lat: r.lat}
}

// pgbenchRound has pgbench run fulfil.sql on fresh upgrades for d with as
// many clients as the server's senders. A warm-up, whose rate is not
// known yet, runs the transactions its upgrades allow (pgbench -t)
// instead, as the server's stops when its upgrades run out.
func (b *bench) pgbenchRound(estimate float64, d time.Duration, warm bool) (webhookRound, string) {
	c := *concurrency
	p := b.seedPool("pg", poolFor(estimate, d, c), ownUpgrades)
	b.db.settle()
	bg := b.background()
	var run pgbenchRun
	if warm {
		run = b.pgbenchCount(p, c)
	} else {
		run = b.pgbench(p, c, d, 0)
	}
	after := b.background()
	return webhookRound{Kind: "pgbench", Count: run.processed, Rate: run.tps, P99MS: ms(run.lat.percentile(99)), CPU: run.cpu,
		FlushMS: after.flushMS(bg), Background: after.since(bg, run.processed), lat: run.lat}, run.command
}

// checkScript records the SQL of one fulfilment by the server (of
// served's upgrade) and of one transaction of fulfil.sql run by pgbench
// (on benched's), and compares them.
func (b *bench) checkScript(served, benched pool) captureResult {
	res := captureResult{ScriptDerivation: scriptDerivation, TargetRoundTrips: 4}
	statements, outside := b.captureFulfilment(served)
	res.Statements = make([]string, len(statements))
	for i, s := range statements {
		res.Statements[i] = shape(s)
	}
	res.ServerRoundTrips = len(statements)
	res.OutsideTransaction = outside
	script := scriptStatements(fulfilScript(b.t))
	scriptShapes := make([]string, len(script))
	for i, s := range script {
		scriptShapes[i] = shape(s)
	}
	res.PgbenchRoundTrips = b.capturePgbench(benched)
	res.ScriptMatches = slices.Equal(res.Statements, scriptShapes) && res.PgbenchRoundTrips == res.ServerRoundTrips
	if !res.ScriptMatches {
		b.t.Errorf("test/bench/fulfil.sql is not the SQL the server runs to fulfil a payment any more; update it.\nthe server (%d round trips):\n  %s\nthe script (%d round trips):\n  %s",
			res.ServerRoundTrips, strings.Join(res.Statements, "\n  "), res.PgbenchRoundTrips, strings.Join(scriptShapes, "\n  "))
	}
	if len(outside) > 0 {
		b.t.Errorf("while fulfilling, the server sent PostgreSQL %d queries outside the transaction:\n  %s", len(outside), strings.Join(outside, "\n  "))
	}
	return res
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
// database's tables; and the write-ahead log written, whose volume
// decides how soon the next checkpoint comes and whose flushes every
// commit waits for.
type background struct {
	checkpoints, autovacuums   int64
	walBytes, walFPI, walSyncs int64
	walSyncMS                  float64 // timed where track_wal_io_timing is on
}

func (b *bench) background() background {
	return background{
		checkpoints: b.db.int(b.t, "SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter"),
		autovacuums: b.db.int(b.t, "SELECT sum(autovacuum_count + autoanalyze_count) FROM pg_stat_user_tables"),
		walBytes:    b.db.int(b.t, "SELECT wal_bytes::bigint FROM pg_stat_wal"),
		walFPI:      b.db.int(b.t, "SELECT wal_fpi FROM pg_stat_wal"),
		walSyncs:    b.db.int(b.t, "SELECT wal_sync FROM pg_stat_wal"),
		walSyncMS:   b.db.float(b.t, "SELECT wal_sync_time FROM pg_stat_wal"),
	}
}

// flushMS is the mean time of a flush of the write-ahead log to disk
// since before, which every commit waits for: the storage, slower, shows
// here while the processors' timings do not move. 0 when none was.
func (bg background) flushMS(before background) float64 {
	if n := bg.walSyncs - before.walSyncs; n > 0 {
		return (bg.walSyncMS - before.walSyncMS) / float64(n)
	}
	return 0
}

// since describes what happened after before, over n transactions.
func (bg background) since(before background, n int) string {
	per := func(v int64) float64 { return float64(v) / float64(max(n, 1)) }
	return fmt.Sprintf("%d checkpoints, %d autovacuums, WAL/tx %.1f kB, %.2f full pages, %.2f flushes of %.2f ms",
		bg.checkpoints-before.checkpoints, bg.autovacuums-before.autovacuums,
		per(bg.walBytes-before.walBytes)/1000, per(bg.walFPI-before.walFPI), per(bg.walSyncs-before.walSyncs), bg.flushMS(before))
}

// captureFulfilment runs a second server whose connections to PostgreSQL
// pass through the recorder, sends it one webhook for the single upgrade
// of p, and returns the statements of the transaction that fulfilled it
// and those it sent meanwhile outside it.
func (b *bench) captureFulfilment(p pool) (tx, outside []string) {
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
	mark := wire.mark()
	ev := sign(b.completedEvent(p, 0, taggedIDs(p.upgrade(0))))
	s := newSender(addr)
	defer s.close()
	if err := deliver(s, []signedEvent{ev})(0); err != nil {
		t.Fatalf("the recorded webhook: %v", err)
	}
	sent := wire.since(mark)
	srv.Stop(t)
	for _, s := range wire.transaction("insert into stripe_events") {
		if shape(s) != "-- ping" {
			tx = append(tx, s)
		}
	}
	if len(tx) == 0 {
		t.Fatal("no fulfilment transaction was recorded")
	}
	return tx, outsideOf(sent, tx)
}

// outsideOf is what of sent (every connection's queries) is not in tx,
// pings aside.
func outsideOf(sent, tx []string) []string {
	in := map[string]int{}
	for _, s := range tx {
		in[s]++
	}
	var out []string
	for _, s := range sent {
		switch {
		case shape(s) == "-- ping":
		case in[s] > 0:
			in[s]--
		default:
			out = append(out, shape(s))
		}
	}
	return out
}

// pgbenchRun is what one run of pgbench measured.
type pgbenchRun struct {
	processed int
	tps       float64
	lat       latencies
	cpu       roundCPU
	command   string // as a person would type it, the payload left out
}

// pgbench runs fulfil.sql on p's upgrades from clients for d: as fast as
// it can, or at rate transactions a second (pgbench -R, whose latencies
// count from when each transaction was due), with a payload of the
// recorded event's size. It checks that every transaction fulfilled one
// of the pool's upgrades.
func (b *bench) pgbench(p pool, clients int, d time.Duration, rate float64) pgbenchRun {
	return b.readPgbench(p, clients, []string{"-T", strconv.Itoa(max(int(d.Seconds()), 1))}, rate)
}

// pgbenchCount runs fulfil.sql on every upgrade of p, as fast as it can.
func (b *bench) pgbenchCount(p pool, clients int) pgbenchRun {
	return b.readPgbench(p, clients, []string{"-t", strconv.Itoa(p.n / clients)}, 0)
}

// readPgbench runs pgbench with the extra arguments and reads its rate,
// count and latencies.
func (b *bench) readPgbench(p pool, clients int, extra []string, rate float64) pgbenchRun {
	t := b.t
	out, dir, run := b.runPgbench(p, clients, extra, rate, b.dbURL)
	if m := regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`).FindStringSubmatch(out); m != nil {
		run.tps, _ = strconv.ParseFloat(m[1], 64)
	}
	if m := regexp.MustCompile(`number of transactions actually processed: (\d+)`).FindStringSubmatch(out); m != nil {
		run.processed, _ = strconv.Atoi(m[1])
	}
	if m := regexp.MustCompile(`number of failed transactions: (\d+)`).FindStringSubmatch(out); m != nil && m[1] != "0" {
		t.Fatalf("pgbench: %s transactions failed:\n%s", m[1], out)
	}
	if run.tps == 0 || run.processed == 0 {
		t.Fatalf("pgbench said no rate:\n%s", out)
	}
	if done := b.completed(p); done != int64(run.processed) {
		t.Fatalf("pgbench: %d transactions, %d upgrades complete: a client ran out of its %d upgrades\n%s", run.processed, done, p.n/clients, out)
	}
	run.lat = pgbenchLatencies(t, dir)
	return run
}

// runPgbench runs fulfil.sql with the extra arguments on dbURL and returns
// its output and the directory of its transaction log.
func (b *bench) runPgbench(p pool, clients int, extra []string, rate float64, dbURL string) (string, string, pgbenchRun) {
	t := b.t
	dir := t.TempDir()
	script := filepath.Join(dir, "fulfil.sql")
	if err := os.WriteFile(script, []byte(fulfilScript(t)), 0o644); err != nil {
		t.Fatal(err)
	}
	payload := b.scriptPayload()
	now := time.Now().UTC()
	stamp := func(t time.Time) string { return t.Format("2006-01-02 15:04:05.999999-07:00") }
	threads := min(clients, runtime.NumCPU())
	perClient := p.n / clients
	args := append([]string{"-n", "-M", "simple", "-c", strconv.Itoa(clients), "-j", strconv.Itoa(threads)}, extra...)
	if rate > 0 {
		args = append(args, "-R", strconv.FormatFloat(rate, 'f', 1, 64))
	}
	// At a fixed rate the server is sent the mix, whose ids are random as
	// Stripe's; pgbench's are then random too (fulfil.sql's random_ids).
	// Elsewhere both sides take the upgrades' tags (taggedIDs).
	randomIDs := "random_ids=0"
	if rate > 0 {
		randomIDs = "random_ids=1"
	}
	args = append(args, "-f", script,
		"-D", "n=0", "-D", randomIDs,
		"-D", "first_upgrade="+strconv.FormatInt(p.firstUpgrade, 10),
		"-D", "first_user="+strconv.FormatInt(p.firstUser, 10),
		"-D", "per_client="+strconv.Itoa(perClient),
		"-D", "now="+stamp(now),
		"-D", "expires="+stamp(now.Add(time.Hour)),
		"-D", "sim=http://"+b.simAddr,
	)
	source := "test/bench/fulfil.sql"
	if *scriptPath != "" {
		source = *scriptPath
	}
	shown := strings.Join(append(append([]string{"pgbench"}, quoteArgs(args)...), "-D", "payload=<the recorded event, escaped>", "<bench database>"), " ")
	shown = strings.Replace(shown, script, source, 1)
	args = append(args, "-D", "payload="+payload, "-l", "--log-prefix="+filepath.Join(dir, "tx"), dbURL)
	cmd := exec.Command(pgbenchPath(), args...)
	cmd.Dir = dir
	cpu := startCPU(b.dbName, 0)
	outb, err := cmd.CombinedOutput()
	if cmd.ProcessState != nil {
		cpu.child(cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime())
	}
	used := cpu.end()
	if err != nil {
		t.Fatalf("pgbench: %v (a client that runs out of its upgrades fails on a missing one: raise -perf.guess-rate)\n%s", err, outb)
	}
	return string(outb), dir, pgbenchRun{cpu: used, command: shown}
}

// scriptPayload is the payload pgbench stores: a real event's body as the
// server writes it into its statement, in bytea's escape format (the
// rules of adapters/postgres's byteaLiteral).
func (b *bench) scriptPayload() string {
	p := pool{prefix: "pg", firstUser: 1, firstUpgrade: 1, n: 1}
	var out strings.Builder
	for _, c := range b.completedEvent(p, 0, taggedIDs(1)) {
		switch {
		case c == '\'':
			out.WriteString("''")
		case c == '\\':
			out.WriteString(`\\`)
		case c < 0x20 || c > 0x7e:
			fmt.Fprintf(&out, `\%03o`, c)
		default:
			out.WriteByte(c)
		}
	}
	return out.String()
}

// capturePgbench runs one transaction of fulfil.sql on p's one upgrade
// through the recorder and counts its queries.
func (b *bench) capturePgbench(p pool) int {
	t := b.t
	u, err := urlHost(b.dbURL)
	if err != nil {
		t.Fatalf("the SQL is recorded on a URL-form TEST_DATABASE_URL: %v", err)
	}
	wire := startPGWire(t, u)
	dbURL, err := wire.url(b.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	b.runPgbench(p, 1, []string{"-t", "1"}, 0, dbURL)
	return len(wire.transaction("insert into stripe_events"))
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
