package application_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"upgrades/adapters/memory"
	"upgrades/application"
	"upgrades/domain"
)

// start is the moment every use-case test begins at.
var start = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

// fixture is the application wired to the in-memory adapters, with an
// owner ("olivia") to receive the owners' notifications.
type fixture struct {
	t     *testing.T
	ctx   context.Context
	db    *memory.DB
	gw    *recordingGateway
	clock *memory.Clock
	cfg   application.Config
	app   *application.App
	owner *domain.User
}

func newFixture(t *testing.T, configure ...func(*application.Config)) *fixture {
	t.Helper()
	cfg := application.DefaultConfig()
	cfg.BaseURL = "https://shop.example"
	cfg.Installation = "inst1"
	cfg.FormatMoney = dollars
	for _, c := range configure {
		c(&cfg)
	}
	f := &fixture{
		t:     t,
		ctx:   t.Context(),
		db:    memory.NewDB(),
		gw:    &recordingGateway{Gateway: memory.NewGateway()},
		clock: memory.NewClock(start),
		cfg:   cfg,
	}
	f.app = application.New(application.Deps{
		UoW: f.db, Gateway: f.gw, Verifier: memory.Verifier{Secret: "whsec_test"},
		Clock: f.clock, Tokens: &memory.Tokens{}, Passwords: memory.Passwords{}, Config: cfg, Codes: &memory.CodeMaker{},
		Throttles: memory.NewThrottles(),
	})
	f.owner = f.user("olivia", domain.LevelOwner)
	return f
}

// user creates an account with the email <name>@example.com.
func (f *fixture) user(name string, level domain.Level) *domain.User {
	f.t.Helper()
	u, err := f.app.CreateUser.Handle(f.ctx, application.CreateUser{
		Name: name, Password: "password-" + name, Email: name + "@example.com", Level: level,
	})
	if err != nil {
		f.t.Fatalf("creating %s: %v", name, err)
	}
	return u
}

func (f *fixture) ban(u *domain.User) {
	f.t.Helper()
	if _, err := f.app.Ban.Handle(f.ctx, application.Ban{By: application.CommandLine, Name: u.Name()}); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) setLevel(u *domain.User, l domain.Level) {
	f.t.Helper()
	if _, err := f.app.SetLevel.Handle(f.ctx, application.SetLevel{By: application.CommandLine, Name: u.Name(), Level: l}); err != nil {
		f.t.Fatal(err)
	}
}

// start buys typ for recipient and returns the pending upgrade.
func (f *fixture) start(purchaser, recipient *domain.User, typ domain.UpgradeType) *domain.Upgrade {
	f.t.Helper()
	s, err := f.app.StartUpgrade.Handle(f.ctx, application.StartUpgrade{
		PurchaserID: purchaser.ID(), RecipientID: recipient.ID(), Type: typ.String(),
	})
	if err != nil {
		f.t.Fatalf("starting %s for %s: %v", typ, recipient.Name(), err)
	}
	return s.Upgrade
}

