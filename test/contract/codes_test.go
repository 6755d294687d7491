package contract_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"upgrades/adapters/memory"
	"upgrades/application"
	"upgrades/domain"
)

func mustCode(t *testing.T, s store, value string, typ domain.UpgradeType, buyer domain.UserID, upgrade domain.UpgradeID) *domain.Code {
	t.Helper()
	v, err := domain.ParseCode(value)
	if err != nil {
		t.Fatal(err)
	}
	c, err := domain.NewCode(v, typ, buyer, upgrade, "for the raffle", t0)
	if err != nil {
		t.Fatal(err)
	}
	do(t, s, func(ctx context.Context, st application.Store) error { return st.Codes.Create(ctx, c) })
	return c
}

func listCodes(t *testing.T, s store, q application.CodeQuery) []string {
	t.Helper()
	var rows []application.CodeRow
	do(t, s, func(ctx context.Context, st application.Store) (err error) {
		rows, err = st.Codes.List(ctx, q)
		return err
	})
	var out []string
	for _, r := range rows {
		out = append(out, fmt.Sprintf("%s %s %s>%s", r.Code.Value().Short(), r.Code.Status(), r.BuyerName, r.RedeemerName))
	}
	return out
}

var codeCases = []testCase{
	{"codes/a code round-trips, is unique, and its redemption is stored", func(t *testing.T, s store) {
		olivia := mustUser(t, s, "olivia", domain.LevelOwner)
		carol := mustUser(t, s, "carol", domain.LevelMember)
		c := mustCode(t, s, "ABCD-2345-WXYZ", domain.UpgradeGold, olivia.ID(), 0)
		if c.ID() == 0 {
			t.Fatal("no id assigned")
		}
		v := c.Value()
		err := s.UoW.Do(ctx, func(ctx context.Context, st application.Store) error {
			dup, _ := domain.NewCode(v, domain.UpgradePlatinum, olivia.ID(), 0, "", t0)
			return st.Codes.Create(ctx, dup)
		})
		wantKind(t, err, domain.KindConflict)
		do(t, s, func(ctx context.Context, st application.Store) error {
			got, err := st.Codes.ByValue(ctx, v)
			if err != nil {
				return err
			}
			if got.Snapshot() != c.Snapshot() {
				t.Fatalf("read back %+v, stored %+v", got.Snapshot(), c.Snapshot())
			}
			missing, _ := domain.ParseCode("2222-2222-2222")
			_, err = st.Codes.LockByValue(ctx, missing)
			wantKind(t, err, domain.KindNotFound)
			locked, err := st.Codes.LockByValue(ctx, v)
			if err != nil {
				return err
			}
			u, err := st.Users.LockByID(ctx, carol.ID())
			if err != nil {
				return err
			}
			if err := locked.Redeem(u, t0); err != nil {
				return err
			}
			if err := st.Users.Update(ctx, u); err != nil {
				return err
			}
			return st.Codes.Update(ctx, locked)
		})
		do(t, s, func(ctx context.Context, st application.Store) error {
			got, err := st.Codes.RedeemedBy(ctx, carol.ID())
			if err != nil {
				return err
			}
			if len(got) != 1 || got[0].Status() != domain.CodeRedeemed || got[0].LevelBefore() != domain.LevelMember ||
				!got[0].RedeemedAt().Equal(t0) || got[0].RedeemerID() != carol.ID() {
				t.Fatalf("carol's redeemed codes: %+v", got)
			}
			return nil
		})
		if readUser(t, s, carol.ID()).Level() != domain.LevelGold {
			t.Fatal("carol was not raised")
		}
	}},

	{"codes/a purchase's codes are locked together and voided", func(t *testing.T, s store) {
		alice := mustUser(t, s, "alice", domain.LevelMember)
		up := mustUpgrade(t, s, alice, alice, domain.UpgradeGold, t0)
		mustCode(t, s, "AAAA-2222-2222", domain.UpgradeGold, alice.ID(), up.ID())
		mustCode(t, s, "BBBB-2222-2222", domain.UpgradeGold, alice.ID(), up.ID())
		mustCode(t, s, "CCCC-2222-2222", domain.UpgradeGold, alice.ID(), 0)
		do(t, s, func(ctx context.Context, st application.Store) error {
			cs, err := st.Codes.LockByUpgrade(ctx, up.ID())
			if err != nil {
				return err
			}
			if len(cs) != 2 || cs[0].Value().Short() != "AAAA-…" {
				t.Fatalf("the purchase's codes: %v", cs)
			}
			for _, c := range cs {
				if was := c.Void(); was != domain.CodeUnused {
					t.Fatalf("a new code was %s", was)
				}
				if err := st.Codes.Update(ctx, c); err != nil {
					return err
				}
			}
			return nil
		})
		got := listCodes(t, s, application.CodeQuery{Status: domain.CodeVoid, Window: application.Window{Limit: 10}})
		if len(got) != 2 || got[0] != "BBBB-… void alice>" {
			t.Fatalf("void codes: %v", got)
		}
	}},

	{"codes/the list filters by viewer, status, type and names, newest first", func(t *testing.T, s store) {
		olivia := mustUser(t, s, "olivia", domain.LevelOwner)
		alice := mustUser(t, s, "alice", domain.LevelMember)
		carol := mustUser(t, s, "carol", domain.LevelMember)
		a := mustCode(t, s, "AAAA-2222-2222", domain.UpgradeGold, olivia.ID(), 0)
		b := mustCode(t, s, "BBBB-2222-2222", domain.UpgradePlatinum, alice.ID(), 0)
		c := mustCode(t, s, "CCCC-2222-2222", domain.UpgradeGold, alice.ID(), 0)
		do(t, s, func(ctx context.Context, st application.Store) error {
			u, _ := st.Users.LockByID(ctx, carol.ID())
			locked, _ := st.Codes.LockByValue(ctx, c.Value())
			if err := locked.Redeem(u, t0); err != nil {
				return err
			}
			return st.Codes.Update(ctx, locked)
		})
		for _, tc := range []struct {
			q    application.CodeQuery
			want string
		}{
			{application.CodeQuery{}, "[CCCC-… redeemed alice>carol BBBB-… unused alice> AAAA-… unused olivia>]"},
			{application.CodeQuery{Window: application.Window{Offset: 1, Limit: 1}}, "[BBBB-… unused alice>]"},
			{application.CodeQuery{Window: application.Window{Before: int64(c.ID()), Limit: 1}}, "[BBBB-… unused alice>]"},
			{application.CodeQuery{Window: application.Window{Before: int64(a.ID())}}, "[]"},
			{application.CodeQuery{Window: application.Window{After: int64(a.ID())}}, "[BBBB-… unused alice> CCCC-… redeemed alice>carol]"},
			{application.CodeQuery{VisibleTo: alice.ID(), Window: application.Window{After: int64(b.ID())}}, "[CCCC-… redeemed alice>carol]"},
			{application.CodeQuery{VisibleTo: carol.ID()}, "[CCCC-… redeemed alice>carol]"},
			{application.CodeQuery{VisibleTo: alice.ID(), Status: domain.CodeUnused}, "[BBBB-… unused alice>]"},
			{application.CodeQuery{Type: domain.UpgradeGold, BuyerName: "ALICE"}, "[CCCC-… redeemed alice>carol]"},
			{application.CodeQuery{RedeemerName: "Carol"}, "[CCCC-… redeemed alice>carol]"},
			{application.CodeQuery{RedeemerName: "nobody"}, "[]"},
			// Keyset pages: older than an id, newest first; newer than an
			// id, nearest first.
			{application.CodeQuery{Window: application.Window{Before: int64(c.ID()), Limit: 10}}, "[BBBB-… unused alice> AAAA-… unused olivia>]"},
			{application.CodeQuery{Window: application.Window{After: int64(a.ID()), Limit: 1}}, "[BBBB-… unused alice>]"},
		} {
			if tc.q.Window.Limit == 0 {
				tc.q.Window.Limit = 10
			}
			if got := fmt.Sprint(listCodes(t, s, tc.q)); got != tc.want {
				t.Errorf("%+v: %s; want %s", tc.q, got, tc.want)
			}
		}
	}},

	{"codes/50 redeemers of one code at once: exactly one wins", func(t *testing.T, s store) {
		sh := newShop(t, s)
		olivia := sh.user(t, "olivia", domain.LevelOwner)
		codes, err := sh.app.MintCodes.Handle(ctx, application.MintCodes{OwnerID: olivia.ID(), Type: "gold", Quantity: 1})
		if err != nil {
			t.Fatal(err)
		}
		const n = 50
		users := make([]*domain.User, n)
		for i := range users {
			users[i] = sh.user(t, fmt.Sprintf("redeemer%d", i), domain.LevelMember)
		}
		var (
			wg            sync.WaitGroup
			mu            sync.Mutex
			won, notValid int
			unexpected    []error
			start         = make(chan struct{})
			code          = codes[0].Value().Display()
		)
		for i := range users {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, err := sh.app.RedeemCode.Handle(ctx, application.RedeemCode{RedeemerID: users[i].ID(), Code: code, Network: fmt.Sprintf("net%d", i)})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					won++
				case domain.IsKind(err, domain.KindInvalid):
					notValid++
				default:
					unexpected = append(unexpected, err)
				}
			}()
		}
		close(start)
		wg.Wait()
		if won != 1 || notValid != n-1 || len(unexpected) > 0 {
			t.Fatalf("%d won, %d were told not valid, errors %v", won, notValid, unexpected)
		}
		raised := 0
		for _, u := range users {
			if readUser(t, s, u.ID()).Level() == domain.LevelGold {
				raised++
			}
		}
		if raised != 1 {
			t.Fatalf("%d redeemers were raised", raised)
		}
	}},
}

