package migrations_test

import (
	"context"
	"os"
	"testing"

	"upgrades/application"
	"upgrades/domain"
	"upgrades/test/dbtest"
)

// The migration that hashes the API keys keeps every user's key working,
// hashes nothing twice when run again, and cannot give the plain text
// back when rolled back.
func TestAPIKeysAreHashedInPlace(t *testing.T) {
	url := dbtest.New(t)
	conn := dbtest.SQL(t, url)
	run := func(file string) {
		t.Helper()
		sql, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(string(sql)); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	}
	const up, down = "20261202000200_api_keys_hashed_sessions.tx.up.sql", "20261202000200_api_keys_hashed_sessions.tx.down.sql"
	// The schema as it was before, with keys stored as they were made.
	run(down)
	const key = "Zm9yIHRoZSB0ZXN0IG9mIHRoZSBtaWdyYXRpb24gb25l" // 43 characters, as the shop makes them
	if _, err := conn.Exec(`INSERT INTO users (name, password_hash, api_key, level) VALUES ('alice', 'h', $1, 20)`, key); err != nil {
		t.Fatal(err)
	}
	stored := func() string {
		t.Helper()
		var v string
		if err := conn.QueryRow(`SELECT api_key FROM users WHERE name = 'alice'`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}

	run(up)
	if got := stored(); got != domain.HashAPIKey(key) {
		t.Fatalf("after up the column holds %q, want the key's SHA-256 %q", got, domain.HashAPIKey(key))
	}
	db := open(t, url)
	var u *domain.User
	err := db.Do(context.Background(), func(ctx context.Context, s application.Store) (err error) {
		u, err = s.Users.ByName(ctx, "alice")
		return err
	})
	if err != nil || !u.HasAPIKey(key) || u.SessionGeneration() != 0 {
		t.Fatalf("alice after the migration: %v, key works %t", err, err == nil && u.HasAPIKey(key))
	}

	run(down)
	if got := stored(); got != domain.HashAPIKey(key) {
		t.Fatalf("after down the column holds %q: the digest should stay", got)
	}
	run(up) // up again after a down: nothing is hashed twice
	if got := stored(); got != domain.HashAPIKey(key) {
		t.Fatalf("up, down and up again leave %q, want the key's digest", got)
	}
}
