package memory_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"upgrades/adapters/memory"
	"upgrades/application"
)

// Memory follows the keys that failed recently: a key whose allowance has
// refilled is forgotten, one still owed is not.
func TestThrottlesForgetKeysThatHaveRefilled(t *testing.T) {
	th := memory.NewThrottles()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	spend := func(key string, limit application.Limit, at time.Time) time.Duration {
		t.Helper()
		keys := []application.Allowance{{Key: key, Limit: limit}}
		wait, err := th.Take(context.Background(), at, keys, func(levels []float64) time.Duration { return limit.Wait(levels[0]) })
		if err != nil {
			t.Fatal(err)
		}
		return wait
	}
	owed := application.Limit{Burst: 5, Every: time.Hour}
	for range 5 {
		spend("guessed", owed, t0)
	}
	quick := application.Limit{Burst: 5, Every: time.Second}
	for i := range 10_000 {
		spend(fmt.Sprintf("addr-%d", i), quick, t0.Add(time.Duration(i)*time.Millisecond))
	}
	// One attempt refills in a second: only about the last second's
	// thousand keys, and at most twice that between sweeps, are remembered.
	if n := th.Len(); n > 2100 {
		t.Fatalf("the throttles remember %d keys of 10,000 spread over 10 s", n)
	}
	if spend("guessed", owed, t0.Add(10*time.Second)) == 0 {
		t.Fatal("the sweeps forgot a key that is still owed")
	}
}
