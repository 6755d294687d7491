package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
)

// conn is what the repositories ask of the database: bun's builders, whose
// statements run on the pool (Read) or in a unit of work's transaction.
type conn interface {
	NewSelect() *bun.SelectQuery
	NewInsert() *bun.InsertQuery
	NewUpdate() *bun.UpdateQuery
	NewRaw(query string, args ...any) *bun.RawQuery
}

var (
	_ conn      = (*bun.DB)(nil)
	_ conn      = (*tx)(nil)
	_ bun.IConn = (*tx)(nil)
)

// beginStatement opens a unit of work's transaction. Read committed is
// enough because every decision is taken on rows locked with SELECT ...
// FOR UPDATE, and it never aborts a transaction for a serialization
// conflict.
const beginStatement = "BEGIN ISOLATION LEVEL READ COMMITTED"

// tx is a unit of work's transaction on one connection of the pool. Its
// BEGIN waits for its first statement: it goes in the same message when
// that is the payment's lock (send), else just before it; a unit of work
// that sends nothing sends no BEGIN. The payment's save is held and sent
// in one message with the COMMIT. A fulfilment is then two round trips
// where database/sql's transaction takes four: BEGIN with the lock, the
// save with COMMIT. A tx belongs to the goroutine of its unit of work.
//
// Statements built by bun go through database/sql on the connection; the
// lock and the save go to pgx's own connection underneath, which reads
// every result of a message (database/sql reads only the first) and does
// not scan bun's finished SQL for placeholders.
type tx struct {
	db    *DB
	conn  *sql.Conn
	begun bool // BEGIN was sent
	// held is the save to send with the COMMIT, and what to do with its
	// answer; nil when there is none.
	held *heldSave
}

// heldSave is a statement sent with the COMMIT. read takes its answer,
// saved is called once it is committed, and failed turns an error of the
// message into the application's terms. PostgreSQL commits what the
// statement did whatever read makes of its answer: what must hold for
// the commit is checked inside the statement.
type heldSave struct {
	query  string
	read   func(pgx.Rows) error
	saved  func()
	failed func(error) error
}

// errAfterSave refuses a statement after the save, which ends a unit of
// work: it would run before the save, which is sent with the COMMIT.
var errAfterSave = errors.New("postgres: a statement after Outcomes.Save, which ends its unit of work")

// before is called ahead of every statement that goes through database/sql:
// it sends BEGIN when the transaction has not begun.
func (t *tx) before(ctx context.Context) error {
	if t.held != nil {
		return errAfterSave
	}
	if t.begun {
		return nil
	}
	t.begun = true // whatever happens now, end it with a ROLLBACK
	if _, err := t.conn.ExecContext(ctx, beginStatement); err != nil {
		return translate(err, "begin")
	}
	return nil
}

func (t *tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := t.before(ctx); err != nil {
		return nil, err
	}
	return t.conn.QueryContext(ctx, query, args...)
}

func (t *tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := t.before(ctx); err != nil {
		return nil, err
	}
	return t.conn.ExecContext(ctx, query, args...)
}

// QueryRowContext is part of bun's connection; the repositories do not use
// it. A *sql.Row carries an error only from database/sql itself, so one
// that cannot begin is asked for with a cancelled context, which fails it
// before anything is sent.
func (t *tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if err := t.before(ctx); err != nil {
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		ctx = cancelled
	}
	return t.conn.QueryRowContext(ctx, query, args...)
}

func (t *tx) NewSelect() *bun.SelectQuery { return bun.NewSelectQuery(t.db.bun).Conn(t) }
func (t *tx) NewInsert() *bun.InsertQuery { return bun.NewInsertQuery(t.db.bun).Conn(t) }
func (t *tx) NewUpdate() *bun.UpdateQuery { return bun.NewUpdateQuery(t.db.bun).Conn(t) }
func (t *tx) NewRaw(query string, args ...any) *bun.RawQuery {
	return bun.NewRawQuery(t.db.bun, query, args...).Conn(t)
}

// sql is the text of a statement built by bun, written into a buffer
// made big enough for it at once (an event's payload, the biggest value,
// takes about its length) rather than grown as it is written.
func (t *tx) sql(query string, args ...any) (string, error) {
	size := len(query)
	for _, a := range args {
		switch a := a.(type) {
		case byteaLiteral:
			size += len(a) + len(a)/8
		case string:
			size += len(a) + 2
		default:
			size += 32
		}
	}
	b, err := bun.NewRawQuery(t.db.bun, query, args...).AppendQuery(t.db.bun.QueryGen(), make([]byte, 0, size))
	return string(b), err
}

