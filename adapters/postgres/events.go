package postgres

import (
	"context"
	"slices"
	"time"

	"github.com/uptrace/bun/schema"

	"upgrades/application"
	"upgrades/domain"
)

// maxErrorLen bounds the stored reason of a failed attempt.
const maxErrorLen = 2000

// events is the PaymentEvents repository bound to one transaction.
type events struct{ db conn }

var _ application.PaymentEvents = events{}

// Record inserts the event, or counts one more attempt of an event that
// has not been processed yet. A row comes back exactly when the event is
// to be applied now: a processed event matches no row of the DO UPDATE.
// Concurrent deliveries of one id wait on its primary key until the first
// transaction ends, then see it processed (or, if it rolled back, insert).
func (r events) Record(ctx context.Context, e application.ReceivedEvent) (bool, error) {
	var ids []string
	err := r.db.NewRaw(`
		INSERT INTO stripe_events (id, type, livemode, payload, received_at, attempts)
		VALUES (?, ?, ?, ?, ?, 1)
		ON CONFLICT (id) DO UPDATE SET attempts = stripe_events.attempts + 1
		WHERE stripe_events.processed_at IS NULL
		RETURNING id`, e.ID, e.Type, e.Livemode, nullBytes(e.Payload), e.ReceivedAt).Scan(ctx, &ids)
	if err != nil {
		return false, translate(err, "record event")
	}
	return len(ids) == 1, nil
}

func (r events) Finish(ctx context.Context, id string, outcome domain.Outcome, upgrade domain.UpgradeID, at time.Time) error {
	var upgradeID *int64
	if upgrade != 0 {
		v := int64(upgrade)
		upgradeID = &v
	}
	res, err := r.db.NewRaw(`
		UPDATE stripe_events SET outcome = ?, upgrade_id = ?, processed_at = ?, last_error = NULL
		WHERE id = ?`, outcome.String(), upgradeID, at, id).Exec(ctx)
	if err != nil {
		return translate(err, "finish event")
	}
	return mustAffect(res, "event %s not recorded", id)
}

// Fail runs in its own unit of work after the event's own rolled back, so
// it may be the first to store the event. It never touches an event that
// a concurrent delivery has processed in the meantime.
func (r events) Fail(ctx context.Context, e application.ReceivedEvent, reason string) error {
	if len(reason) > maxErrorLen {
		reason = reason[:maxErrorLen]
	}
	_, err := r.db.NewRaw(`
		INSERT INTO stripe_events (id, type, livemode, payload, received_at, attempts, last_error)
		VALUES (?, ?, ?, ?, ?, 1, ?)
		ON CONFLICT (id) DO UPDATE SET attempts = stripe_events.attempts + 1, last_error = EXCLUDED.last_error
		WHERE stripe_events.processed_at IS NULL`,
		e.ID, e.Type, e.Livemode, nullBytes(e.Payload), e.ReceivedAt, reason).Exec(ctx)
	return translate(err, "record failed event")
}

// List reads the events f selects, newest first. Unprocessed ones are
// found through their partial index; the others are few enough per type
// and outcome for an operator's listing.
func (r events) List(ctx context.Context, f application.EventFilter) ([]application.StoredEvent, error) {
	q := r.db.NewSelect().Table("stripe_events").
		Column("id", "type", "livemode", "received_at", "processed_at", "outcome", "upgrade_id", "attempts", "last_error")
	switch f.Status {
	case "":
	case application.EventUnprocessed:
		q = q.Where("processed_at IS NULL")
	case application.EventFailed:
		q = q.Where("processed_at IS NULL AND last_error IS NOT NULL")
	default:
		q = q.Where("outcome = ?", f.Status)
	}
	if f.Type != "" {
		q = q.Where("type = ?", f.Type)
	}
	if f.Limit > 0 {
		q = q.Limit(int64(f.Limit))
	}
	var rows []eventRow
	if err := q.Order("received_at DESC", "id DESC").Scan(ctx, &rows); err != nil {
		return nil, translate(err, "list events")
	}
	out := make([]application.StoredEvent, len(rows))
	for i, row := range rows {
		out[i] = row.stored()
	}
	return out, nil
}

func (r events) Get(ctx context.Context, id string) (application.StoredEvent, error) {
	var rows []eventRow
	err := r.db.NewRaw(`
		SELECT id, type, livemode, payload, received_at, processed_at, outcome, upgrade_id, attempts, last_error
		FROM stripe_events WHERE id = ?`, id).Scan(ctx, &rows)
	if err != nil {
		return application.StoredEvent{}, translate(err, "read event")
	}
	if len(rows) == 0 {
		return application.StoredEvent{}, domain.Errorf(domain.KindNotFound, "no event %q is stored", id)
	}
	return rows[0].stored(), nil
}

type eventRow struct {
	ID          string     `bun:"id"`
	Type        string     `bun:"type"`
	Livemode    bool       `bun:"livemode"`
	Payload     []byte     `bun:"payload"`
	ReceivedAt  time.Time  `bun:"received_at"`
	ProcessedAt *time.Time `bun:"processed_at"`
	Outcome     *string    `bun:"outcome"`
	UpgradeID   *int64     `bun:"upgrade_id"`
	Attempts    int        `bun:"attempts"`
	LastError   *string    `bun:"last_error"`
}

func (row eventRow) stored() application.StoredEvent {
	e := application.StoredEvent{ID: row.ID, Type: row.Type, Livemode: row.Livemode, Payload: row.Payload,
		ReceivedAt: row.ReceivedAt, Attempts: row.Attempts}
	if row.ProcessedAt != nil {
		e.ProcessedAt = *row.ProcessedAt
	}
	if row.Outcome != nil {
		e.Outcome = *row.Outcome
	}
	if row.UpgradeID != nil {
		e.UpgradeID = domain.UpgradeID(*row.UpgradeID)
	}
	if row.LastError != nil {
		e.LastError = *row.LastError
	}
	return e
}

// nullBytes is a payload as a query argument: NULL for none, else a
// byteaLiteral.
func nullBytes(b []byte) any {
	if b == nil {
		return nil
	}
	return byteaLiteral(b)
}

// byteaLiteral writes bytes into a query in bytea's escape format rather
// than bun's hex: an event is JSON, nearly all printable ASCII, which the
// escape format keeps as it is, so the statement carries about half the
// characters that the driver scans, the network carries and PostgreSQL
// parses. A quote is doubled (standard_conforming_strings is on, which
// the driver requires), a backslash is written \\, and every byte that is
// not printable ASCII as \ followed by three octal digits.
type byteaLiteral []byte

func (l byteaLiteral) AppendQuery(_ schema.QueryGen, b []byte) ([]byte, error) {
	b = slices.Grow(b, len(l)+len(l)/16+2) // JSON: a few escapes at most
	b = append(b, '\'')
	for _, c := range l {
		switch {
		case c == '\'':
			b = append(b, '\'', '\'')
		case c == '\\':
			b = append(b, '\\', '\\')
		case c < 0x20 || c > 0x7e:
			b = append(b, '\\', '0'+c>>6, '0'+c>>3&7, '0'+c&7)
		default:
			b = append(b, c)
		}
	}
	return append(b, '\''), nil
}

func (r events) CountUnprocessed(ctx context.Context) (int, error) {
	var n int
	err := r.db.NewRaw(`SELECT count(*) FROM stripe_events WHERE processed_at IS NULL`).Scan(ctx, &n)
	return n, translate(err, "count unprocessed events")
}
