package contract_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"upgrades/application"
	"upgrades/domain"
)

func audit(t *testing.T, s store, action domain.AuditAction, actor domain.UserID, subject, reason string, at time.Time) domain.AuditEntry {
	t.Helper()
	e, err := domain.NewAuditEntry(action, actor, subject, reason, at)
	if err != nil {
		t.Fatal(err)
	}
	do(t, s, func(ctx context.Context, st application.Store) error { return st.Audit.Record(ctx, &e) })
	if e.ID() == 0 {
		t.Fatal("Record assigned no id")
	}
	return e
}

func auditTrail(t *testing.T, s store, q application.AuditQuery) []application.AuditRow {
	t.Helper()
	var rows []application.AuditRow
	do(t, s, func(ctx context.Context, st application.Store) (err error) {
		rows, err = st.Audit.List(ctx, q)
		return err
	})
	return rows
}

// entryIDs are the entries' ids, in the order listed.
func entryIDs(rows []application.AuditRow) []int64 {
	out := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = r.Entry.ID()
	}
	return out
}

var auditCases = []testCase{
	{"audit/entries round-trip newest first, with the actor's name, the command line's without", func(t *testing.T, s store) {
		owner := mustUser(t, s, "Olivia", domain.LevelOwner)
		bob := mustUser(t, s, "bob", domain.LevelMember)
		ban := audit(t, s, domain.AuditBan, owner.ID(), domain.SubjectUser(bob.ID()), "  chargebacks  ", t0)
		cli := audit(t, s, domain.AuditLevelChange, 0, domain.SubjectUser(bob.ID()), "", t0.Add(time.Second))
		rows := auditTrail(t, s, application.AuditQuery{})
		if len(rows) != 2 || rows[0].Entry.ID() != cli.ID() || rows[1].Entry.ID() != ban.ID() {
			t.Fatalf("trail %v, want [%d %d]", entryIDs(rows), cli.ID(), ban.ID())
		}
		got := rows[1]
		if got.ActorName != "Olivia" || got.Entry.ActorID() != owner.ID() || got.Entry.Action() != domain.AuditBan ||
			got.Entry.Subject() != domain.SubjectUser(bob.ID()) || got.Entry.Reason() != "chargebacks" || !got.Entry.CreatedAt().Equal(t0) {
			t.Fatalf("ban entry read back as %+v (%s)", got.Entry, got.ActorName)
		}
		if rows[0].ActorName != "" || !rows[0].Entry.ByCommandLine() || rows[0].Entry.Reason() != "" {
			t.Fatalf("command line entry read back as %+v (%q)", rows[0].Entry, rows[0].ActorName)
		}
	}},
	{"audit/filters by actor name ignoring case, the command line, action and subject, and pages", func(t *testing.T, s store) {
		owner := mustUser(t, s, "olivia", domain.LevelOwner)
		other := mustUser(t, s, "oscar", domain.LevelOwner)
		a := audit(t, s, domain.AuditRefund, owner.ID(), domain.SubjectUpgrade(7), "", t0)
		b := audit(t, s, domain.AuditBan, other.ID(), domain.SubjectUser(2), "", t0)
		c := audit(t, s, domain.AuditRefund, 0, domain.SubjectUpgrade(8), "", t0)
		d := audit(t, s, domain.AuditEventReplay, owner.ID(), domain.SubjectEvent("evt_1"), "", t0)
		for _, tc := range []struct {
			name string
			q    application.AuditQuery
			want []int64
		}{
			{"actor", application.AuditQuery{ActorName: "OLIVIA"}, []int64{d.ID(), a.ID()}},
			{"nobody of that name", application.AuditQuery{ActorName: "nobody"}, []int64{}},
			{"command line", application.AuditQuery{CommandLine: true}, []int64{c.ID()}},
			{"action", application.AuditQuery{Action: domain.AuditRefund}, []int64{c.ID(), a.ID()}},
			{"subject", application.AuditQuery{Subject: domain.SubjectUser(2)}, []int64{b.ID()}},
			{"actor and action", application.AuditQuery{ActorName: "olivia", Action: domain.AuditRefund}, []int64{a.ID()}},
			{"first page", application.AuditQuery{Window: application.Window{Limit: 2}}, []int64{d.ID(), c.ID()}},
			{"second page", application.AuditQuery{Window: application.Window{Offset: 2, Limit: 2}}, []int64{b.ID(), a.ID()}},
			{"past the end", application.AuditQuery{Window: application.Window{Offset: 4, Limit: 2}}, []int64{}},
			{"older than an id", application.AuditQuery{Window: application.Window{Before: c.ID(), Limit: 1}}, []int64{b.ID()}},
			{"newer than an id, nearest first", application.AuditQuery{Window: application.Window{After: a.ID(), Limit: 2}}, []int64{b.ID(), c.ID()}},
			{"an action, older than an id", application.AuditQuery{Action: domain.AuditRefund, Window: application.Window{Before: c.ID()}}, []int64{a.ID()}},
		} {
			if got := entryIDs(auditTrail(t, s, tc.q)); !equalIDs(got, tc.want) {
				t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
			}
		}
	}},
	{"audit/an actor who is no user is not found, and nothing is kept", func(t *testing.T, s store) {
		e, err := domain.NewAuditEntry(domain.AuditBan, 999, "user:1", "", t0)
		if err != nil {
			t.Fatal(err)
		}
		err = s.UoW.Do(ctx, func(ctx context.Context, st application.Store) error { return st.Audit.Record(ctx, &e) })
		if !domain.IsKind(err, domain.KindNotFound) {
			t.Fatalf("err = %v, want not found", err)
		}
		if rows := auditTrail(t, s, application.AuditQuery{}); len(rows) != 0 {
			t.Fatalf("kept %v", entryIDs(rows))
		}
	}},
	{"audit/an entry of a rolled back unit of work is not kept", func(t *testing.T, s store) {
		e, _ := domain.NewAuditEntry(domain.AuditBan, 0, "user:1", "", t0)
		boom := errors.New("the action failed")
		err := s.UoW.Do(ctx, func(ctx context.Context, st application.Store) error {
			if err := st.Audit.Record(ctx, &e); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v", err)
		}
		if rows := auditTrail(t, s, application.AuditQuery{}); len(rows) != 0 {
			t.Fatalf("kept %v", entryIDs(rows))
		}
	}},
	{"audit/a ban and an unban by the use cases are recorded with the owner and the reason; a member may not", func(t *testing.T, s store) {
		sh := newShop(t, s)
		owner := mustUser(t, s, "olivia", domain.LevelOwner)
		bob := mustUser(t, s, "bob", domain.LevelMember)
		_, err := sh.app.Ban.Handle(ctx, application.Ban{By: application.Actor{ID: bob.ID()}, UserID: owner.ID()})
		if !domain.IsKind(err, domain.KindForbidden) {
			t.Fatalf("a member's ban: %v, want forbidden", err)
		}
		if _, err := sh.app.Ban.Handle(ctx, application.Ban{By: application.Actor{ID: owner.ID()}, UserID: bob.ID(), Reason: "spam"}); err != nil {
			t.Fatal(err)
		}
		if _, err := sh.app.Ban.Handle(ctx, application.Ban{By: application.CommandLine, Name: "bob", Unban: true, Reason: "appealed"}); err != nil {
			t.Fatal(err)
		}
		rows := auditTrail(t, s, application.AuditQuery{Subject: domain.SubjectUser(bob.ID())})
		if len(rows) != 2 || rows[0].Entry.Action() != domain.AuditUnban || !rows[0].Entry.ByCommandLine() || rows[0].Entry.Reason() != "appealed" ||
			rows[1].Entry.Action() != domain.AuditBan || rows[1].ActorName != "olivia" || rows[1].Entry.Reason() != "spam" {
			t.Fatalf("trail of bob: %+v", rows)
		}
		if all := auditTrail(t, s, application.AuditQuery{}); len(all) != 2 {
			t.Fatalf("the refused ban left an entry: %+v", all)
		}
	}},
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