// send sends query in one message, after BEGIN when the transaction has
// not begun and before COMMIT when commit is set, and hands read the
// query's rows. It fails with the first error of the message; PostgreSQL
// runs nothing of a message after an error in it, a COMMIT included.
func (t *tx) send(ctx context.Context, query string, commit bool, read func(pgx.Rows) error) error {
	var stmts []string
	if !t.begun {
		stmts = append(stmts, beginStatement)
		t.begun = true
	}
	at := len(stmts)
	stmts = append(stmts, query)
	if commit {
		stmts = append(stmts, "COMMIT")
	}
	msg := strings.Join(stmts, ";\n")
	start := time.Now()
	err := t.conn.Raw(func(driverConn any) error {
		c := driverConn.(*stdlib.Conn).Conn()
		results := c.PgConn().Exec(ctx, msg)
		var readErr error
		for i := 0; results.NextResult(); i++ {
			if i != at {
				continue // BEGIN's and COMMIT's results are read by Close
			}
			rows := pgx.RowsFromResultReader(c.TypeMap(), results.ResultReader())
			if err := read(rows); err != nil && readErr == nil {
				readErr = err
			}
			rows.Close()
			if err := rows.Err(); err != nil && readErr == nil {
				readErr = err
			}
		}
		if err := results.Close(); err != nil {
			if c.IsClosed() {
				// database/sql drops a connection whose use ends so.
				return errors.Join(err, driver.ErrBadConn)
			}
			return err
		}
		return readErr
	})
	if slow := t.db.slow; slow != nil {
		slow.AfterQuery(ctx, &bun.QueryEvent{StartTime: start, Query: query, Err: err})
	}
	return err
}

// end commits (with the held save, if any) or rolls back, and returns the
// connection to the pool.
func (t *tx) end(ctx context.Context, commit bool) error {
	defer t.conn.Close()
	switch {
	case !t.begun:
		return nil // nothing was sent
	case !commit:
		return t.rollback(ctx)
	case t.held == nil:
		if _, err := t.conn.ExecContext(ctx, "COMMIT"); err != nil {
			return translate(err, "commit")
		}
		return nil
	}
	h := t.held
	t.held = nil
	if err := t.send(ctx, h.query, true, h.read); err != nil {
		_ = t.rollback(ctx) // the save failed, and so the COMMIT was not run
		return h.failed(err)
	}
	h.saved()
	return nil
}

// rollback ends the transaction without its changes. It is sent even when
// ctx is done (the unit of work may end because of it), but not for long:
// a connection that cannot be rolled back is closed, which rolls it back.
func (t *tx) rollback(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
	defer cancel()
	if _, err := t.conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		_ = t.conn.Raw(func(any) error { return driver.ErrBadConn }) // closes it
		return translate(err, "rollback")
	}
	return nil
}

// rollbackTimeout bounds a ROLLBACK sent after the unit of work's own
// context is done.
const rollbackTimeout = 5 * time.Second

// scanModels reads the current row's columns from skip on into the
// fields of the bun models that models point to, in the order of their
// tables' fields. The simple protocol sends every value as text, which
// each field's own bun scanner parses, as bun reads the rows of its own
// driver, rather than pgx planning a scan for every column of every row
// and a pointer allocated per column to tell NULL. A NULL leaves a field
// at its zero value, as bun does.
func (t *tx) scanModels(rows pgx.Rows, skip int, models ...any) error {
	raw := rows.RawValues()
	fds := rows.FieldDescriptions()
	i := skip
	for _, m := range models {
		v := reflect.ValueOf(m).Elem()
		for _, f := range t.db.bun.Table(v.Type()).Fields {
			switch {
			case i >= len(raw):
				return fmt.Errorf("postgres: %d columns, fewer than the models' fields", len(raw))
			case fds[i].Format != pgx.TextFormatCode:
				return fmt.Errorf("postgres: column %s is not in the text format", fds[i].Name)
			case raw[i] != nil:
				if err := f.ScanValue(v, raw[i]); err != nil {
					return fmt.Errorf("postgres: column %s: %w", fds[i].Name, err)
				}
			}
			i++
		}
	}
	if i != len(raw) {
		return fmt.Errorf("postgres: %d columns, more than the models' fields", len(raw))
	}
	return nil
}

// onlyRow reads the one row of a statement with scan.
func onlyRow(scan func(pgx.Rows) error) func(pgx.Rows) error {
	return func(rows pgx.Rows) error {
		if !rows.Next() {
			if err := rows.Err(); err != nil {
				return err
			}
			return fmt.Errorf("postgres: the statement answered no row")
		}
		return scan(rows)
	}
}
