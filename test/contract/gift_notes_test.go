package contract_test

import (
	"context"
	"strings"
	"testing"

	"upgrades/application"
	"upgrades/domain"
)

var giftNoteCases = []testCase{
	{"gift notes/a note round-trips, read alone, locked and listed", func(t *testing.T, s store) {
		alice := mustUser(t, s, "alice", domain.LevelMember)
		bob := mustUser(t, s, "bob", domain.LevelMember)
		// The longest note, in characters that take more than a byte,
		// with what markup and SQL would make of it.
		note := `Für dich <b>"bob"</b> ' -- ` + strings.Repeat("é", domain.GiftNoteMax-27)
		up, err := domain.NewUpgrade(alice, bob, domain.UpgradeGold, domain.DefaultPrices(), t0)
		if err != nil {
			t.Fatal(err)
		}
		if err := up.AttachGiftNote(note); err != nil {
			t.Fatal(err)
		}
		do(t, s, func(ctx context.Context, st application.Store) error { return st.Upgrades.Create(ctx, up) })
		got := read(t, s, up.ID(), false)
		sameUpgrade(t, got, up)
		if got.GiftNote() != note {
			t.Fatalf("note read back as %q", got.GiftNote())
		}
		// Paying it keeps the note.
		attach(t, s, up.ID(), "cs_note", t0)
		paid, _ := apply(t, s, up.ID(), domain.Payment{Kind: domain.EventCheckoutPaid, SessionID: "cs_note", Cause: "stripe evt_note"}, t0)
		if paid.GiftNote() != note || read(t, s, up.ID(), true).GiftNote() != note {
			t.Fatal("the note was lost when the gift was paid")
		}
		var rows []application.UpgradeRow
		do(t, s, func(ctx context.Context, st application.Store) (err error) {
			rows, err = st.Upgrades.List(ctx, application.UpgradeQuery{VisibleTo: bob.ID(), Window: application.Window{Limit: 10}})
			return err
		})
		if len(rows) != 1 || rows[0].Upgrade.GiftNote() != note {
			t.Fatalf("listed %d rows, note %q", len(rows), rows[0].Upgrade.GiftNote())
		}
	}},

	{"gift notes/an upgrade without a note reads back without one", func(t *testing.T, s store) {
		alice := mustUser(t, s, "alice", domain.LevelMember)
		up := mustUpgrade(t, s, alice, alice, domain.UpgradeGold, t0)
		if got := read(t, s, up.ID(), false); got.GiftNote() != "" {
			t.Fatalf("note %q on an upgrade without one", got.GiftNote())
		}
	}},
}
