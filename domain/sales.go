package domain

import "time"

// DailySales are the sales and refunds of one type in one currency on one
// day (UTC), and what one applied payment adds to them: a sale counts what
// was paid on the day of payment, a refund the same amount on the day of
// the refund. A redundant payment is both, on one day.
type DailySales struct {
	Day           time.Time // midnight UTC
	Type          UpgradeType
	Currency      string
	Sales         int64
	SalesAmount   int64
	Refunds       int64
	RefundsAmount int64
}

// Net is what the day kept: sales less refunds.
func (c DailySales) Net() int64 { return c.SalesAmount - c.RefundsAmount }

// IsZero reports whether there were neither sales nor refunds.
func (c DailySales) IsZero() bool { return c.Sales == 0 && c.Refunds == 0 }

// Day is the UTC day holding t, as midnight UTC.
func Day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// AmountPaid is what the buyer paid: the total the provider reported, or
// the price the upgrade was sold at when it reported none.
func (u *Upgrade) AmountPaid() int64 {
	if u.paid.Known {
		return u.paid.Amount
	}
	return u.price.amount
}

// PaidAt is when the upgrade's payment settled; zero while it has not.
func (u *Upgrade) PaidAt() time.Time { return u.paidAt }

// sales is what moving from one status to the upgrade's present one adds
// to the sales of now: money that settled is a sale (complete, or refunded
// at once as redundant), and a move into refunded a refund of it.
func (u *Upgrade) sales(from Status, now time.Time) DailySales {
	c := DailySales{Day: Day(now), Type: u.upgradeType, Currency: u.price.currency}
	settled := u.status == StatusComplete || u.status == StatusRefunded
	if settled && u.paidAt.IsZero() {
		u.paidAt = now
		c.Sales, c.SalesAmount = 1, u.AmountPaid()
	}
	if u.status == StatusRefunded && from != StatusRefunded {
		c.Refunds, c.RefundsAmount = 1, u.AmountPaid()
	}
	if c.IsZero() {
		return DailySales{}
	}
	return c
}