// upgrade reads an upgrade as stored, with its history.
func (f *fixture) upgrade(id domain.UpgradeID) *domain.Upgrade {
	f.t.Helper()
	var up *domain.Upgrade
	err := f.db.Do(f.ctx, func(ctx context.Context, s application.Store) (err error) {
		up, err = s.Upgrades.ByID(ctx, id, true)
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return up
}

// level reads a user's stored level.
func (f *fixture) level(u *domain.User) domain.Level {
	f.t.Helper()
	var got *domain.User
	err := f.db.Do(f.ctx, func(ctx context.Context, s application.Store) (err error) {
		got, err = s.Users.ByID(ctx, u.ID())
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return got.Level()
}

// messages returns the bodies of a user's messages, oldest first.
func (f *fixture) messages(u *domain.User) []string {
	f.t.Helper()
	msgs, err := f.app.ReadMessages.Handle(f.ctx, application.ReadMessages{UserID: u.ID()})
	if err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for _, m := range slices.Backward(msgs) {
		out = append(out, m.Body)
	}
	return out
}

// lastHistory is the newest history entry of a stored upgrade.
func (f *fixture) lastHistory(id domain.UpgradeID) domain.HistoryEntry {
	f.t.Helper()
	h := f.upgrade(id).History()
	if len(h) == 0 {
		f.t.Fatalf("upgrade #%d has no history", id)
	}
	return h[len(h)-1]
}

// paymentIntent is the PaymentIntent the tests say pays an upgrade.
func paymentIntent(up *domain.Upgrade) string { return fmt.Sprintf("pi_for_%d", up.ID()) }

// event is a webhook event that matches up in every checked field.
func (f *fixture) event(up *domain.Upgrade, id string, kind domain.EventKind) application.PaymentEvent {
	ev := application.PaymentEvent{Payment: domain.Payment{Kind: kind, Livemode: f.cfg.Livemode, PaymentIntentID: paymentIntent(up), Amount: up.Price().Amount(), Currency: up.Price().Currency()}, ID: id, Source: "stripe"}
	switch kind {
	case domain.EventRefunded, domain.EventDisputeLost, domain.EventDisputeOpened, domain.EventFraudWarning:
		// Charge events name the payment, not the checkout.
		ev.Type = map[domain.EventKind]string{
			domain.EventRefunded: "charge.refunded", domain.EventDisputeLost: "charge.dispute.closed",
			domain.EventDisputeOpened: "charge.dispute.created", domain.EventFraudWarning: "radar.early_fraud_warning.created",
		}[kind]
	default:
		ev.Type = map[domain.EventKind]string{
			domain.EventCheckoutPaid: "checkout.session.completed", domain.EventCheckoutUnpaid: "checkout.session.completed",
			domain.EventAsyncSucceeded: "checkout.session.async_payment_succeeded", domain.EventAsyncFailed: "checkout.session.async_payment_failed",
			domain.EventSessionExpired: "checkout.session.expired",
		}[kind]
		ev.UpgradeID, ev.SessionID = up.ID(), up.SessionID()
		if kind == domain.EventSessionExpired {
			ev.PaymentIntentID = ""
		}
	}
	return ev
}

func (f *fixture) apply(ev application.PaymentEvent) application.Applied {
	f.t.Helper()
	a, err := f.app.ApplyEvent.Handle(f.ctx, ev)
	if err != nil {
		f.t.Fatalf("applying %s (%s): %v", ev.ID, ev.Kind, err)
	}
	return a
}

// pay completes an upgrade through a paid checkout event.
func (f *fixture) pay(up *domain.Upgrade) {
	f.t.Helper()
	if a := f.apply(f.event(up, fmt.Sprintf("evt_paid_%d", up.ID()), domain.EventCheckoutPaid)); a.Outcome.String() != "applied" {
		f.t.Fatalf("paying #%d: outcome %s", up.ID(), a.Outcome)
	}
}

// recordingGateway is the fake payment provider, recording what the use
// cases ask of it.
type recordingGateway struct {
	*memory.Gateway

	mu        sync.Mutex
	checkouts []application.CheckoutRequest
	refunds   []application.RefundRequest
	// beforeCreate runs when a checkout is requested, before the fake answers.
	beforeCreate func(ctx context.Context, r application.CheckoutRequest)
	// createErr, when set, is returned by CreateCheckout as a plain error.
	createErr error
	// beforeExpire runs when a checkout is to be expired, before the fake
	// answers: what the buyer does at that very moment.
	beforeExpire func(sessionID string)
}

func (g *recordingGateway) ExpireCheckout(ctx context.Context, id string) (application.CheckoutState, error) {
	g.mu.Lock()
	hook := g.beforeExpire
	g.mu.Unlock()
	if hook != nil {
		hook(id)
	}
	return g.Gateway.ExpireCheckout(ctx, id)
}

func (g *recordingGateway) CreateCheckout(ctx context.Context, r application.CheckoutRequest) (application.Checkout, error) {
	g.mu.Lock()
	g.checkouts = append(g.checkouts, r)
	hook, fail := g.beforeCreate, g.createErr
	g.mu.Unlock()
	if hook != nil {
		hook(ctx, r)
	}
	if fail != nil {
		return application.Checkout{}, fail
	}
	return g.Gateway.CreateCheckout(ctx, r)
}

func (g *recordingGateway) Refund(ctx context.Context, r application.RefundRequest) (application.Refund, error) {
	g.mu.Lock()
	g.refunds = append(g.refunds, r)
	g.mu.Unlock()
	return g.Gateway.Refund(ctx, r)
}

func (g *recordingGateway) checkoutRequests() []application.CheckoutRequest {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.checkouts)
}

func (g *recordingGateway) refundRequests() []application.RefundRequest {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.refunds)
}

// wantKind checks that err is a *domain.Error of kind k.
func wantKind(t *testing.T, err error, k domain.Kind) {
	t.Helper()
	var de *domain.Error
	if !errors.As(err, &de) {
		t.Fatalf("want a %s error, got %v", k, err)
	}
	if de.Kind != k {
		t.Fatalf("want a %s error, got %s: %v", k, de.Kind, err)
	}
}

// hasMessage reports whether one of msgs starts with prefix.
func hasMessage(msgs []string, prefix string) bool {
	return slices.ContainsFunc(msgs, func(m string) bool { return strings.HasPrefix(m, prefix) })
}

// upgradeCount counts every stored upgrade.
func (f *fixture) upgradeCount() int {
	f.t.Helper()
	var rows []application.UpgradeRow
	err := f.db.Do(f.ctx, func(ctx context.Context, s application.Store) (err error) {
		rows, err = s.Upgrades.List(ctx, application.UpgradeQuery{})
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return len(rows)
}

// dollars stands in for the web edge's currency formatting in messages.
func dollars(m domain.Money) string {
	if m.Currency() != "usd" {
		return m.String()
	}
	return fmt.Sprintf("$%d.%02d", m.Amount()/100, m.Amount()%100)
}
