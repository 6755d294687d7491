package contract_test

import (
	"context"
	"errors"
	"sync"
	"time"

	"upgrades/application"
	"upgrades/domain"
)

// holdFirst makes two units of work meet at one point, to prove that a
// lock keeps them apart. The first to reach the point (pass) holds its
// unit of work open until either a second one reaches the point too (the
// store let them overlap: the test's checks then see what overlapping
// did) or the store reports a unit of work waiting for a lock (it keeps
// them apart). No sleep decides the outcome: without the lock the second
// passes, with it the second waits, and each is seen as it happens.
//
// On a serial store units of work never overlap, so the first does not
// hold: the second could not start while it waited.
type holdFirst struct {
	s          store
	mu         sync.Mutex
	arrived    int
	second     chan struct{}
	secondOnce sync.Once
}

func newHoldFirst(s store) *holdFirst {
	return &holdFirst{s: s, second: make(chan struct{})}
}

// pass is called at the point; it returns an error only when the test
// itself went wrong (nobody came).
func (h *holdFirst) pass() error {
	h.mu.Lock()
	h.arrived++
	first := h.arrived == 1
	h.mu.Unlock()
	if !first {
		h.secondOnce.Do(func() { close(h.second) })
		return nil
	}
	if h.s.Serial {
		return nil
	}
	return waitForLockOr(h.s, h.second)
}

// waitForLockOr returns once done is closed or once some unit of work on
// the store waits for a lock. The bound only ends a test whose other unit
// of work never came; it decides nothing when the code works.
func waitForLockOr(s store, done <-chan struct{}) error {
	deadline := time.After(10 * time.Second)
	for {
		select {
		case <-done:
			return nil
		case <-deadline:
			return errors.New("the other unit of work neither passed nor waited for a lock within 10s")
		default:
		}
		n, err := s.Waiting()
		if err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		select {
		case <-done:
			return nil
		case <-time.After(time.Millisecond):
		}
	}
}

// hookedUpgrades calls a hook when an upgrade has been found by its
// payment, or when the newest pending upgrade has been looked for: the
// points where a missing lock lets two units of work decide on the same
// state.
type hookedUpgrades struct {
	application.Upgrades
	afterPaymentLock, afterLatestPending func() error
}

// hookedOutcomes calls the hook after locking an upgrade found by its
// payment, as fulfilment does.
type hookedOutcomes struct {
	application.Outcomes
	afterPaymentLock func() error
}

func (o hookedOutcomes) Lock(ctx context.Context, l application.PaymentLock) (application.LockedPayment, error) {
	locked, err := o.Outcomes.Lock(ctx, l)
	if err == nil && locked.Upgrade != nil && l.UpgradeID == 0 && o.afterPaymentLock != nil {
		err = o.afterPaymentLock()
	}
	return locked, err
}

func (u hookedUpgrades) LockByPaymentIntent(ctx context.Context, pi string) (*domain.Upgrade, error) {
	up, err := u.Upgrades.LockByPaymentIntent(ctx, pi)
	if err == nil && u.afterPaymentLock != nil {
		err = u.afterPaymentLock()
	}
	return up, err
}

func (u hookedUpgrades) LatestPending(ctx context.Context, purchaser, recipient domain.UserID, t domain.UpgradeType) (*domain.Upgrade, error) {
	up, err := u.Upgrades.LatestPending(ctx, purchaser, recipient, t)
	if (err == nil || domain.IsKind(err, domain.KindNotFound)) && u.afterLatestPending != nil {
		if herr := u.afterLatestPending(); herr != nil {
			return nil, herr
		}
	}
	return up, err
}
