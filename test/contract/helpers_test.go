package contract_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"upgrades/application"
	"upgrades/domain"
)

// t0 is when every test's story starts. Stored times are compared to the
// microsecond, PostgreSQL's precision.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

var ctx = context.Background()

// do runs fn in one unit of work and fails the test on an error.
func do(t *testing.T, s store, fn func(ctx context.Context, st application.Store) error) {
	t.Helper()
	if err := s.UoW.Do(ctx, fn); err != nil {
		t.Fatal(err)
	}
}

func newUser(t *testing.T, name string, level domain.Level) *domain.User {
	t.Helper()
	u, err := domain.NewUser(name, strings.ToLower(name)+"@example.com", "hash of "+name, "key-"+name, level, t0)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// mustUser stores a new user.
func mustUser(t *testing.T, s store, name string, level domain.Level) *domain.User {
	t.Helper()
	u := newUser(t, name, level)
	do(t, s, func(ctx context.Context, st application.Store) error { return st.Users.Create(ctx, u) })
	return u
}

// mustUpgrade stores a new pending upgrade created at `at`.
func mustUpgrade(t *testing.T, s store, purchaser, recipient *domain.User, typ domain.UpgradeType, at time.Time) *domain.Upgrade {
	t.Helper()
	up, err := domain.NewUpgrade(purchaser, recipient, typ, domain.DefaultPrices(), at)
	if err != nil {
		t.Fatal(err)
	}
	do(t, s, func(ctx context.Context, st application.Store) error { return st.Upgrades.Create(ctx, up) })
	return up
}

// attach gives an upgrade its checkout session, as StartUpgrade does.
func attach(t *testing.T, s store, id domain.UpgradeID, session string, at time.Time) *domain.Upgrade {
	t.Helper()
	var up *domain.Upgrade
	do(t, s, func(ctx context.Context, st application.Store) (err error) {
		if up, err = st.Upgrades.LockByID(ctx, id); err != nil {
			return err
		}
		if err := up.AttachCheckout(session, "https://checkout.test/pay/"+session, at.Add(time.Hour), at); err != nil {
			return err
		}
		return st.Upgrades.Update(ctx, up)
	})
	return up
}

// apply runs ev on the upgrade and stores it and its recipient, as
// ApplyEventHandler does (without the messages). A payment that settles
// is given the upgrade's checkout session and price so that it matches (a
// session is attached first to an upgrade that has none).
func apply(t *testing.T, s store, id domain.UpgradeID, ev domain.Payment, at time.Time) (*domain.Upgrade, domain.Result) {
	t.Helper()
	var (
		up  *domain.Upgrade
		res domain.Result
	)
	do(t, s, func(ctx context.Context, st application.Store) (err error) {
		if up, err = st.Upgrades.LockByID(ctx, id); err != nil {
			return err
		}
		recipient, err := st.Users.LockByID(ctx, up.RecipientID())
		if err != nil {
			return err
		}
		if settles := ev.Kind == domain.EventCheckoutPaid || ev.Kind == domain.EventAsyncSucceeded; settles {
			if up.SessionID() == "" {
				session := fmt.Sprintf("cs_contract_%d", up.ID())
				if err := up.AttachCheckout(session, "https://checkout.test/pay/"+session, at.Add(time.Hour), at); err != nil {
					return err
				}
			}
			ev.SessionID, ev.Amount, ev.Currency = up.SessionID(), up.Price().Amount(), up.Price().Currency()
		}
		if res, err = up.Apply(ev, domain.Facts{Recipient: recipient}, at); err != nil {
			return err
		}
		if err := st.Upgrades.Update(ctx, up); err != nil {
			return err
		}
		return st.Users.Update(ctx, recipient)
	})
	return up, res
}

// read reads an upgrade in its own unit of work.
func read(t *testing.T, s store, id domain.UpgradeID, withHistory bool) *domain.Upgrade {
	t.Helper()
	var up *domain.Upgrade
	do(t, s, func(ctx context.Context, st application.Store) (err error) {
		up, err = st.Upgrades.ByID(ctx, id, withHistory)
		return err
	})
	return up
}

func readUser(t *testing.T, s store, id domain.UserID) *domain.User {
	t.Helper()
	var u *domain.User
	do(t, s, func(ctx context.Context, st application.Store) (err error) {
		u, err = st.Users.ByID(ctx, id)
		return err
	})
	return u
}

func wantKind(t *testing.T, err error, kind domain.Kind) {
	t.Helper()
	if !domain.IsKind(err, kind) {
		t.Fatalf("error = %v (%s), want a %s error", err, domain.KindOf(err), kind)
	}
}

func sameUser(t *testing.T, got, want *domain.User) {
	t.Helper()
	if got.ID() != want.ID() || got.Name() != want.Name() || got.Email() != want.Email() ||
		got.PasswordHash() != want.PasswordHash() || got.APIKeyHash() != want.APIKeyHash() ||
		got.SessionGeneration() != want.SessionGeneration() || got.Level() != want.Level() || got.IsBanned() != want.IsBanned() || !got.CreatedAt().Equal(want.CreatedAt()) {
		t.Fatalf("user read back as %+v, stored %+v", *got, *want)
	}
}

func sameUpgrade(t *testing.T, got, want *domain.Upgrade) {
	t.Helper()
	g, w := got.Snapshot(), want.Snapshot()
	if !g.CreatedAt.Equal(w.CreatedAt) || !g.UpdatedAt.Equal(w.UpdatedAt) || !g.SessionExpiresAt.Equal(w.SessionExpiresAt) {
		t.Fatalf("upgrade times read back as %v/%v/%v, stored %v/%v/%v",
			g.CreatedAt, g.UpdatedAt, g.SessionExpiresAt, w.CreatedAt, w.UpdatedAt, w.SessionExpiresAt)
	}
	g.CreatedAt, g.UpdatedAt, g.SessionExpiresAt = w.CreatedAt, w.UpdatedAt, w.SessionExpiresAt
	if g != w {
		t.Fatalf("upgrade read back as\n%+v\nstored\n%+v", g, w)
	}
}

func sameHistory(t *testing.T, got, want []domain.HistoryEntry) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("history has %d entries, want %d:\n%+v", len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if !g.At.Equal(w.At) {
			t.Fatalf("history[%d] at %v, want %v", i, g.At, w.At)
		}
		g.At = w.At
		if g != w {
			t.Fatalf("history[%d] = %+v, want %+v", i, g, w)
		}
	}
}

func ids(rows []application.UpgradeRow) []domain.UpgradeID {
	out := make([]domain.UpgradeID, len(rows))
	for i, r := range rows {
		out[i] = r.Upgrade.ID()
	}
	return out
}
