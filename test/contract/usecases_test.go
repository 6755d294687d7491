package contract_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"upgrades/adapters/memory"
	"upgrades/application"
	"upgrades/domain"
)

// shop is the real use cases on the store under test, with a fake payment
// provider and clock.
type shop struct {
	app   *application.App
	gw    *memory.Gateway
	reads *countingGateway
	clock *memory.Clock
	uow   *faultyUoW
	s     store
}

// countingGateway counts the checkout reads per session.
type countingGateway struct {
	application.PaymentGateway
	mu    sync.Mutex
	reads map[string]int
}

func (g *countingGateway) RetrieveCheckout(ctx context.Context, id string) (application.CheckoutState, error) {
	g.mu.Lock()
	g.reads[id]++
	g.mu.Unlock()
	return g.PaymentGateway.RetrieveCheckout(ctx, id)
}

func (g *countingGateway) count(id string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.reads[id]
}

func newShop(t *testing.T, s store) shop {
	t.Helper()
	uow := &faultyUoW{inner: s.UoW}
	gw, clock := memory.NewGateway(), memory.NewClock(t0)
	reads := &countingGateway{PaymentGateway: gw, reads: map[string]int{}}
	app := application.New(application.Deps{
		UoW: uow, Gateway: reads, Verifier: memory.Verifier{Secret: "whsec_test"}, Clock: clock,
		Tokens: &memory.Tokens{}, Passwords: memory.Passwords{}, Config: testConfig(), Codes: &memory.CodeMaker{},
		Throttles: memory.NewThrottles(),
	})
	return shop{app: app, gw: gw, reads: reads, clock: clock, uow: uow, s: s}
}

