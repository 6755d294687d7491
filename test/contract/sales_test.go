package contract_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"upgrades/application"
	"upgrades/domain"
)

var salesCases = []testCase{
	salesConcurrently,
	{"sales/daily totals equal a sum of the upgrades' own histories", func(t *testing.T, s store) {
		sh := newShop(t, s)
		owner := sh.user(t, "owner", domain.LevelOwner)
		alice := sh.user(t, "alice", domain.LevelMember)
		bob := sh.user(t, "bob", domain.LevelMember)
		carol := sh.user(t, "carol", domain.LevelMember)
		dave := sh.user(t, "dave", domain.LevelMember)
		erin := sh.user(t, "erin", domain.LevelMember)
		day := 24 * time.Hour
		var ups []*domain.Upgrade
		buy := func(purchaser, recipient *domain.User, typ domain.UpgradeType, currency string) *domain.Upgrade {
			t.Helper()
			started, err := sh.app.StartUpgrade.Handle(ctx, application.StartUpgrade{PurchaserID: purchaser.ID(), RecipientID: recipient.ID(),
				Type: typ.String(), Currency: domain.CurrencyChoice{Currency: currency}})
			if err != nil {
				t.Fatal(err)
			}
			ups = append(ups, started.Upgrade)
			return started.Upgrade
		}
		send := func(ev application.PaymentEvent) {
			t.Helper()
			if _, err := sh.app.ApplyEvent.Handle(ctx, ev); err != nil {
				t.Fatal(err)
			}
		}

		// Day 0, late in the evening: alice pays Gold with 10 % off; bob
		// pays Platinum in euros, and Stripe delivers it twice.
		sh.clock.Advance(11*time.Hour + 30*time.Minute)
		gold := buy(alice, alice, domain.UpgradeGold, "usd")
		gift := buy(carol, bob, domain.UpgradeGold, "eur") // paid on day 2
		paid := event("evt_gold", domain.EventCheckoutPaid, gold, "pi_gold")
		paid.Totals, paid.Total, paid.Discount = true, gold.Price().Amount()-200, 200
		send(paid)
		// Erin's Gold is on the same day, type and currency as alice's.
		erinsGold := buy(erin, erin, domain.UpgradeGold, "usd")
		send(event("evt_erin", domain.EventCheckoutPaid, erinsGold, "pi_erin"))
		plat := buy(bob, bob, domain.UpgradePlatinum, "eur")
		send(event("evt_plat", domain.EventCheckoutPaid, plat, "pi_plat"))
		send(event("evt_plat", domain.EventCheckoutPaid, plat, "pi_plat"))
		// Day 1: carol's bank debit is underway; it settles on day 2.
		sh.clock.Advance(day)
		debit := buy(carol, carol, domain.UpgradeGold, "usd")
		send(event("evt_debit", domain.EventCheckoutUnpaid, debit, "pi_debit"))
		sh.clock.Advance(day)
		settled := event("evt_debit_ok", domain.EventAsyncSucceeded, debit, "pi_debit")
		settled.Type = "checkout.session.async_payment_succeeded"
		send(settled)
		// Day 2: a Gold gift for bob, who is Platinum: paid and refunded
		// at once. Another checkout is left pending.
		send(event("evt_gift", domain.EventCheckoutPaid, gift, "pi_gift"))
		buy(alice, dave, domain.UpgradePlatinum, "usd")
		// Day 3: the owner refunds alice's Gold.
		sh.clock.Advance(day)
		if _, err := sh.app.Refund.Handle(ctx, application.RefundUpgrade{By: application.Actor{ID: owner.ID()}, UpgradeID: gold.ID()}); err != nil {
			t.Fatal(err)
		}

		// The same totals from each upgrade's history: paid on the day it
		// first reached complete or refunded, refunded on the day it
		// reached refunded.
		want := map[salesKey]domain.DailySales{}
		for _, up := range ups {
			got := read(t, s, up.ID(), true)
			paidAmount := got.Price().Amount()
			if p := got.Paid(); p.Known {
				paidAmount = p.Amount
			}
			settledOnce := false
			for _, e := range got.History() {
				k := salesKey{domain.Day(e.At), got.Type(), got.Price().Currency()}
				d := want[k]
				d.Day, d.Type, d.Currency = k.day, k.typ, k.currency
				if !settledOnce && e.From != e.To && (e.To == domain.StatusComplete || e.To == domain.StatusRefunded) {
					settledOnce = true
					d.Sales++
					d.SalesAmount += paidAmount
				}
				if e.To == domain.StatusRefunded && e.From != domain.StatusRefunded {
					d.Refunds++
					d.RefundsAmount += paidAmount
				}
				if !d.IsZero() {
					want[k] = d
				}
			}
		}
		if d := want[salesKey{domain.Day(t0), domain.UpgradeGold, "usd"}]; d.Sales != 2 {
			t.Fatalf("the story should make two Gold sales in dollars on day 0: %+v", d)
		}
		if len(want) != 5 {
			t.Fatalf("the story should make sales on 5 (day, type, currency) rows, made %d: %+v", len(want), want)
		}

		daily := func(from, to time.Time) map[salesKey]domain.DailySales {
			t.Helper()
			var rows []domain.DailySales
			do(t, s, func(ctx context.Context, st application.Store) (err error) {
				rows, err = st.Sales.Daily(ctx, from, to)
				return err
			})
			out := map[salesKey]domain.DailySales{}
			for i, r := range rows {
				if i > 0 && r.Day.Before(rows[i-1].Day) {
					t.Fatalf("rows not oldest first: %+v", rows)
				}
				out[salesKey{r.Day, r.Type, r.Currency}] = r
			}
			return out
		}
		same := func(got, want map[salesKey]domain.DailySales) {
			t.Helper()
			if len(got) != len(want) {
				t.Fatalf("got %d rows %+v, want %d %+v", len(got), got, len(want), want)
			}
			for k, w := range want {
				if g := got[k]; g != w {
					t.Fatalf("%s %s %s: got %+v, want %+v", k.day.Format(time.DateOnly), k.typ, k.currency, g, w)
				}
			}
		}
		same(daily(t0.Add(-30*day), t0.Add(30*day)), want)
		// A range of one day holds that day's rows only.
		onlyDay2 := map[salesKey]domain.DailySales{}
		for k, v := range want {
			if k.day.Equal(domain.Day(t0.Add(2 * day))) {
				onlyDay2[k] = v
			}
		}
		same(daily(t0.Add(2*day), t0.Add(2*day)), onlyDay2)
		if g := daily(t0.Add(10*day), t0.Add(20*day)); len(g) != 0 {
			t.Fatalf("days without sales have rows: %+v", g)
		}
	}},
}

