package secure_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"upgrades/adapters/secure"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestThrottleAllowsABurstThenRefills(t *testing.T) {
	th := secure.NewThrottle(3, time.Minute)
	for i := range 3 {
		if wait := th.Take("alice", t0); wait != 0 {
			t.Fatalf("attempt %d of the burst was refused for %s", i+1, wait)
		}
	}
	if wait := th.Take("alice", t0); wait != time.Minute {
		t.Fatalf("after the burst: wait %s, want 1m", wait)
	}
	if wait := th.Take("alice", t0.Add(45*time.Second)); wait != 15*time.Second {
		t.Fatalf("45s later: wait %s, want 15s", wait)
	}
	if wait := th.Take("bob", t0); wait != 0 {
		t.Fatalf("another key shares alice's allowance: wait %s", wait)
	}
	if wait := th.Take("alice", t0.Add(time.Minute)); wait != 0 {
		t.Fatalf("a minute later one attempt is allowed, got wait %s", wait)
	}
	if wait := th.Take("alice", t0.Add(time.Minute)); wait == 0 {
		t.Fatal("only one attempt refilled in a minute, but two were allowed")
	}
	// Long idle refills to the burst and no further.
	later := t0.Add(time.Hour)
	for i := range 3 {
		if th.Take("alice", later) != 0 {
			t.Fatalf("attempt %d after an hour was refused", i+1)
		}
	}
	if th.Take("alice", later) == 0 {
		t.Fatal("an hour's rest gave more than the burst")
	}
}

func TestThrottleReturnGivesBackOneAttempt(t *testing.T) {
	th := secure.NewThrottle(2, time.Minute)
	th.Take("alice", t0)
	th.Take("alice", t0)
	th.Return("alice")
	if wait := th.Take("alice", t0); wait != 0 {
		t.Fatalf("a returned attempt cannot be used: wait %s", wait)
	}
	if th.Take("alice", t0) == 0 {
		t.Fatal("Return gave back more than one attempt")
	}
	th.Return("nobody") // a key never seen is not an error
	th.Return("bob")
	th.Take("bob", t0)
	th.Return("bob")
	th.Return("bob")
	th.Take("bob", t0)
	th.Take("bob", t0)
	if th.Take("bob", t0) == 0 {
		t.Fatal("returns filled the bucket above its burst")
	}
}

func TestThrottleForgetsKeysThatHaveRefilled(t *testing.T) {
	th := secure.NewThrottle(5, time.Second)
	for i := range 10_000 {
		th.Take(fmt.Sprintf("addr-%d", i), t0.Add(time.Duration(i)*time.Millisecond))
	}
	// One attempt refills in a second: only about the last second's
	// thousand keys, and at most twice that between sweeps, are still owed
	// anything.
	if n := th.Len(); n > 2100 {
		t.Fatalf("the throttle remembers %d keys of 10,000 spread over 10 s", n)
	}
}

func TestThrottleNeverForgetsAKeyThatIsOwed(t *testing.T) {
	th := secure.NewThrottle(5, time.Hour)
	for range 5 {
		th.Take("guessed", t0)
	}
	for i := range 10_000 {
		th.Take(fmt.Sprintf("addr-%d", i), t0)
	}
	if th.Take("guessed", t0) == 0 {
		t.Fatal("a flood of other keys reset the guessed account's allowance")
	}
}

// Concurrent attempts on one key never get more than the burst.
func TestThrottleUnderConcurrentAttempts(t *testing.T) {
	th := secure.NewThrottle(5, time.Hour)
	var allowed atomic.Int32
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			if th.Take("alice", t0) == 0 {
				allowed.Add(1)
			}
		})
	}
	wg.Wait()
	if n := allowed.Load(); n != 5 {
		t.Fatalf("%d of 100 concurrent attempts were allowed, want the burst of 5", n)
	}
}
