package postgres

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun/dialect/pgdialect"

	"upgrades/application"
)

// lockedRow is the answer of Lock's statement: whether the event is fresh,
// and the locked upgrade and recipient, NULL when there are none.
type lockedRow struct {
	Fresh     bool
	Upgrade   upgradeRow
	Recipient userRow
}

// Lock records the event, locks the upgrade and locks its recipient in one
// statement, one round trip, each a WITH query: the upgrade's only when
// the event's insert returned a row (fresh), the recipient's after the
// upgrade's, so that every path takes the locks in the same order. Rows
// are locked as FOR UPDATE finds them, at their newest committed version,
// as separate statements would.
func (r outcomes) Lock(ctx context.Context, l application.PaymentLock) (application.LockedPayment, error) {
	t, err := r.tx()
	if err != nil {
		return application.LockedPayment{}, err
	}
	var (
		with  []string
		args  []any
		fresh = "true"
		cond  string
	)
	if e := l.Event; e != nil {
		with = append(with, `recorded AS (INSERT INTO stripe_events (id, type, livemode, payload, received_at, attempts)
			VALUES (?, ?, ?, ?, ?, 1)
			ON CONFLICT (id) DO UPDATE SET attempts = stripe_events.attempts + 1
			WHERE stripe_events.processed_at IS NULL
			RETURNING id)`)
		args = append(args, e.ID, e.Type, e.Livemode, nullBytes(e.Payload), e.ReceivedAt)
		fresh, cond = "EXISTS (SELECT 1 FROM recorded)", " AND EXISTS (SELECT 1 FROM recorded)"
	}
	switch {
	case l.UpgradeID != 0:
		with = append(with, "locked_upgrade AS (SELECT * FROM upgrades WHERE id = ?"+cond+" FOR UPDATE)")
		args = append(args, l.UpgradeID)
	case l.PaymentIntentID != "":
		with = append(with, "locked_upgrade AS (SELECT * FROM upgrades WHERE payment_intent_id = ?"+cond+" FOR UPDATE)")
		args = append(args, l.PaymentIntentID)
	default:
		// Nothing to lock: the event alone.
		fresh, err := events(r).Record(ctx, *l.Event)
		return application.LockedPayment{Fresh: fresh}, err
	}
	with = append(with, `locked_recipient AS (SELECT * FROM users
			WHERE id = (SELECT recipient_id FROM locked_upgrade) FOR NO KEY UPDATE)`)
	q := "WITH " + strings.Join(with, ",\n") + "\nSELECT " + fresh + " AS fresh, " + lockedColumns() +
		" FROM (VALUES (1)) AS one (x) LEFT JOIN locked_upgrade AS u ON true LEFT JOIN locked_recipient AS r ON true"
	var row lockedRow
	query, err := t.sql(q, args...)
	if err == nil {
		err = t.send(ctx, query, false, onlyRow(func(rows pgx.Rows) error {
			var err error
			if row.Fresh, err = strconv.ParseBool(string(rows.RawValues()[0])); err != nil {
				return fmt.Errorf("postgres: fresh: %w", err)
			}
			return t.scanModels(rows, 1, &row.Upgrade, &row.Recipient)
		}))
	}
	if err != nil {
		return application.LockedPayment{}, translate(err, "lock a payment's upgrade")
	}
	out := application.LockedPayment{Fresh: row.Fresh}
	if !row.Fresh || row.Upgrade.ID == 0 {
		return out, nil
	}
	if row.Recipient.ID == 0 && row.Upgrade.Quantity == 0 {
		return out, notFound("user %d not found", row.Upgrade.RecipientID)
	}
	if out.Upgrade, err = row.Upgrade.toDomain(nil); err != nil || out.Upgrade.IsCodes() {
		return out, err // a purchase of codes has no recipient
	}
	out.Recipient, err = row.Recipient.toDomain()
	return out, err
}

// lockedColumns are the upgrade's columns as u_…, then the recipient's as
// r_…, named from their models.
var lockedColumns = sync.OnceValue(func() string {
	tables := pgdialect.New().Tables()
	var cols []string
	for _, m := range []struct {
		model  any
		prefix string
	}{{upgradeRow{}, "u"}, {userRow{}, "r"}} {
		for _, f := range tables.Get(reflect.TypeOf(m.model)).Fields {
			cols = append(cols, m.prefix+"."+string(f.SQLName)+" AS "+m.prefix+"_"+f.Name)
		}
	}
	return strings.Join(cols, ", ")
})
