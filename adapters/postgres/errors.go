package postgres

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"upgrades/domain"
)

// SQLSTATE codes the adapter acts on.
const (
	uniqueViolation     = "23505"
	foreignKeyViolation = "23503"
	noDataFound         = "P0002" // raised by must_save
)

// translate turns a driver error into the error the application expects:
// an unreachable database is domain.KindUnavailable, anything else is
// internal with its cause kept for the logs. op names what was being done.
func translate(err error, op string) error {
	switch {
	case err == nil:
		return nil
	case isUnavailable(err):
		return domain.WrapError(domain.KindUnavailable, err, "the database is unavailable")
	case isBusy(err):
		return domain.WrapError(domain.KindUnavailable, err, "the database is busy; try again")
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// constraintError returns the name of the constraint err violated when it
// is a violation of kind code (a SQLSTATE), or "".
func constraintError(err error, code string) string {
	var pg *pgconn.PgError
	if errors.As(err, &pg) && pg.Code == code {
		return pg.ConstraintName
	}
	return ""
}

// isUnavailable reports whether err means the database cannot be reached or
// is going away, as opposed to a query it refused.
func isUnavailable(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch {
		case strings.HasPrefix(pg.Code, "08"): // connection exception
			return true
		case pg.Code == "57P01", pg.Code == "57P02", pg.Code == "57P03": // admin or crash shutdown, cannot connect now
			return true
		case pg.Code == "53300": // too many connections
			return true
		}
		return false
	}
	var connect *pgconn.ConnectError
	if errors.As(err, &connect) {
		return true // includes a deadline that ran out while connecting
	}
	var netErr net.Error
	return errors.As(err, &netErr) ||
		errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, io.EOF)
}

// isBusy reports a transaction PostgreSQL aborted to break a deadlock or a
// serialization conflict: nothing is wrong, and the same request succeeds
// when tried again.
func isBusy(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && (pg.Code == "40P01" || pg.Code == "40001")
}

// notFound is the error of a lookup that found no row.
func notFound(format string, args ...any) error {
	return domain.Errorf(domain.KindNotFound, format, args...)
}

// isNoRows reports a query that found nothing.
func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// mustAffect turns an update that changed no row into a not-found error:
// the row it was to change does not exist.
func mustAffect(res sql.Result, format string, args ...any) error {
	n, err := res.RowsAffected()
	if err != nil {
		return translate(err, "update")
	}
	if n == 0 {
		return notFound(format, args...)
	}
	return nil
}
