package contract_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"upgrades/application"
	"upgrades/domain"
)

// claim runs one ClaimStale in its own unit of work.
func claim(t *testing.T, s store, olderThan, now, leaseUntil time.Time, limit int) []domain.UpgradeID {
	t.Helper()
	var got []domain.UpgradeID
	do(t, s, func(ctx context.Context, st application.Store) (err error) {
		got, err = st.Upgrades.ClaimStale(ctx, olderThan, now, leaseUntil, limit)
		return err
	})
	return got
}

var claimCases = []testCase{
	{"upgrades/ClaimStale leases open upgrades until the lease ends", func(t *testing.T, s store) {
		alice := mustUser(t, s, "alice", domain.LevelMember)
		bob := mustUser(t, s, "bob", domain.LevelMember)
		carol := mustUser(t, s, "carol", domain.LevelMember)
		a := mustUpgrade(t, s, alice, alice, domain.UpgradeGold, t0)
		b := mustUpgrade(t, s, bob, bob, domain.UpgradeGold, t0)
		apply(t, s, b.ID(), domain.Payment{Kind: domain.EventCheckoutUnpaid}, t0) // processing
		c := mustUpgrade(t, s, carol, carol, domain.UpgradeGold, t0)
		apply(t, s, c.ID(), domain.Payment{Kind: domain.EventCheckoutPaid}, t0) // complete: not open
		recent := mustUpgrade(t, s, alice, bob, domain.UpgradeGold, t0.Add(20*time.Minute))
		e := mustUpgrade(t, s, bob, alice, domain.UpgradeGold, t0)

		now := t0.Add(10 * time.Minute)
		olderThan, leaseUntil := now.Add(-5*time.Minute), now.Add(2*time.Minute)
		want := []domain.UpgradeID{a.ID(), b.ID(), e.ID()}

		if got := claim(t, s, olderThan, now, leaseUntil, 2); !slices.Equal(got, want[:2]) {
			t.Fatalf("first claim (limit 2) = %v, want %v", got, want[:2])
		}
		if got := claim(t, s, olderThan, now, leaseUntil, 10); !slices.Equal(got, want[2:]) {
			t.Fatalf("second claim = %v, want only the one not leased yet, %v", got, want[2:])
		}
		later := now.Add(time.Minute)
		if got := claim(t, s, later.Add(-5*time.Minute), later, later.Add(2*time.Minute), 10); len(got) != 0 {
			t.Fatalf("a claim before the leases end got %v", got)
		}
		end := leaseUntil
		got := claim(t, s, end.Add(-5*time.Minute), end, end.Add(2*time.Minute), 10)
		if !slices.Equal(got, want) || slices.Contains(got, recent.ID()) || slices.Contains(got, c.ID()) {
			t.Fatalf("a claim once the leases ended = %v, want %v again", got, want)
		}
	}},

	{"upgrades/concurrent ClaimStale claims each upgrade once", func(t *testing.T, s store) {
		const n, workers, batch = 30, 5, 4
		var all []domain.UpgradeID
		for i := range n {
			u := mustUser(t, s, fmt.Sprintf("user%02d", i), domain.LevelMember)
			all = append(all, mustUpgrade(t, s, u, u, domain.UpgradeGold, t0).ID())
		}
		now := t0.Add(time.Hour)
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			claimed = map[domain.UpgradeID]int{}
			errs    []error
		)
		// The first claims start together, each in an open transaction
		// (where units of work can overlap at all): the worst case.
		together := newBarrier(workers)
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Each round that claims anything claims a row for good, so
				// more rounds than rows means the leases do not hold.
				for round := 0; round <= n; round++ {
					var got []domain.UpgradeID
					err := s.UoW.Do(ctx, func(ctx context.Context, st application.Store) (err error) {
						if round == 0 && !s.Serial {
							if err := together.wait(); err != nil {
								return err
							}
						}
						got, err = st.Upgrades.ClaimStale(ctx, now.Add(-5*time.Minute), now, now.Add(time.Minute), batch)
						return err
					})
					mu.Lock()
					if err != nil {
						errs = append(errs, err)
					}
					for _, id := range got {
						claimed[id]++
					}
					mu.Unlock()
					if err != nil || len(got) == 0 {
						return
					}
				}
				mu.Lock()
				errs = append(errs, fmt.Errorf("a worker still claimed upgrades after %d rounds: the lease does not keep them", n+1))
				mu.Unlock()
			}()
		}
		wg.Wait()
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		for _, id := range all {
			if claimed[id] != 1 {
				t.Errorf("upgrade #%d claimed %d times, want once", id, claimed[id])
			}
		}
	}},

	{"upgrades/ClaimStale skips the rows an open claim holds, without waiting for it", func(t *testing.T, s store) {
		if s.Serial {
			t.Skip("this store's units of work never overlap: a claim cannot be open during another")
		}
		var all []domain.UpgradeID
		for i := range 4 {
			u := mustUser(t, s, fmt.Sprintf("user%d", i), domain.LevelMember)
			all = append(all, mustUpgrade(t, s, u, u, domain.UpgradeGold, t0).ID())
		}
		now := t0.Add(time.Hour)
		olderThan, leaseUntil := now.Add(-5*time.Minute), now.Add(time.Minute)
		var (
			firstClaimed = make(chan struct{})
			secondDone   = make(chan struct{})
			second       []domain.UpgradeID
			secondErr    error
		)
		go func() {
			defer close(secondDone)
			<-firstClaimed
			secondErr = s.UoW.Do(ctx, func(ctx context.Context, st application.Store) (err error) {
				second, err = st.Upgrades.ClaimStale(ctx, olderThan, now, leaseUntil, 10)
				return err
			})
		}()
		var first []domain.UpgradeID
		err := s.UoW.Do(ctx, func(ctx context.Context, st application.Store) (err error) {
			if first, err = st.Upgrades.ClaimStale(ctx, olderThan, now, leaseUntil, 2); err != nil {
				return err
			}
			close(firstClaimed)
			// The second claim must finish while this one stays open; it
			// fails the test as soon as it waits for a lock instead.
			if err := waitForLockOr(s, secondDone); err != nil {
				return err
			}
			select {
			case <-secondDone:
				return nil
			default:
				return errors.New("the second claim waited for the rows the first holds")
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		<-secondDone
		if secondErr != nil {
			t.Fatal(secondErr)
		}
		if !slices.Equal(first, all[:2]) || !slices.Equal(second, all[2:]) {
			t.Fatalf("claims got %v and %v, want %v and %v", first, second, all[:2], all[2:])
		}
	}},
}

// barrier lets n goroutines wait for each other.
type barrier struct {
	arrived chan struct{}
	all     chan struct{}
	n       int
	once    sync.Once
}

func newBarrier(n int) *barrier {
	return &barrier{arrived: make(chan struct{}, n), all: make(chan struct{}), n: n}
}

// wait returns once n goroutines called it, or fails after a while so that
// a broken test does not hang.
func (b *barrier) wait() error {
	b.arrived <- struct{}{}
	if len(b.arrived) == b.n {
		b.once.Do(func() { close(b.all) })
	}
	select {
	case <-b.all:
		return nil
	case <-time.After(10 * time.Second):
		return errors.New("not every worker reached the barrier")
	}
}
