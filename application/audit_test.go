package application_test

import (
	"context"
	"fmt"
	"testing"

	"upgrades/application"
	"upgrades/domain"
)

// Minted codes are in the audit trail, one entry each, naming the owner
// and the note; a refused mint leaves none.
func TestMintingIsAudited(t *testing.T) {
	f := newFixture(t)
	codes := f.mint(domain.UpgradeGold, 2)
	if _, err := f.app.MintCodes.Handle(f.ctx, application.MintCodes{OwnerID: f.owner.ID(), Type: "gold", Quantity: 0}); err == nil {
		t.Fatal("minted no codes")
	}
	var rows []application.AuditRow
	err := f.db.Do(f.ctx, func(ctx context.Context, s application.Store) (err error) {
		rows, err = s.Audit.List(ctx, application.AuditQuery{Action: domain.AuditMint})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("%d mint entries, want 2", len(rows))
	}
	for i, r := range rows {
		want := fmt.Sprintf("code:%d", codes[len(codes)-1-i].ID())
		if r.Entry.Subject() != want || r.Entry.ActorID() != f.owner.ID() || r.Entry.Reason() != "raffle" {
			t.Errorf("entry %d: %+v, want %s by the owner with the note", i, r.Entry, want)
		}
	}
}