var codePurchaseCases = []testCase{
	{"codes/a code purchase paid by 20 concurrent events (two ids) issues its codes once; a refund voids them and reverts the redeemer", func(t *testing.T, s store) {
		sh := newShop(t, s)
		olivia := sh.user(t, "olivia", domain.LevelOwner)
		alice := sh.user(t, "alice", domain.LevelMember)
		carol := sh.user(t, "carol", domain.LevelMember)
		started, err := sh.app.StartUpgrade.Handle(ctx, application.StartUpgrade{PurchaserID: alice.ID(), Type: "gold", Quantity: 2})
		if err != nil {
			t.Fatal(err)
		}
		up := started.Upgrade
		pi := sh.gw.Complete(up.SessionID(), memory.PaymentPaid)
		var wg sync.WaitGroup
		errs := make(chan error, 20)
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Ten deliveries of each of two events of one payment, at
				// once: one fulfilment.
				_, err := sh.app.ApplyEvent.Handle(ctx, event(fmt.Sprintf("evt_paid_%d", i%2), domain.EventCheckoutPaid, up, pi))
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		codes := listCodes(t, s, application.CodeQuery{BuyerName: "alice", Window: application.Window{Limit: 10}})
		if len(codes) != 2 || !strings.Contains(codes[0], "unused alice>") {
			t.Fatalf("issued codes: %v", codes)
		}
		var issued []application.CodeRow
		do(t, s, func(ctx context.Context, st application.Store) (err error) {
			issued, err = st.Codes.List(ctx, application.CodeQuery{Window: application.Window{Limit: 10}})
			return err
		})
		if _, err := sh.app.RedeemCode.Handle(ctx, application.RedeemCode{RedeemerID: carol.ID(), Code: issued[0].Code.Value().String(), Network: "n"}); err != nil {
			t.Fatal(err)
		}
		if readUser(t, s, carol.ID()).Level() != domain.LevelGold {
			t.Fatal("carol was not raised")
		}
		if _, err := sh.app.Refund.Handle(ctx, application.RefundUpgrade{By: application.Actor{ID: olivia.ID()}, UpgradeID: up.ID(), Reason: "test"}); err != nil {
			t.Fatal(err)
		}
		if got := listCodes(t, s, application.CodeQuery{Status: domain.CodeVoid, Window: application.Window{Limit: 10}}); len(got) != 2 {
			t.Fatalf("void codes after the refund: %v", got)
		}
		if readUser(t, s, carol.ID()).Level() != domain.LevelMember {
			t.Fatal("carol was not put back")
		}
		if got := read(t, s, up.ID(), false); got.Status() != domain.StatusRefunded || got.RecipientID() != 0 || got.Quantity() != 2 {
			t.Fatalf("the purchase is %s for %d, %d codes", got.Status(), got.RecipientID(), got.Quantity())
		}
	}},
}
