package contract_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"upgrades/application"
	"upgrades/domain"
)

var listCases = []testCase{
	{"upgrades/List filters, visibility and paging", func(t *testing.T, s store) {
		alice := mustUser(t, s, "alice", domain.LevelMember)
		bob := mustUser(t, s, "Bob", domain.LevelMember)
		carol := mustUser(t, s, "carol", domain.LevelMember)
		dave := mustUser(t, s, "dave", domain.LevelGold)
		names := map[domain.UserID]string{alice.ID(): "alice", bob.ID(): "Bob", carol.ID(): "carol", dave.ID(): "dave"}

		at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }
		u1 := mustUpgrade(t, s, alice, alice, domain.UpgradeGold, at(1))         // pending
		u2 := mustUpgrade(t, s, alice, bob, domain.UpgradePlatinum, at(2))       // gift, complete
		u3 := mustUpgrade(t, s, bob, bob, domain.UpgradeGold, at(3))             // expired
		u4 := mustUpgrade(t, s, carol, alice, domain.UpgradePlatinum, at(4))     // gift, processing
		u5 := mustUpgrade(t, s, dave, dave, domain.UpgradeGoldToPlatinum, at(5)) // pending
		u6 := mustUpgrade(t, s, bob, carol, domain.UpgradeGold, at(6))           // gift, complete
		apply(t, s, u2.ID(), domain.Payment{Kind: domain.EventCheckoutPaid, PaymentIntentID: "pi_2"}, at(7))
		apply(t, s, u3.ID(), domain.Payment{Kind: domain.EventSessionExpired}, at(7))
		apply(t, s, u4.ID(), domain.Payment{Kind: domain.EventCheckoutUnpaid, PaymentIntentID: "pi_4"}, at(7))
		apply(t, s, u6.ID(), domain.Payment{Kind: domain.EventCheckoutPaid, PaymentIntentID: "pi_6"}, at(7))

		yes, no := true, false
		want := func(ups ...*domain.Upgrade) []domain.UpgradeID {
			out := make([]domain.UpgradeID, len(ups))
			for i, u := range ups {
				out[i] = u.ID()
			}
			return out
		}
		for _, c := range []struct {
			name string
			q    application.UpgradeQuery
			want []domain.UpgradeID
		}{
			{"everything, newest first", application.UpgradeQuery{}, want(u6, u5, u4, u3, u2, u1)},
			{"visible to alice", application.UpgradeQuery{VisibleTo: alice.ID()}, want(u4, u2, u1)},
			{"visible to carol", application.UpgradeQuery{VisibleTo: carol.ID()}, want(u6, u4)},
			{"recipient name in another case", application.UpgradeQuery{RecipientName: "ALICE"}, want(u4, u1)},
			{"purchaser name in another case", application.UpgradeQuery{PurchaserName: "bob"}, want(u6, u3)},
			{"purchaser id", application.UpgradeQuery{PurchaserID: bob.ID()}, want(u6, u3)},
			{"purchaser id and name of someone else", application.UpgradeQuery{PurchaserID: bob.ID(), PurchaserName: "alice"}, nil},
			{"unknown recipient", application.UpgradeQuery{RecipientName: "nobody"}, nil},
			{"unknown purchaser", application.UpgradeQuery{PurchaserName: "nobody"}, nil},
			{"type", application.UpgradeQuery{Type: domain.UpgradePlatinum}, want(u4, u2)},
			{"status", application.UpgradeQuery{Status: domain.StatusComplete}, want(u6, u2)},
			{"status with no match", application.UpgradeQuery{Status: domain.StatusRefunded}, nil},
			{"gifted", application.UpgradeQuery{IsGifted: &yes}, want(u6, u4, u2)},
			{"not gifted", application.UpgradeQuery{IsGifted: &no}, want(u5, u3, u1)},
			{"visible and gifted", application.UpgradeQuery{VisibleTo: alice.ID(), IsGifted: &yes}, want(u4, u2)},
			{"both names", application.UpgradeQuery{PurchaserName: "alice", RecipientName: "bob"}, want(u2)},
			{"status and type", application.UpgradeQuery{Status: domain.StatusPending, Type: domain.UpgradeGold}, want(u1)},
			{"visible to someone else's name", application.UpgradeQuery{VisibleTo: dave.ID(), PurchaserName: "alice"}, nil},
			{"first page", application.UpgradeQuery{Window: application.Window{Limit: 2}}, want(u6, u5)},
			{"second page", application.UpgradeQuery{Window: application.Window{Offset: 2, Limit: 2}}, want(u4, u3)},
			{"last, short page", application.UpgradeQuery{Window: application.Window{Offset: 5, Limit: 2}}, want(u1)},
			{"past the end", application.UpgradeQuery{Window: application.Window{Offset: 6, Limit: 2}}, nil},
			{"older than an id", application.UpgradeQuery{Window: application.Window{Before: int64(u4.ID()), Limit: 2}}, want(u3, u2)},
			{"older than an id, short", application.UpgradeQuery{Window: application.Window{Before: int64(u2.ID()), Limit: 2}}, want(u1)},
			{"older than the oldest", application.UpgradeQuery{Window: application.Window{Before: int64(u1.ID()), Limit: 2}}, nil},
			{"newer than an id, nearest first", application.UpgradeQuery{Window: application.Window{After: int64(u2.ID()), Limit: 2}}, want(u3, u4)},
			{"newer than an id, short", application.UpgradeQuery{Window: application.Window{After: int64(u5.ID()), Limit: 2}}, want(u6)},
			{"newer than the newest", application.UpgradeQuery{Window: application.Window{After: int64(u6.ID()), Limit: 2}}, nil},
			{"visible, older than an id", application.UpgradeQuery{VisibleTo: alice.ID(), Window: application.Window{Before: int64(u4.ID()), Limit: 5}}, want(u2, u1)},
			{"visible, newer than an id", application.UpgradeQuery{VisibleTo: alice.ID(), Window: application.Window{After: int64(u1.ID()), Limit: 1}}, want(u2)},
			{"visible, newer than an id, all", application.UpgradeQuery{VisibleTo: alice.ID(), Window: application.Window{After: int64(u1.ID()), Limit: 5}}, want(u2, u4)},
			{"filtered, newer than an id", application.UpgradeQuery{IsGifted: &yes, Window: application.Window{After: int64(u2.ID()), Limit: 5}}, want(u4, u6)},
			{"filtered, older than an id", application.UpgradeQuery{Status: domain.StatusComplete, Window: application.Window{Before: int64(u6.ID()), Limit: 5}}, want(u2)},
			{"filtered second page", application.UpgradeQuery{IsGifted: &yes, Window: application.Window{Offset: 1, Limit: 1}}, want(u4)},
		} {
			var rows []application.UpgradeRow
			do(t, s, func(ctx context.Context, st application.Store) (err error) {
				rows, err = st.Upgrades.List(ctx, c.q)
				return err
			})
			if got := ids(rows); !slices.Equal(got, c.want) {
				t.Errorf("%s: List = %v, want %v", c.name, got, c.want)
			}
			for _, r := range rows {
				up := r.Upgrade
				if r.PurchaserName != names[up.PurchaserID()] || r.RecipientName != names[up.RecipientID()] {
					t.Errorf("%s: #%d names %q→%q, want %q→%q", c.name, up.ID(),
						r.PurchaserName, r.RecipientName, names[up.PurchaserID()], names[up.RecipientID()])
				}
				sameUpgrade(t, up, read(t, s, up.ID(), false))
				if len(up.History()) != 0 {
					t.Errorf("%s: List loaded history", c.name)
				}
			}
		}
	}},
}
