package postgres_test

import (
	"context"
	"sync"
	"testing"

	"upgrades/adapters/postgres"
	"upgrades/application"
	"upgrades/test/dbtest"
)

// A burst that uses every connection of the pool leaves them all open for
// the next one: a connection closed after the burst is a new PostgreSQL
// backend to start (a fork and an authentication) in the middle of the
// next, which is where a fixed-rate load's slowest requests come from.
func TestPoolKeepsItsConnectionsAfterABurst(t *testing.T) {
	db := open(t, dbtest.New(t))
	const burst = 20 // the pool's limit
	var started, release sync.WaitGroup
	started.Add(burst)
	release.Add(1)
	var wg sync.WaitGroup
	for range burst {
		wg.Go(func() {
			err := db.Do(context.Background(), func(ctx context.Context, s application.Store) error {
				started.Done()
				release.Wait()
				_, err := s.Events.CountUnprocessed(ctx)
				return err
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	started.Wait()
	release.Done()
	wg.Wait()
	st := db.SQL().Stats()
	if st.OpenConnections != burst || st.MaxIdleClosed != 0 {
		t.Fatalf("after a burst of %d: %d connections open, %d closed for being idle beyond the limit; want %d and 0",
			burst, st.OpenConnections, st.MaxIdleClosed, burst)
	}
}

// BenchmarkConcurrentUnitsOfWork runs short units of work from 16
// goroutines at once, more than the pool used to keep idle.
func BenchmarkConcurrentUnitsOfWork(b *testing.B) {
	db, err := postgres.Open(context.Background(), dbtest.New(b))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	b.SetParallelism(8)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			err := db.Do(context.Background(), func(ctx context.Context, s application.Store) error {
				_, err := s.Events.CountUnprocessed(ctx)
				return err
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	st := db.SQL().Stats()
	b.ReportMetric(float64(st.MaxIdleClosed)/float64(b.N), "closed/op")
}