// salesConcurrently is a case of its own: concurrent fulfilments of one
// day, type and currency each add their sale, none lost, none twice.
var salesConcurrently = testCase{"sales/concurrent payments of one day each count once", func(t *testing.T, s store) {
	sh := newShop(t, s)
	const n = 24
	var evs []application.PaymentEvent
	for i := range n {
		u := sh.user(t, fmt.Sprintf("buyer%d", i), domain.LevelMember)
		up := sh.start(t, u, u, domain.UpgradeGold)
		ev := event(fmt.Sprintf("evt_%d", i), domain.EventCheckoutPaid, up, fmt.Sprintf("pi_%d", i))
		evs = append(evs, ev, ev) // each delivered twice
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(evs))
	for _, ev := range evs {
		wg.Go(func() {
			_, err := sh.app.ApplyEvent.Handle(ctx, ev)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var rows []domain.DailySales
	do(t, s, func(ctx context.Context, st application.Store) (err error) {
		rows, err = st.Sales.Daily(ctx, t0, t0)
		return err
	})
	price := domain.DefaultPrices().Of(domain.UpgradeGold).Amount()
	if len(rows) != 1 || rows[0].Sales != n || rows[0].SalesAmount != n*price {
		t.Fatalf("after %d payments: %+v", n, rows)
	}
}}

type salesKey struct {
	day      time.Time
	typ      domain.UpgradeType
	currency string
}