func (sh shop) user(t *testing.T, name string, level domain.Level) *domain.User {
	t.Helper()
	u, err := sh.app.CreateUser.Handle(ctx, application.CreateUser{Name: name, Password: "contract password", Level: level})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// start buys an upgrade: a pending upgrade with an open checkout.
func (sh shop) start(t *testing.T, purchaser, recipient *domain.User, typ domain.UpgradeType) *domain.Upgrade {
	t.Helper()
	started, err := sh.app.StartUpgrade.Handle(ctx, application.StartUpgrade{PurchaserID: purchaser.ID(), RecipientID: recipient.ID(), Type: typ.String()})
	if err != nil {
		t.Fatal(err)
	}
	return started.Upgrade
}

// event is what a verified webhook about up's checkout says.
func event(id string, kind domain.EventKind, up *domain.Upgrade, pi string) application.PaymentEvent {
	types := map[domain.EventKind]string{
		domain.EventCheckoutPaid: "checkout.session.completed", domain.EventCheckoutUnpaid: "checkout.session.completed",
		domain.EventAsyncSucceeded: "checkout.session.async_payment_succeeded", domain.EventSessionExpired: "checkout.session.expired",
	}
	return application.PaymentEvent{Payment: domain.Payment{Kind: kind, UpgradeID: up.ID(), SessionID: up.SessionID(), PaymentIntentID: pi, Amount: up.Price().Amount(), Currency: up.Price().Currency()}, ID: id, Type: types[kind], Payload: []byte(`{"id":"` + id + `"}`), Source: "stripe"}
}

func (sh shop) messages(t *testing.T, u *domain.User) []*domain.Message {
	t.Helper()
	return inbox(t, sh.s, u.ID(), 0)
}

// countUpgraded counts the "You have been upgraded" messages.
func countUpgraded(msgs []*domain.Message) int {
	n := 0
	for _, m := range msgs {
		if strings.HasPrefix(m.Body, "You have been upgraded") {
			n++
		}
	}
	return n
}

// fulfilments counts the history entries that completed the upgrade.
func fulfilments(h []domain.HistoryEntry) int {
	n := 0
	for _, e := range h {
		if e.To == domain.StatusComplete && e.From != domain.StatusComplete {
			n++
		}
	}
	return n
}

// legalPath checks that the history is a walk through the state machine
// from pending and returns where it ends.
func legalPath(t *testing.T, h []domain.HistoryEntry) domain.Status {
	t.Helper()
	if len(h) == 0 || h[0].To != domain.StatusPending {
		t.Fatalf("history does not start pending: %+v", h)
	}
	status := domain.StatusPending
	for i, e := range h[1:] {
		if e.From != status {
			t.Fatalf("history[%d] starts from %s, but the upgrade was %s: %+v", i+1, e.From, status, h)
		}
		// A redundant payment's refund is decided by Apply, beside the
		// state machine (SPEC §2).
		redundant := e.To == domain.StatusRefunded && strings.HasPrefix(e.Note, "redundant: ")
		if d := domain.Decide(e.From, e.Event); d.To != e.To && !redundant {
			t.Fatalf("history[%d] went %s→%s on %s; the state machine says %s", i+1, e.From, e.To, e.Event, d.To)
		}
		status = e.To
	}
	return status
}

var errInjected = errors.New("injected failure after the effects")

// faultyUoW wraps the store's unit of work to fail on demand: after the
// function has done everything (so the commit is what must not happen),
// or when a message is written.
type faultyUoW struct {
	inner          application.UnitOfWork
	failAfter      atomic.Bool // the next unit of work that succeeds fails instead
	failOnMessages atomic.Bool // every Messages.Create fails
	// Hooks into the upgrades repository (see hookedUpgrades); set before
	// the units of work they watch start.
	afterPaymentLock, afterLatestPending func() error
}

func (f *faultyUoW) Read(ctx context.Context, fn func(ctx context.Context, s application.Store) error) error {
	return f.inner.Read(ctx, fn)
}

func (f *faultyUoW) Do(ctx context.Context, fn func(ctx context.Context, s application.Store) error) error {
	return f.inner.Do(ctx, func(ctx context.Context, s application.Store) error {
		if f.failOnMessages.Load() {
			s.Messages = failingMessages{s.Messages}
			s.Outcomes = failingOutcomes{s.Outcomes}
		}
		if f.afterPaymentLock != nil || f.afterLatestPending != nil {
			s.Upgrades = hookedUpgrades{Upgrades: s.Upgrades, afterPaymentLock: f.afterPaymentLock, afterLatestPending: f.afterLatestPending}
			s.Outcomes = hookedOutcomes{Outcomes: s.Outcomes, afterPaymentLock: f.afterPaymentLock}
		}
		if err := fn(ctx, s); err != nil {
			return err
		}
		if f.failAfter.CompareAndSwap(true, false) {
			return errInjected
		}
		return nil
	})
}

type failingMessages struct{ application.Messages }

func (failingMessages) Create(context.Context, *domain.Message) error {
	return errors.New("injected failure writing a message")
}

// failingOutcomes fails to save an outcome that writes messages.
type failingOutcomes struct{ application.Outcomes }

func (f failingOutcomes) Save(ctx context.Context, c application.PaymentChanges) error {
	if len(c.Messages) > 0 {
		return errors.New("injected failure writing a message")
	}
	return f.Outcomes.Save(ctx, c)
}

var useCaseCases = []testCase{
	{"use cases/50 concurrent deliveries of one event fulfil once", func(t *testing.T, s store) {
		sh := newShop(t, s)
		alice := sh.user(t, "alice", domain.LevelMember)
		bob := sh.user(t, "bob", domain.LevelMember)
		up := sh.start(t, alice, bob, domain.UpgradeGold)
		pi := sh.gw.Complete(up.SessionID(), memory.PaymentPaid)
		ev := event("evt_paid", domain.EventCheckoutPaid, up, pi)

		const deliveries = 50
		var (
			wg    sync.WaitGroup
			fresh atomic.Int32
			errs  = make(chan error, deliveries)
		)
		for range deliveries {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a, err := sh.app.ApplyEvent.Handle(ctx, ev)
				if err == nil && !a.Duplicate {
					fresh.Add(1)
					if a.Outcome != domain.OutcomeApplied || !a.Result.Fulfilled {
						err = fmt.Errorf("the fresh delivery did %+v", a)
					}
				}
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if n := fresh.Load(); n != 1 {
			t.Fatalf("%d deliveries were applied, want exactly 1", n)
		}
		got := read(t, s, up.ID(), true)
		if got.Status() != domain.StatusComplete || fulfilments(got.History()) != 1 {
			t.Fatalf("upgrade is %s with %d fulfilments: %+v", got.Status(), fulfilments(got.History()), got.History())
		}
		if readUser(t, s, bob.ID()).Level() != domain.LevelGold {
			t.Error("bob was not upgraded")
		}
		if msgs := sh.messages(t, bob); len(msgs) != 1 || countUpgraded(msgs) != 1 {
			t.Errorf("bob got %d messages, want one: %v", len(msgs), msgs)
		}
		if msgs := sh.messages(t, alice); len(msgs) != 1 {
			t.Errorf("alice, who gave the gift, got %d messages, want one", len(msgs))
		}
		wantEvent(t, s, "evt_paid", "applied", 1)
	}},

	{"use cases/concurrent related events end in a legal state with one fulfilment", func(t *testing.T, s store) {
		sh := newShop(t, s)
		alice := sh.user(t, "alice", domain.LevelMember)
		const rounds, copies = 4, 3
		for round := range rounds {
			recipient := sh.user(t, fmt.Sprintf("recipient%d", round), domain.LevelMember)
			up := sh.start(t, alice, recipient, domain.UpgradeGold)
			pi := sh.gw.Complete(up.SessionID(), memory.PaymentPaid)
			id := func(name string) string { return fmt.Sprintf("evt_%d_%s", round, name) }
			events := []application.PaymentEvent{event(id("unpaid"), domain.EventCheckoutUnpaid, up, pi), event(id("paid"), domain.EventCheckoutPaid, up, pi), event(id("async"), domain.EventAsyncSucceeded, up, pi), event(id("expired"), domain.EventSessionExpired, up, "")}
			var deliveries []application.PaymentEvent
			for range copies {
				deliveries = append(deliveries, events...)
			}
			rand.Shuffle(len(deliveries), func(i, j int) { deliveries[i], deliveries[j] = deliveries[j], deliveries[i] })

			var (
				wg    sync.WaitGroup
				mu    sync.Mutex
				fresh = map[string]int{}
				errs  []error
			)
			for _, ev := range deliveries {
				wg.Add(1)
				go func() {
					defer wg.Done()
					a, err := sh.app.ApplyEvent.Handle(ctx, ev)
					mu.Lock()
					defer mu.Unlock()
					if err != nil {
						errs = append(errs, err)
					} else if !a.Duplicate {
						fresh[ev.ID]++
					}
				}()
			}
			wg.Wait()
			if len(errs) > 0 {
				t.Fatalf("round %d: %v", round, errs)
			}
			for _, ev := range events {
				if fresh[ev.ID] != 1 {
					t.Errorf("round %d: %s applied %d times, want once", round, ev.ID, fresh[ev.ID])
				}
				if outcome, _, _ := s.Event(t, ev.ID); outcome == "" {
					t.Errorf("round %d: %s is not recorded as processed", round, ev.ID)
				}
			}

			got := read(t, s, up.ID(), true)
			end := legalPath(t, got.History())
			if end != got.Status() {
				t.Fatalf("round %d: history ends %s, the upgrade is %s", round, end, got.Status())
			}
			complete := got.Status() == domain.StatusComplete
			// An expiry that came first makes the payment redundant: refunded.
			if !complete && got.Status() != domain.StatusRefunded {
				t.Fatalf("round %d: final status %s, want complete (or refunded if the expiry came first)", round, got.Status())
			}
			wantFulfilled := map[bool]int{true: 1, false: 0}[complete]
			if n := fulfilments(got.History()); n != wantFulfilled {
				t.Errorf("round %d: %s with %d fulfilments", round, got.Status(), n)
			}
			if n := countUpgraded(sh.messages(t, recipient)); n != wantFulfilled {
				t.Errorf("round %d: the recipient was told %d times", round, n)
			}
			wantLevel := map[bool]domain.Level{true: domain.LevelGold, false: domain.LevelMember}[complete]
			if got := readUser(t, s, recipient.ID()).Level(); got != wantLevel {
				t.Errorf("round %d: recipient is %s, want %s", round, got, wantLevel)
			}
		}
	}},

	{"use cases/a failure after the effects writes nothing, and the event applies later", func(t *testing.T, s store) {
		sh := newShop(t, s)
		alice := sh.user(t, "alice", domain.LevelMember)
		bob := sh.user(t, "bob", domain.LevelMember)
		up := sh.start(t, alice, bob, domain.UpgradeGold)
		pi := sh.gw.Complete(up.SessionID(), memory.PaymentPaid)
		ev := event("evt_paid", domain.EventCheckoutPaid, up, pi)

		sh.uow.failAfter.Store(true)
		if _, err := sh.app.ApplyEvent.Handle(ctx, ev); !errors.Is(err, errInjected) {
			t.Fatalf("Handle = %v, want the injected failure", err)
		}
		unchanged(t, sh, up, alice, bob)
		wantEvent(t, s, "evt_paid", "", 1) // kept, by Fail, to be applied again

		a, err := sh.app.ApplyEvent.Handle(ctx, ev)
		if err != nil || a.Duplicate || !a.Result.Fulfilled {
			t.Fatalf("the redelivery: %+v, %v; want it applied", a, err)
		}
		fulfilledOnce(t, sh, up, bob)
		wantEvent(t, s, "evt_paid", "applied", 2)
	}},

	{"use cases/a failing message write rolls back the fulfilment", func(t *testing.T, s store) {
		sh := newShop(t, s)
		alice := sh.user(t, "alice", domain.LevelMember)
		bob := sh.user(t, "bob", domain.LevelMember)
		up := sh.start(t, alice, bob, domain.UpgradeGold)
		pi := sh.gw.Complete(up.SessionID(), memory.PaymentPaid)
		ev := event("evt_paid", domain.EventCheckoutPaid, up, pi)

		sh.uow.failOnMessages.Store(true)
		if _, err := sh.app.ApplyEvent.Handle(ctx, ev); err == nil {
			t.Fatal("Handle succeeded though its messages could not be written")
		}
		sh.uow.failOnMessages.Store(false)
		unchanged(t, sh, up, alice, bob)

		if _, err := sh.app.ApplyEvent.Handle(ctx, ev); err != nil {
			t.Fatal(err)
		}
		fulfilledOnce(t, sh, up, bob)
	}},

	{"use cases/concurrent reconcilers check each upgrade once", func(t *testing.T, s store) {
		sh := newShop(t, s)
		const n = 12
		var ups []*domain.Upgrade
		for i := range n {
			u := sh.user(t, fmt.Sprintf("buyer%02d", i), domain.LevelMember)
			up := sh.start(t, u, u, domain.UpgradeGold)
			if i%2 == 0 {
				sh.gw.Complete(up.SessionID(), memory.PaymentPaid) // the webhook was lost
			}
			ups = append(ups, up)
		}
		sh.clock.Advance(10 * time.Minute) // past ReconcileAfter

		const workers = 4
		var (
			wg               sync.WaitGroup
			checked, changed atomic.Int32
			errs             = make(chan error, workers)
			perRun           = n/workers + 2
		)
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := sh.app.Reconcile.Handle(ctx, application.Reconcile{Limit: perRun})
				checked.Add(int32(r.Checked))
				changed.Add(int32(r.Changed))
				if err == nil && r.Failed > 0 {
					err = fmt.Errorf("%d checks failed", r.Failed)
				}
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		for _, up := range ups {
			if c := sh.reads.count(up.SessionID()); c != 1 {
				t.Errorf("upgrade #%d was checked %d times, want once", up.ID(), c)
			}
		}
		if checked.Load() != n || changed.Load() != n/2 {
			t.Errorf("reconcilers checked %d and changed %d, want %d and %d", checked.Load(), changed.Load(), n, n/2)
		}
		for i, up := range ups {
			want := map[bool]domain.Status{true: domain.StatusComplete, false: domain.StatusPending}[i%2 == 0]
			if got := read(t, s, up.ID(), false).Status(); got != want {
				t.Errorf("upgrade #%d is %s, want %s", up.ID(), got, want)
			}
		}
		// Every upgrade is leased now: a run straight after finds nothing.
		if r, err := sh.app.Reconcile.Handle(ctx, application.Reconcile{}); err != nil || r.Checked != 0 {
			t.Errorf("a run within the leases checked %d (%v)", r.Checked, err)
		}
	}},
}

// unchanged checks that a failed application of a payment left no trace.
func unchanged(t *testing.T, sh shop, up *domain.Upgrade, purchaser, recipient *domain.User) {
	t.Helper()
	got := read(t, sh.s, up.ID(), true)
	if got.Status() != domain.StatusPending || got.PaymentIntentID() != "" || len(got.History()) != 1 {
		t.Errorf("after the failure the upgrade is %s, pi %q, %d history entries", got.Status(), got.PaymentIntentID(), len(got.History()))
	}
	if l := readUser(t, sh.s, recipient.ID()).Level(); l != domain.LevelMember {
		t.Errorf("after the failure the recipient is %s", l)
	}
	if len(sh.messages(t, recipient))+len(sh.messages(t, purchaser)) != 0 {
		t.Error("after the failure messages are stored")
	}
}

func fulfilledOnce(t *testing.T, sh shop, up *domain.Upgrade, recipient *domain.User) {
	t.Helper()
	got := read(t, sh.s, up.ID(), true)
	if got.Status() != domain.StatusComplete || fulfilments(got.History()) != 1 {
		t.Errorf("upgrade is %s with %d fulfilments", got.Status(), fulfilments(got.History()))
	}
	if l := readUser(t, sh.s, recipient.ID()).Level(); l != domain.LevelGold {
		t.Errorf("recipient is %s, want gold", l)
	}
	if c := countUpgraded(sh.messages(t, recipient)); c != 1 {
		t.Errorf("recipient was told %d times", c)
	}
}

// testConfig is the default configuration of an installation of its own.
func testConfig() application.Config {
	c := application.DefaultConfig()
	c.Installation = "contract"
	return c
}
