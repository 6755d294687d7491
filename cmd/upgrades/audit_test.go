package main

import (
	"database/sql"
	"strings"
	"testing"

	"upgrades/test/dbtest"
)

// The account commands record what they did in the audit trail as the
// command line's (no actor), with the --reason given; a command that
// fails records nothing.
func TestAccountCommandsAreAuditedWithTheirReason(t *testing.T) {
	if testing.Short() {
		t.Skip("needs PostgreSQL")
	}
	url := dbtest.New(t)
	vars := map[string]string{"DATABASE_URL": url}
	must := func(stdin string, args ...string) {
		t.Helper()
		if code, _, errOut := runCLI(t, vars, stdin, args...); code != 0 {
			t.Fatalf("upgrades %s: %d %s", strings.Join(args, " "), code, errOut)
		}
	}
	must("a long enough password\n", "users", "create", "carol", "--password-stdin")
	must("", "users", "ban", "carol", "--reason", "chargebacks")
	must("", "users", "unban", "carol")
	must("", "users", "set-level", "carol", "gold", "--reason", "goodwill")
	must("", "users", "rotate-key", "carol")
	must("", "users", "revoke", "carol", "--reason", "lost laptop")
	must("another long password\n", "users", "set-password", "carol", "--password-stdin", "--reason", "asked by phone")
	if code, _, _ := runCLI(t, vars, "", "users", "ban", "nobody", "--reason", "x"); code != 1 {
		t.Fatalf("banning nobody: status %d", code)
	}
	if code, _, errOut := runCLI(t, vars, "", "users", "ban", "carol", "--reason", "two\x01parts"); code != 1 || !strings.Contains(errOut, "reason") {
		t.Fatalf("a reason with a control character: %d %q", code, errOut)
	}

	db := dbtest.SQL(t, url)
	rows, err := db.Query(`SELECT action, actor_id, subject, reason FROM audit_log ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var (
			action, subject, reason string
			actor                   sql.NullInt64
		)
		if err := rows.Scan(&action, &actor, &subject, &reason); err != nil {
			t.Fatal(err)
		}
		if actor.Valid {
			t.Errorf("%s has actor %d, want none (the command line)", action, actor.Int64)
		}
		got = append(got, action+" "+subject+" "+reason)
	}
	want := []string{
		"ban user:1 chargebacks", "unban user:1 ", "level_change user:1 goodwill", "key_rotation user:1 ",
		"session_revocation user:1 lost laptop", "password_reset user:1 asked by phone",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("audit log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var banned bool
	if err := db.QueryRow(`SELECT banned FROM users WHERE name = 'carol'`).Scan(&banned); err != nil || banned {
		t.Fatalf("carol banned %t after the refused ban (%v)", banned, err)
	}
}
