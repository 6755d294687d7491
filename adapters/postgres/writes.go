package postgres

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/uptrace/bun/schema"
)

// writes holds a unit of work's writes whose answer nobody reads (an
// update, a history entry, a message, an event's outcome) and sends them
// to PostgreSQL together, as one multi-statement query, before the next
// read and before COMMIT. A fulfilment's five writes then cost one round
// trip instead of five: less time with the upgrade locked, and much less
// when the database is across a network.
//
// A held write that PostgreSQL refuses fails the flush, and with it the
// unit of work, exactly as it would have failed alone: the statements run
// in the transaction in order, and the first refusal aborts it. Held
// writes report no row counts; each is about a row the unit of work has
// just read, locked or created, and rows are never deleted.
type writes struct {
	tx   *sql.Tx
	gen  schema.QueryGen
	held []heldWrite
}

type heldWrite struct {
	sql []byte
	// explain turns a refusal of this write into the application's terms,
	// or returns nil when the refusal is not about this write.
	explain func(error) error
}

// hold formats q now (its values are copied into the SQL) and sends it
// with the next flush.
func (w *writes) hold(q schema.QueryAppender, explain func(error) error) error {
	b, err := q.AppendQuery(w.gen, nil)
	if err != nil {
		return fmt.Errorf("postgres: formatting a write: %w", err)
	}
	w.held = append(w.held, heldWrite{b, explain})
	return nil
}

// flush sends the held writes, if any.
func (w *writes) flush(ctx context.Context) error {
	if len(w.held) == 0 {
		return nil
	}
	held := w.held
	w.held = nil
	var batch []byte
	for i, h := range held {
		if i > 0 {
			batch = append(batch, ";\n"...)
		}
		batch = append(batch, h.sql...)
	}
	// Straight to database/sql: bun would read the ? of a value (a message
	// that asks a question) as a placeholder.
	_, err := w.tx.ExecContext(ctx, string(batch))
	if err == nil {
		return nil
	}
	for _, h := range held {
		if h.explain == nil {
			continue
		}
		if e := h.explain(err); e != nil {
			return e
		}
	}
	return translate(err, "write")
}
