package migrations_test

import (
	"context"
	"os"
	"testing"
	"time"

	"upgrades/application"
	"upgrades/domain"
	"upgrades/test/dbtest"
)

// The sales migrations fill paid_at and the daily totals from the
// upgrades sold before them, by their histories, and rolling the slots
// back keeps every total.
func TestSalesAreFilledFromHistory(t *testing.T) {
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
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := conn.Exec(q, args...); err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
	}
	const slotsUp, slotsDown = "20261203000301_sales_daily_slots.tx.up.sql", "20261203000301_sales_daily_slots.tx.down.sql"
	const salesUp, salesDown = "20261203000300_sales_daily.tx.up.sql", "20261203000300_sales_daily.tx.down.sql"
	run(slotsDown)
	run(salesDown)

	d1 := time.Date(2026, 5, 1, 23, 59, 0, 0, time.UTC)
	d2, d3 := d1.Add(time.Minute), d1.Add(72*time.Hour) // the next day (UTC), three days on
	exec(`INSERT INTO users (id, name, password_hash, api_key, level) VALUES (1, 'alice', 'h', 'k1', 30), (2, 'bob', 'h', 'k2', 20)`)
	// 1: paid on d1 with a promotion code; 2: paid on d1, refunded on d3;
	// 3: paid twice over on d2, refunded at once (redundant); 4: pending.
	exec(`INSERT INTO upgrades (id, purchaser_id, recipient_id, upgrade_type, status, amount, currency, amount_paid, amount_discount, level_before, created_at, updated_at) VALUES
		(1, 1, 1, 'gold', 'complete', 2000, 'usd', 1800, 200, 20, $1, $1),
		(2, 2, 1, 'gold', 'refunded', 2000, 'usd', NULL, NULL, 20, $1, $3),
		(3, 2, 1, 'platinum', 'refunded', 3200, 'eur', 3200, 0, 30, $2, $2),
		(4, 2, 2, 'gold', 'pending', 2000, 'usd', NULL, NULL, NULL, $1, $1)`, d1, d2, d3)
	exec(`INSERT INTO upgrade_history (upgrade_id, seq, at, from_status, to_status, outcome) VALUES
		(1, 1, $1, NULL, 'pending', 'applied'), (1, 2, $1, 'pending', 'complete', 'applied'),
		(2, 1, $1, NULL, 'pending', 'applied'), (2, 2, $1, 'pending', 'complete', 'applied'), (2, 3, $3, 'complete', 'refunded', 'applied'),
		(3, 1, $2, NULL, 'pending', 'applied'), (3, 2, $2, 'pending', 'refunded', 'applied'),
		(4, 1, $1, NULL, 'pending', 'applied')`, d1, d2, d3)

	run(salesUp)
	run(slotsUp)
	var paid []time.Time
	rows, err := conn.Query(`SELECT coalesce(paid_at, 'epoch') FROM upgrades ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var at time.Time
		if err := rows.Scan(&at); err != nil {
			t.Fatal(err)
		}
		paid = append(paid, at.UTC())
	}
	if len(paid) != 4 || !paid[0].Equal(d1) || !paid[1].Equal(d1) || !paid[2].Equal(d2) || !paid[3].Equal(time.Unix(0, 0).UTC()) {
		t.Fatalf("paid_at %v", paid)
	}

	day := domain.Day
	want := []domain.DailySales{
		{Day: day(d1), Type: domain.UpgradeGold, Currency: "usd", Sales: 2, SalesAmount: 3800},
		{Day: day(d2), Type: domain.UpgradePlatinum, Currency: "eur", Sales: 1, SalesAmount: 3200, Refunds: 1, RefundsAmount: 3200},
		{Day: day(d3), Type: domain.UpgradeGold, Currency: "usd", Refunds: 1, RefundsAmount: 2000},
	}
	db := open(t, url)
	check := func(when string) {
		t.Helper()
		var got []domain.DailySales
		err := db.Do(context.Background(), func(ctx context.Context, s application.Store) (err error) {
			got, err = s.Sales.Daily(ctx, d1.AddDate(0, 0, -1), d3.AddDate(0, 0, 1))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("%s: %+v, want %+v", when, got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%s: row %d is %+v, want %+v", when, i, got[i], want[i])
			}
		}
	}
	check("after up")
	// Rows in several slots are added into one when the slots go.
	exec(`INSERT INTO sales_daily (day, upgrade_type, currency, slot, sales, sales_amount) VALUES ($1, 'gold', 'usd', 7, 1, 2000)`, day(d3))
	want[2].Sales, want[2].SalesAmount = 1, 2000
	check("with a second slot")
	run(slotsDown)
	check("after the slots' down")
	run(slotsUp)
	check("up again")
}
