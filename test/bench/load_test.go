package bench_test

import (
	"database/sql"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"upgrades/test/dbtest"
)

// latencies are the times of one run's requests.
type latencies []time.Duration

// percentile is the nearest-rank percentile p (0 to 100).
func (l latencies) percentile(p float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := slices.Clone(l)
	slices.Sort(s)
	i := int(math.Ceil(float64(len(s))*p/100)) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// ms is the latencies in milliseconds.
func (l latencies) ms() []float64 {
	out := make([]float64, len(l))
	for i, d := range l {
		out[i] = ms(d)
	}
	return out
}

func (l latencies) sum() time.Duration {
	var total time.Duration
	for _, d := range l {
		total += d
	}
	return total
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// loadRun is what a run of requests measured.
type loadRun struct {
	lat      latencies
	elapsed  time.Duration
	errors   int
	firstErr error
	// inFlight is the most requests that were waiting for their answer at
	// once (of an open loop).
	inFlight int64
	// senderLag is the most a request of an open loop left after it was
	// due: the load generator's own stall, which its latency includes.
	senderLag time.Duration
	mu        sync.Mutex // guards errors and firstErr while the run goes on
}

func (r *loadRun) rate() float64 { return float64(len(r.lat)-r.errors) / r.elapsed.Seconds() }

// failed counts a request that failed, keeping the first error.
func (r *loadRun) failed(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors++
	if r.firstErr == nil {
		r.firstErr = err
	}
}

// closedLoop sends requests 0..n-1 from `workers` clients, each sending
// its next request when its last one is answered.
func closedLoop(n, workers int, do func(i int) error) *loadRun {
	return closedLoopFor(n, workers, 0, do)
}

// closedLoopFor is closedLoop that sends no request after d (0: no
// limit); the run's latencies are of the requests sent, 0..len-1.
func closedLoopFor(n, workers int, d time.Duration, do func(i int) error) *loadRun {
	run := &loadRun{lat: make(latencies, n)}
	var next, sent atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Go(func() {
			for {
				if d > 0 && time.Since(start) >= d {
					return
				}
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				sent.Add(1)
				t0 := time.Now()
				err := do(i)
				run.lat[i] = time.Since(t0)
				if err != nil {
					run.failed(err)
				}
			}
		})
	}
	wg.Wait()
	run.elapsed = time.Since(start)
	run.lat = run.lat[:sent.Load()]
	return run
}

// openLoop sends n requests at a fixed rate whatever the answers, as
// Stripe's deliveries arrive. A request's latency counts from when it was
// due, so a server that falls behind is charged for the queue it builds.
func openLoop(n int, perSecond float64, do func(i int) error) *loadRun {
	return openLoopUntil(n, perSecond, nil, do)
}

// openLoopUntil is openLoop that sends nothing more once stop is closed;
// the run's latencies are of the requests sent, 0..len-1.
func openLoopUntil(n int, perSecond float64, stop <-chan struct{}, do func(i int) error) *loadRun {
	run := &loadRun{lat: make(latencies, n)}
	sent := n
	var wg sync.WaitGroup
	var waiting, most, lag atomic.Int64
	interval := time.Duration(float64(time.Second) / perSecond)
	start := time.Now()
	for i := range n {
		due := start.Add(time.Duration(i) * interval)
		if wait(stop, time.Until(due)) {
			sent = i
			break
		}
		wg.Go(func() {
			raise(&lag, int64(time.Since(due)))
			raise(&most, waiting.Add(1))
			err := do(i)
			waiting.Add(-1)
			run.lat[i] = time.Since(due)
			if err != nil {
				run.failed(err)
			}
		})
	}
	wg.Wait()
	run.elapsed = time.Since(start)
	run.inFlight = most.Load()
	run.senderLag = time.Duration(lag.Load())
	run.lat = run.lat[:sent]
	return run
}

// raise sets v to n if n is more.
func raise(v *atomic.Int64, n int64) {
	for m := v.Load(); n > m && !v.CompareAndSwap(m, n); m = v.Load() {
	}
}

// wait sleeps for d and says whether stop was closed first.
func wait(stop <-chan struct{}, d time.Duration) bool {
	if d <= 0 {
		select {
		case <-stop:
			return true
		default:
			return false
		}
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-stop:
		return true
	case <-timer.C:
		return false
	}
}

// do sends req, reads the answer to the end and checks its status.
func (b *bench) do(req *http.Request, status int) ([]byte, error) {
	res, err := b.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != status {
		return body, fmt.Errorf("%s %s: %d, want %d: %.300s", res.Request.Method, res.Request.URL.Path, res.StatusCode, status, body)
	}
	return body, nil
}

// stripeTimer stands in front of the simulated Stripe and adds up how long
// each call from the server took, so that checkout can say what share of
// its time is spent waiting on Stripe.
type stripeTimer struct {
	srv     *httptest.Server
	mu      sync.Mutex
	waited  latencies
	calling bool
}

func newStripeTimer(t *testing.T, target string) *stripeTimer {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.Transport = &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, DisableCompression: true}
	st := &stripeTimer{}
	st.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		proxy.ServeHTTP(w, r)
		took := time.Since(start)
		st.mu.Lock()
		if st.calling {
			st.waited = append(st.waited, took)
		}
		st.mu.Unlock()
	}))
	t.Cleanup(st.srv.Close)
	return st
}

func (st *stripeTimer) URL() string { return st.srv.URL }

// record starts counting calls; the function it returns stops and hands
// them over.
func (st *stripeTimer) record() func() latencies {
	st.mu.Lock()
	st.calling, st.waited = true, nil
	st.mu.Unlock()
	return func() latencies {
		st.mu.Lock()
		defer st.mu.Unlock()
		st.calling = false
		return st.waited
	}
}

// sqlDB is a plain pool on the benchmark's database, for seeding and
// checking rows.
type sqlDB struct{ *sql.DB }

func openSQL(t testing.TB, u string) *sqlDB {
	db := dbtest.SQL(t, u)
	db.SetMaxOpenConns(2)
	return &sqlDB{db}
}

func (db *sqlDB) exec(t testing.TB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
}

// value is the one value of q's one row; NULL is T's zero value.
func value[T any](t testing.TB, db *sqlDB, q string, args ...any) T {
	t.Helper()
	var v sql.Null[T]
	if err := db.QueryRow(q, args...).Scan(&v); err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
	return v.V
}

func (db *sqlDB) one(t testing.TB, q string, args ...any) string {
	t.Helper()
	return value[string](t, db, q, args...)
}

func (db *sqlDB) int(t testing.TB, q string, args ...any) int64 {
	t.Helper()
	return value[int64](t, db, q, args...)
}

func (db *sqlDB) float(t testing.TB, q string, args ...any) float64 {
	t.Helper()
	return value[float64](t, db, q, args...)
}

// settle starts the next measurement on a flushed database, so that
// neither of two compared runs pays for the other's dirty pages. It is a
// checkpoint when the role may take one (a superuser or pg_checkpoint).
func (db *sqlDB) settle() {
	_, _ = db.Exec("CHECKPOINT")
}
