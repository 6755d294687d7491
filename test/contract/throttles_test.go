package contract_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"upgrades/application"
)

// take spends one attempt of each key when every one has one left, as the
// login rules of the application do at their simplest; its wait.
func take(t *testing.T, th application.Throttles, now time.Time, keys ...application.Allowance) time.Duration {
	t.Helper()
	wait, err := th.Take(ctx, now, keys, func(levels []float64) time.Duration {
		var wait time.Duration
		for i, l := range levels {
			wait = max(wait, keys[i].Limit.Wait(l))
		}
		return wait
	})
	if err != nil {
		t.Fatal(err)
	}
	return wait
}

func allowance(key string, burst int, every time.Duration) application.Allowance {
	return application.Allowance{Key: key, Limit: application.Limit{Burst: burst, Every: every}}
}

var throttleCases = []testCase{
	{"throttles/a burst, then one attempt per interval", func(t *testing.T, s store) {
		alice, bob := allowance("alice", 3, time.Minute), allowance("bob", 3, time.Minute)
		for i := range 3 {
			if wait := take(t, s.Throttles, t0, alice); wait != 0 {
				t.Fatalf("attempt %d of the burst was refused for %s", i+1, wait)
			}
		}
		if wait := take(t, s.Throttles, t0, alice); wait != time.Minute {
			t.Fatalf("after the burst: wait %s, want 1m", wait)
		}
		if wait := take(t, s.Throttles, t0.Add(45*time.Second), alice); wait != 15*time.Second {
			t.Fatalf("45s later: wait %s, want 15s", wait)
		}
		if wait := take(t, s.Throttles, t0, bob); wait != 0 {
			t.Fatalf("another key shares alice's allowance: wait %s", wait)
		}
		if wait := take(t, s.Throttles, t0.Add(time.Minute), alice); wait != 0 {
			t.Fatalf("a minute later one attempt is allowed, got wait %s", wait)
		}
		if take(t, s.Throttles, t0.Add(time.Minute), alice) == 0 {
			t.Fatal("only one attempt refilled in a minute, but two were allowed")
		}
		// Long idle refills to the burst and no further.
		later := t0.Add(time.Hour)
		for i := range 3 {
			if take(t, s.Throttles, later, alice) != 0 {
				t.Fatalf("attempt %d after an hour was refused", i+1)
			}
		}
		if take(t, s.Throttles, later, alice) == 0 {
			t.Fatal("an hour's rest gave more than the burst")
		}
	}},

	{"throttles/a refused attempt spends nothing of any key", func(t *testing.T, s store) {
		full, empty := allowance("full", 5, time.Hour), allowance("empty", 1, time.Hour)
		take(t, s.Throttles, t0, empty)
		for range 3 {
			if take(t, s.Throttles, t0, full, empty) == 0 {
				t.Fatal("an attempt was allowed with one key used up")
			}
		}
		var seen []float64
		if _, err := s.Throttles.Take(ctx, t0, []application.Allowance{full}, func(levels []float64) time.Duration {
			seen = levels
			return time.Second // spend nothing
		}); err != nil {
			t.Fatal(err)
		}
		if len(seen) != 1 || seen[0] != 5 {
			t.Fatalf("the full key's level is %v after three refusals, want 5", seen)
		}
	}},

	{"throttles/Return gives back one attempt, up to the burst", func(t *testing.T, s store) {
		alice := allowance("alice", 2, time.Hour)
		take(t, s.Throttles, t0, alice)
		take(t, s.Throttles, t0, alice)
		if err := s.Throttles.Return(ctx, t0, []application.Allowance{alice}); err != nil {
			t.Fatal(err)
		}
		if wait := take(t, s.Throttles, t0, alice); wait != 0 {
			t.Fatalf("a returned attempt cannot be used: wait %s", wait)
		}
		if take(t, s.Throttles, t0, alice) == 0 {
			t.Fatal("Return gave back more than one attempt")
		}
		bob := allowance("bob", 2, time.Hour)
		for range 3 { // a key never seen, and returns past the burst
			if err := s.Throttles.Return(ctx, t0, []application.Allowance{bob}); err != nil {
				t.Fatal(err)
			}
		}
		take(t, s.Throttles, t0, bob)
		take(t, s.Throttles, t0, bob)
		if take(t, s.Throttles, t0, bob) == 0 {
			t.Fatal("returns filled the bucket above its burst")
		}
	}},

	{"throttles/a flood of other keys forgets nothing that is owed", func(t *testing.T, s store) {
		guessed := allowance("guessed", 5, time.Hour)
		for range 5 {
			take(t, s.Throttles, t0, guessed)
		}
		keys := make([]application.Allowance, 0, 100)
		for i := range 2000 {
			keys = append(keys, allowance(fmt.Sprintf("addr-%d", i), 5, time.Second))
			if len(keys) == cap(keys) {
				take(t, s.Throttles, t0, keys...)
				keys = keys[:0]
			}
		}
		if take(t, s.Throttles, t0, guessed) == 0 {
			t.Fatal("a flood of other keys reset the guessed account's allowance")
		}
	}},

	{"throttles/concurrent attempts never get more than the burst", func(t *testing.T, s store) {
		alice := allowance("alice", 5, time.Hour)
		// Overlapping key sets taken in different orders must not deadlock.
		net := allowance("net", 1000, time.Hour)
		var allowed atomic.Int32
		var wg sync.WaitGroup
		for i := range 40 {
			th := s.Throttles
			if s.NewThrottles != nil && i%2 == 1 {
				th = s.NewThrottles(t) // another process on the same database
			}
			keys := []application.Allowance{alice, net}
			if i%2 == 0 {
				keys = []application.Allowance{net, alice}
			}
			wg.Go(func() {
				wait, err := th.Take(ctx, t0, keys, func(levels []float64) time.Duration {
					return max(keys[0].Limit.Wait(levels[0]), keys[1].Limit.Wait(levels[1]))
				})
				if err != nil {
					t.Error(err)
				} else if wait == 0 {
					allowed.Add(1)
				}
			})
		}
		wg.Wait()
		if n := allowed.Load(); n != 5 {
			t.Fatalf("%d of 40 concurrent attempts were allowed, want the burst of 5", n)
		}
	}},
}
