package postgres_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"upgrades/adapters/postgres"
	"upgrades/application"
	"upgrades/test/dbtest"
)

type ctxKey struct{}

// recordingHandler keeps JSON lines and adds the context's ctxKey value as
// "call", as the web edge adds the request id.
func recordingHandler(buf *bytes.Buffer) slog.Handler {
	return callHandler{slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})}
}

type callHandler struct{ slog.Handler }

func (h callHandler) Handle(ctx context.Context, r slog.Record) error {
	if v, ok := ctx.Value(ctxKey{}).(string); ok {
		r.AddAttrs(slog.String("call", v))
	}
	return h.Handler.Handle(ctx, r)
}

// A query over the threshold is one warn line with the caller's context,
// its duration and the statement without its values; quicker ones and a
// zero threshold log nothing.
func TestSlowQueriesAreLoggedWithoutTheirValues(t *testing.T) {
	if testing.Short() {
		t.Skip("needs PostgreSQL")
	}
	url := dbtest.New(t)
	for _, tc := range []struct {
		threshold time.Duration
		wantLines int
	}{{50 * time.Millisecond, 1}, {0, 0}} {
		db, err := postgres.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		db.LogSlowQueries(slog.New(recordingHandler(&buf)), tc.threshold)
		ctx := context.WithValue(context.Background(), ctxKey{}, "req-7")
		// A quick query, then one that takes 100 ms and names a secret.
		err = db.Do(ctx, func(ctx context.Context, s application.Store) error {
			if _, err := s.Users.ByName(ctx, "secret-name-quick"); err == nil {
				t.Error("found a user in an empty database")
			}
			return postgres.Exec(ctx, s, `SELECT pg_sleep(0.1), 'secret-value'`)
		})
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		if buf.Len() == 0 {
			lines = nil
		}
		if len(lines) != tc.wantLines {
			t.Fatalf("threshold %v: %d lines, want %d:\n%s", tc.threshold, len(lines), tc.wantLines, buf.String())
		}
		if tc.wantLines == 0 {
			continue
		}
		var line struct {
			Level, Msg, Query, Call string
			MS                      float64
		}
		if err := json.Unmarshal([]byte(lines[0]), &line); err != nil {
			t.Fatal(err)
		}
		if line.Level != "WARN" || line.Msg != "slow query" || line.Call != "req-7" || line.MS < 100 ||
			!strings.Contains(line.Query, "pg_sleep") || strings.Contains(buf.String(), "secret") {
			t.Errorf("slow query line: %s", lines[0])
		}
	}
}

// The payment's lock and save go to PostgreSQL past bun's hooks; a slow
// one is still a slow query line, without its values (the event's
// payload among them). Here the lock waits for another transaction that
// holds the upgrade.
func TestSlowPaymentLockIsLoggedWithoutItsValues(t *testing.T) {
	if testing.Short() {
		t.Skip("needs PostgreSQL")
	}
	url := dbtest.New(t)
	db := open(t, url)
	var buf bytes.Buffer
	db.LogSlowQueries(slog.New(recordingHandler(&buf)), 50*time.Millisecond)
	up, paid := paidUpgrade(t, db, "secret-name")
	holder := open(t, url)
	locked, done := make(chan struct{}), make(chan error, 1)
	go func() {
		done <- holder.Do(context.Background(), func(ctx context.Context, s application.Store) error {
			err := postgres.Exec(ctx, s, fmt.Sprintf("SELECT id FROM upgrades WHERE id = %d FOR UPDATE", up.ID()))
			close(locked)
			if err != nil {
				return err
			}
			return postgres.Exec(ctx, s, "SELECT pg_sleep(0.2)")
		})
	}()
	<-locked
	ctx := context.WithValue(context.Background(), ctxKey{}, "req-8")
	if err := fulfil(ctx, db, up.ID(), "evt_secret", paid, nil); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var lock struct {
		Msg, Query, Call string
		MS               float64
	}
	for line := range strings.SplitSeq(strings.TrimSpace(buf.String()), "\n") {
		if strings.Contains(line, "INSERT INTO stripe_events") {
			if err := json.Unmarshal([]byte(line), &lock); err != nil {
				t.Fatal(err)
			}
		}
	}
	if lock.Msg != "slow query" || lock.Call != "req-8" || lock.MS < 100 {
		t.Fatalf("no slow query line for the payment's lock: %+v\n%s", lock, buf.String())
	}
	if strings.Contains(buf.String(), "secret") {
		t.Fatalf("a slow query line shows a value:\n%s", buf.String())
	}
}
