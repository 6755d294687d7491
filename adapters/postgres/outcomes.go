package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"upgrades/application"
	"upgrades/domain"
)

// outcomes is the Outcomes repository bound to one transaction.
type outcomes struct{ db conn }

var _ application.Outcomes = outcomes{}

// Save holds everything a payment changed as one statement, sent with the
// unit of work's COMMIT in one message: each write is a data-modifying
// WITH query, and the statement checks that each update found its row
// (must_save) and answers the new messages' ids. PostgreSQL runs it whole
// or not at all, and runs no COMMIT after it fails, so a refused part
// fails the unit of work, which Do reports.
func (r outcomes) Save(ctx context.Context, c application.PaymentChanges) error {
	t, err := r.tx()
	if err != nil {
		return err
	}
	q, args := saveQuery(c)
	query, err := t.sql(q, args...)
	if err != nil {
		return err
	}
	var ids []int64
	var refundID int64
	t.held = &heldSave{query: query, read: onlyRow(func(rows pgx.Rows) error {
		dest := []any{&ids}
		if c.Refund != nil {
			dest = append(dest, &refundID)
		}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		if len(ids) != len(c.Messages) {
			return fmt.Errorf("postgres: %d ids for %d messages", len(ids), len(c.Messages))
		}
		return nil
	}), saved: func() {
		if c.Refund != nil {
			c.Refund.ID = refundID
		}
		c.Upgrade.HistorySaved()
		for i, m := range c.Messages {
			m.ID = domain.MessageID(ids[i])
		}
	}, failed: func(err error) error { return saveFailed(err, c) }}
	return nil
}

// tx is the unit of work's transaction that the lock and the save are
// sent on; there is none outside Do, and none to use after the save.
func (r outcomes) tx() (*tx, error) {
	t, ok := r.db.(*tx)
	switch {
	case !ok:
		return nil, errors.New("postgres: a payment's lock or save outside a unit of work")
	case t.held != nil:
		return nil, errAfterSave
	}
	return t, nil
}

// saveFailed is a failed save in the application's terms.
func saveFailed(err error, c application.PaymentChanges) error {
	var pg *pgconn.PgError
	if errors.As(err, &pg) && pg.Code == noDataFound {
		return notFound("%s", pg.Message) // a must_save check
	}
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

// saveQuery is Save's statement: a WITH query per part, and a SELECT of
// the new messages' ids (and the owed refund's) under must_save's checks
// that each part found its row.
func saveQuery(c application.PaymentChanges) (string, []any) {
	up := upgradeFromDomain(c.Upgrade)
	var (
		with, checks []string
		args         []any
		checkArgs    []any
	)
	add := func(name, q string, a ...any) {
		with = append(with, name+" AS ("+q+")")
		args = append(args, a...)
	}
	check := func(part string, n int, missing string) {
		checks = append(checks, fmt.Sprintf("must_save((SELECT count(*) FROM %s) = %d, ?)", part, n))
		checkArgs = append(checkArgs, missing)
	}
	add("saved_upgrade", `UPDATE upgrades SET status = ?, checkout_session_id = ?, checkout_url = ?, session_expires_at = ?,
		payment_intent_id = ?, amount_paid = ?, amount_discount = ?, paid_at = ?, level_before = ?, updated_at = ? WHERE id = ? RETURNING id`,
		up.Status, nullString(up.SessionID), nullString(up.CheckoutURL), nullTime(up.SessionExpiresAt),
		nullString(up.PaymentIntentID), up.AmountPaid, up.AmountDiscount, nullTime(up.PaidAt), nullRank(up.LevelBefore), up.UpdatedAt, up.ID)
	check("saved_upgrade", 1, fmt.Sprintf("upgrade #%d not found", up.ID))
	entries := c.Upgrade.UnsavedHistory()
	if len(entries) > 0 {
		q, a := historyInsert(c.Upgrade.ID(), entries, "EXISTS (SELECT 1 FROM saved_upgrade)")
		add("saved_history", q, a...)
	}
	if c.Recipient != nil {
		add("saved_recipient", "UPDATE users SET level = ? WHERE id = ? RETURNING id", c.Recipient.Level().Rank(), c.Recipient.ID())
		check("saved_recipient", 1, fmt.Sprintf("user %d not found", c.Recipient.ID()))
	}
	if c.Event != nil {
		add("saved_event", `UPDATE stripe_events SET outcome = ?, upgrade_id = ?, processed_at = ?, last_error = NULL
			WHERE id = ? RETURNING id`, c.Event.Outcome.String(), up.ID, c.Event.At, c.Event.ID)
		check("saved_event", 1, fmt.Sprintf("event %s not recorded", c.Event.ID))
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
		check("saved_messages", len(c.Messages), "the messages were not stored")
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
		check("saved_refund", 1, fmt.Sprintf("the owed refund of upgrade #%d was not stored", o.UpgradeID))
		refund = ", (SELECT id FROM saved_refund)"
	}
	return "WITH " + strings.Join(with, ",\n") + "\nSELECT " + messages + refund + "\nWHERE " + strings.Join(checks, "\n  AND "),
		append(args, checkArgs...)
}
