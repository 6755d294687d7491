package application_test

import (
	"fmt"
	"testing"

	"upgrades/application"
	"upgrades/domain"
)

// The audit trail pages like every list: numbered to 1,000, then by id.
func TestListAuditPages(t *testing.T) {
	f := newFixture(t)
	for _, name := range []string{"ann", "ben", "cat"} {
		f.user(name, domain.LevelMember)
		if _, err := f.app.Ban.Handle(f.ctx, application.Ban{By: application.Actor{ID: f.owner.ID()}, Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	list := func(page string) application.AuditList {
		t.Helper()
		l, err := f.app.ListAudit.Handle(f.ctx, application.ListAudit{ViewerID: f.owner.ID(), Page: page, Limit: 2})
		if err != nil {
			t.Fatalf("page %q: %v", page, err)
		}
		return l
	}
	first := list("")
	if len(first.Items) != 2 || first.Next != (application.Page{Number: 2}) {
		t.Fatalf("the first page: %+v", first)
	}
	older := list(fmt.Sprintf("b%d", first.Items[1].Entry.ID()))
	if len(older.Items) != 1 || older.HasMore() || older.Prev != (application.Page{After: older.Items[0].Entry.ID()}) {
		t.Fatalf("the entries older than the first page: %+v", older)
	}
	_, err := f.app.ListAudit.Handle(f.ctx, application.ListAudit{ViewerID: f.owner.ID(), Page: "1001"})
	wantKind(t, err, domain.KindInvalid)
	_, err = f.app.ListAudit.Handle(f.ctx, application.ListAudit{ViewerID: f.owner.ID(), Page: "x"})
	wantKind(t, err, domain.KindMalformed)
}
