package postgres

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"upgrades/application"
	"upgrades/domain"
)

// outcomes is the Outcomes repository bound to one transaction.
type outcomes struct{ db bun.IDB }

var _ application.Outcomes = outcomes{}

// Save sends everything a payment changed as one statement, one round trip:
// each write is a data-modifying WITH query, and the statement answers how
// many rows each update found and the new messages' ids. PostgreSQL runs
// it whole or not at all, so a refused part fails Save itself.
func (r outcomes) Save(ctx context.Context, c application.PaymentChanges) error {
	q, args := saveQuery(c)
	var nUpgrade, nRecipient, nEvent int
	var ids []int64
	var refundID int64
	dest := []any{&nUpgrade, &nRecipient, &nEvent, pgdialect.Array(&ids)}
	if c.Refund != nil {
		dest = append(dest, &refundID)
	}
	if err := r.db.NewRaw(q, args...).Scan(ctx, dest...); err != nil {
		if e := refused(err, c.Upgrade); e != nil {
			return e
		}
		if constraintError(err, uniqueViolation) == "refund_outbox_one_per_key" {
			return domain.Errorf(domain.KindConflict, "a refund with key %s is owed already", c.Refund.Request.IdempotencyKey)
		}
		if constraintError(err, foreignKeyViolation) == "messages_user_fkey" {
			return notFound("a message's user was not found")
		}
		return translate(err, "save a payment's outcome")
	}
	switch {
	case nUpgrade == 0:
		return notFound("upgrade #%d not found", c.Upgrade.ID())
	case nRecipient == 0:
		return notFound("user %d not found", c.Recipient.ID())
	case nEvent == 0:
		return notFound("event %s not recorded", c.Event.ID)
	case len(ids) != len(c.Messages):
		return notFound("%d of %d messages stored", len(ids), len(c.Messages))
	case c.Refund != nil && refundID == 0:
		return notFound("the owed refund of upgrade #%d was not stored", c.Upgrade.ID())
	}
	if c.Refund != nil {
		c.Refund.ID = refundID
	}
	c.Upgrade.HistorySaved()
	for i, m := range c.Messages {
		m.ID = domain.MessageID(ids[i])
	}
	return nil
}

// saveQuery is Save's statement: a WITH query per part, and a SELECT of
// how many rows each update found (1 for a part that is not there) and of
// the new messages' ids.
func saveQuery(c application.PaymentChanges) (string, []any) {
	up := upgradeFromDomain(c.Upgrade)
	var (
		with   []string
		args   []any
		counts = []string{"(SELECT count(*) FROM saved_upgrade)"}
	)
	add := func(name, q string, a ...any) {
		with = append(with, name+" AS ("+q+")")
		args = append(args, a...)
	}
	add("saved_upgrade", `UPDATE upgrades SET status = ?, checkout_session_id = ?, checkout_url = ?, session_expires_at = ?,
		payment_intent_id = ?, amount_paid = ?, amount_discount = ?, paid_at = ?, level_before = ?, updated_at = ? WHERE id = ? RETURNING id`,
		up.Status, nullString(up.SessionID), nullString(up.CheckoutURL), nullTime(up.SessionExpiresAt),
		nullString(up.PaymentIntentID), up.AmountPaid, up.AmountDiscount, nullTime(up.PaidAt), nullRank(up.LevelBefore), up.UpdatedAt, up.ID)
	entries := c.Upgrade.UnsavedHistory()
	if len(entries) > 0 {
		q, a := historyInsert(c.Upgrade.ID(), entries, "EXISTS (SELECT 1 FROM saved_upgrade)")
		add("saved_history", q, a...)
	}
	if c.Recipient != nil {
		add("saved_recipient", "UPDATE users SET level = ? WHERE id = ? RETURNING id", c.Recipient.Level().Rank(), c.Recipient.ID())
		counts = append(counts, "(SELECT count(*) FROM saved_recipient)")
	} else {
		counts = append(counts, "1")
	}
	if c.Event != nil {
		add("saved_event", `UPDATE stripe_events SET outcome = ?, upgrade_id = ?, processed_at = ?, last_error = NULL
			WHERE id = ? RETURNING id`, c.Event.Outcome.String(), up.ID, c.Event.At, c.Event.ID)
		counts = append(counts, "(SELECT count(*) FROM saved_event)")
	} else {
		counts = append(counts, "1")
	}
	messages := "ARRAY[]::bigint[]"
	if len(c.Messages) > 0 {
		values := make([]string, len(c.Messages))
		var a []any
		for i, m := range c.Messages {
			values[i] = "(?::bigint, ?::bigint, ?::text, ?::timestamptz)"
			a = append(a, m.UserID, nullID(int64(m.UpgradeID)), m.Body, m.CreatedAt)
		}
		add("saved_messages", "INSERT INTO messages (user_id, upgrade_id, body, created_at) VALUES "+strings.Join(values, ", ")+" RETURNING id", a...)
		// Ids come from one sequence in the order of the rows.
		messages = "ARRAY(SELECT id FROM saved_messages ORDER BY id)"
	}
	if s := c.Sales; !s.IsZero() {
		// The row is held until the commit: concurrent fulfilments of one
		// day, type and currency are spread over its slots so that they
		// seldom wait for each other.
		add("saved_sales", `INSERT INTO sales_daily AS d (day, upgrade_type, currency, slot, sales, sales_amount, refunds, refunds_amount)
			SELECT ?::date, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM saved_upgrade)
			ON CONFLICT (day, upgrade_type, currency, slot) DO UPDATE SET sales = d.sales + excluded.sales,
			sales_amount = d.sales_amount + excluded.sales_amount, refunds = d.refunds + excluded.refunds,
			refunds_amount = d.refunds_amount + excluded.refunds_amount`,
			s.Day.Format(time.DateOnly), s.Type.String(), s.Currency, up.ID%salesSlots, s.Sales, s.SalesAmount, s.Refunds, s.RefundsAmount)
	}
	refund := ""
	if o := c.Refund; o != nil {
		add("saved_refund", `INSERT INTO refund_outbox (upgrade_id, payment_intent_id, idempotency_key, created_at, lease_until)
			SELECT ?, ?, ?, ?::timestamptz, ?::timestamptz WHERE EXISTS (SELECT 1 FROM saved_upgrade) RETURNING id`,
			o.UpgradeID, o.Request.PaymentIntentID, o.Request.IdempotencyKey, o.CreatedAt, o.CreatedAt)
		refund = ", coalesce((SELECT id FROM saved_refund), 0)"
	}
	return "WITH " + strings.Join(with, ",\n") + "\nSELECT " + strings.Join(counts, ", ") + ", " + messages + refund, args
}
