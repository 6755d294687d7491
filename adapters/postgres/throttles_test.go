package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"upgrades/adapters/postgres"
	"upgrades/application"
	"upgrades/test/dbtest"
)

// Rows of keys untouched for a day are swept, now and then, by the Takes
// of other keys; rows still in use are kept.
func TestThrottleRowsAreSwept(t *testing.T) {
	url := dbtest.New(t)
	th := postgres.NewThrottles(open(t, url))
	conn := dbtest.SQL(t, url)
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	take := func(key string, at time.Time) {
		t.Helper()
		keys := []application.Allowance{{Key: key, Limit: application.Limit{Burst: 5, Every: time.Minute}}}
		if _, err := th.Take(context.Background(), at, keys, func([]float64) time.Duration { return 0 }); err != nil {
			t.Fatal(err)
		}
	}
	take("old", t0)
	take("recent", t0.Add(23*time.Hour))
	for i := range 600 { // past one sweep's interval
		take(fmt.Sprintf("key-%d", i), t0.Add(25*time.Hour))
	}
	rows := map[string]bool{}
	for _, k := range []string{"old", "recent", "key-599"} {
		var n int
		if err := conn.QueryRow(`SELECT count(*) FROM throttles WHERE key = $1`, k).Scan(&n); err != nil {
			t.Fatal(err)
		}
		rows[k] = n == 1
	}
	if rows["old"] || !rows["recent"] || !rows["key-599"] {
		t.Fatalf("rows kept after the sweep: %v; want only the old one gone", rows)
	}
}
