package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"go.uber.org/fx"

	"upgrades/adapters/postgres"
	"upgrades/application"
	"upgrades/domain"
	"upgrades/migrations"
	"upgrades/test/dbtest"
)

func open(t testing.TB, url string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func wantUnavailable(t *testing.T, what string, err error) {
	t.Helper()
	if !domain.IsKind(err, domain.KindUnavailable) {
		t.Errorf("%s: %v (%s), want an unavailable error", what, err, domain.KindOf(err))
	}
}

func TestUnreachableDatabaseIsUnavailable(t *testing.T) {
	url := "postgres://postgres@" + closedPort(t) + "/postgres?sslmode=disable"
	_, err := postgres.Open(context.Background(), url)
	wantUnavailable(t, "Open", err)

	db, err := postgres.New(url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	wantUnavailable(t, "Ping", db.Ping(context.Background()))
	called := false
	err = db.Do(context.Background(), func(context.Context, application.Store) error { called = true; return nil })
	wantUnavailable(t, "Do", err)
	if called {
		t.Error("Do ran its function without a database")
	}
}

func TestDatabaseThatDoesNotAnswerIsUnavailable(t *testing.T) {
	// A server that accepts connections and never speaks: the deadline
	// runs out while connecting.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	db, err := postgres.New("postgres://postgres@" + l.Addr().String() + "/postgres?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = db.Do(ctx, func(context.Context, application.Store) error { return nil })
	wantUnavailable(t, "Do with a deadline", err)
	if time.Since(start) > 5*time.Second {
		t.Errorf("Do took %v to give up", time.Since(start))
	}
}

func TestConnectionEndedByTheServerIsUnavailable(t *testing.T) {
	url := dbtest.New(t)
	db, admin := open(t, url), dbtest.SQL(t, url)
	err := db.Do(context.Background(), func(ctx context.Context, st application.Store) error {
		if _, err := st.Users.Owners(ctx); err != nil {
			return err
		}
		// An operator (or a failover) ends every session of this database.
		if _, err := admin.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid()`); err != nil {
			t.Fatal(err)
		}
		_, err := st.Users.Owners(ctx)
		wantUnavailable(t, "a query on the ended session", err)
		return err
	})
	wantUnavailable(t, "Do", err)
	// The pool recovers with new connections.
	if err := db.Do(context.Background(), func(ctx context.Context, st application.Store) error {
		_, err := st.Users.Owners(ctx)
		return err
	}); err != nil {
		t.Errorf("after the sessions ended: %v", err)
	}
}

func TestMalformedURLDoesNotEchoThePassword(t *testing.T) {
	_, err := postgres.New("postgres://app:s3cret@127.0.0.1:notaport/db")
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("New = %v, want an error that hides the password", err)
	}
}

func TestNestedUnitOfWorkIsRefused(t *testing.T) {
	db := open(t, dbtest.New(t))
	err := db.Do(context.Background(), func(ctx context.Context, _ application.Store) error {
		return db.Do(ctx, func(context.Context, application.Store) error { return nil })
	})
	if err == nil {
		t.Fatal("a unit of work inside another ran")
	}
}

func TestModuleStartsOnlyOnAMigratedDatabase(t *testing.T) {
	start := func(url string) (*fx.App, application.UnitOfWork, error) {
		var uow application.UnitOfWork
		app := fx.New(fx.NopLogger, postgres.Module(url), fx.Populate(&uow))
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		return app, uow, app.Start(ctx)
	}

	_, _, err := start(dbtest.NewEmpty(t))
	want := fmt.Sprintf("database is not migrated: run `upgrades migrate up` (%d migrations pending)", len(migrations.Migrations.Sorted()))
	if err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Fatalf("start on an empty database = %v, want it to end with %q", err, want)
	}

	_, _, err = start("postgres://postgres@" + closedPort(t) + "/postgres?sslmode=disable")
	if err == nil || strings.Contains(err.Error(), "\n") {
		t.Fatalf("start without a database = %v, want one line", err)
	}

	app, uow, err := start(dbtest.New(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := uow.Do(context.Background(), func(ctx context.Context, st application.Store) error {
		_, err := st.Users.Owners(ctx)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := app.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := uow.Do(context.Background(), func(context.Context, application.Store) error { return nil }); err == nil {
		t.Error("the pool still works after the app stopped")
	}
}

func TestSchemaRefusesIllegalStates(t *testing.T) {
	url := dbtest.New(t)
	conn := dbtest.SQL(t, url)
	exec := func(q string) error { _, err := conn.Exec(q); return err }
	setup := []string{
		`INSERT INTO users (id, name, password_hash, api_key, level) VALUES (1, 'alice', 'h', 'k1', 20), (2, 'bob', 'h', 'k2', 20)`,
		`INSERT INTO upgrades (id, purchaser_id, recipient_id, upgrade_type, status, amount, currency, created_at, updated_at)
		 VALUES (1, 1, 2, 'gold', 'pending', 2000, 'usd', now(), now())`,
		// A purchase of two codes: no recipient, complete without a level before.
		`INSERT INTO upgrades (id, purchaser_id, recipient_id, quantity, upgrade_type, status, amount, currency, created_at, updated_at)
		 VALUES (2, 1, NULL, 2, 'gold', 'complete', 4000, 'usd', now(), now())`,
		`INSERT INTO upgrade_codes (code, upgrade_type, upgrade_id, buyer_id, created_at) VALUES ('ABCD2345WXYZ', 'gold', 2, 1, now())`,
	}
	for _, q := range setup {
		if err := exec(q); err != nil {
			t.Fatalf("a legal row was refused: %v\n%s", err, q)
		}
	}
	var gifted bool
	if err := conn.QueryRow(`SELECT is_gifted FROM upgrades WHERE id = 1`).Scan(&gifted); err != nil || !gifted {
		t.Errorf("is_gifted of a gift = %t, %v", gifted, err)
	}
	if err := conn.QueryRow(`SELECT is_gifted FROM upgrades WHERE id = 2`).Scan(&gifted); err != nil || gifted {
		t.Errorf("is_gifted of a purchase of codes = %t, %v", gifted, err)
	}

	user := func(name, level string) string {
		return fmt.Sprintf(`INSERT INTO users (name, password_hash, api_key, level) VALUES (%s, 'h', 'k-'||md5(random()::text), %s)`, name, level)
	}
	for _, c := range []struct {
		name, sql, code string
	}{
		{"a name differing only in case", user("'ALICE'", "20"), "23505"},
		{"a one-letter name", user("'a'", "20"), "23514"},
		{"a name with a space", user("'al ice'", "20"), "23514"},
		{"a name of 33 letters", user("'"+strings.Repeat("a", 33)+"'", "20"), "23514"},
		{"an unknown level", user("'carol'", "15"), "23514"},
		{"an empty email", `INSERT INTO users (name, email, password_hash, api_key, level) VALUES ('dave', '', 'h', 'k9', 20)`, "23514"},
		{"a reused API key", `INSERT INTO users (name, password_hash, api_key, level) VALUES ('erin', 'h', 'k1', 20)`, "23505"},
		{"an unknown type", `UPDATE upgrades SET upgrade_type = 'diamond' WHERE id = 1`, "23514"},
		{"an unknown status", `UPDATE upgrades SET status = 'paid' WHERE id = 1`, "23514"},
		{"a zero amount", `UPDATE upgrades SET amount = 0 WHERE id = 1`, "23514"},
		{"an upper-case currency", `UPDATE upgrades SET currency = 'USD' WHERE id = 1`, "23514"},
		{"a session without its page", `UPDATE upgrades SET checkout_session_id = 'cs_1' WHERE id = 1`, "23514"},
		{"complete without the level before", `UPDATE upgrades SET status = 'complete' WHERE id = 1`, "23514"},
		{"a level before while pending", `UPDATE upgrades SET level_before = 20 WHERE id = 1`, "23514"},
		{"an unknown recipient", `UPDATE upgrades SET recipient_id = 99 WHERE id = 1`, "23503"},
		{"the is_gifted column set by hand", `UPDATE upgrades SET is_gifted = false WHERE id = 1`, "428C9"},
		{"history of an unknown status", `INSERT INTO upgrade_history (upgrade_id, seq, at, to_status, outcome) VALUES (1, 1, now(), 'paid', 'applied')`, "23514"},
		{"history of an unknown event", `INSERT INTO upgrade_history (upgrade_id, seq, at, to_status, event, outcome) VALUES (1, 1, now(), 'pending', 'boom', 'applied')`, "23514"},
		{"a processed event without an outcome", `INSERT INTO stripe_events (id, livemode, received_at, processed_at) VALUES ('evt_1', false, now(), now())`, "23514"},
		{"an outcome for an unprocessed event", `INSERT INTO stripe_events (id, livemode, received_at, outcome) VALUES ('evt_1', false, now(), 'applied')`, "23514"},
		{"codes with a recipient", `UPDATE upgrades SET recipient_id = 2 WHERE id = 2`, "23514"},
		{"an upgrade without a recipient", `UPDATE upgrades SET recipient_id = NULL WHERE id = 1`, "23514"},
		{"eleven codes", `UPDATE upgrades SET quantity = 11, recipient_id = NULL WHERE id = 1`, "23514"},
		{"gold to platinum codes", `UPDATE upgrades SET upgrade_type = 'gold_to_platinum' WHERE id = 2`, "23514"},
		{"a code twice", `INSERT INTO upgrade_codes (code, upgrade_type, buyer_id, created_at) VALUES ('ABCD2345WXYZ', 'gold', 1, now())`, "23505"},
		{"a code with an O", `INSERT INTO upgrade_codes (code, upgrade_type, buyer_id, created_at) VALUES ('ABCDO345WXYZ', 'gold', 1, now())`, "23514"},
		{"a lower-case code", `INSERT INTO upgrade_codes (code, upgrade_type, buyer_id, created_at) VALUES ('abcd2345wxyz', 'gold', 1, now())`, "23514"},
		{"redeemed by nobody", `UPDATE upgrade_codes SET status = 'redeemed'`, "23514"},
		{"redeemed without the level before", `UPDATE upgrade_codes SET status = 'redeemed', redeemer_id = 2, redeemed_at = now()`, "23514"},
		{"a code of an unknown purchase", `INSERT INTO upgrade_codes (code, upgrade_type, upgrade_id, buyer_id, created_at) VALUES ('ZZZZ2345WXYZ', 'gold', 99, 1, now())`, "23503"},
		{"a blank message", `INSERT INTO messages (user_id, body, created_at) VALUES (1, '  ', now())`, "23514"},
	} {
		err := exec(c.sql)
		var pg *pgconn.PgError
		if !errors.As(err, &pg) || pg.Code != c.code {
			t.Errorf("%s: %v, want SQLSTATE %s", c.name, err, c.code)
		}
	}
}
