package postgres

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"upgrades/domain"
)

func TestTranslateSortsErrorsByKind(t *testing.T) {
	pg := func(code string) error { return fmt.Errorf("query: %w", &pgconn.PgError{Code: code, Message: "x"}) }
	for _, c := range []struct {
		name string
		err  error
		want domain.Kind
	}{
		{"connection failure", pg("08006"), domain.KindUnavailable},
		{"connection refused by the server", pg("08004"), domain.KindUnavailable},
		{"admin shutdown", pg("57P01"), domain.KindUnavailable},
		{"crash shutdown", pg("57P02"), domain.KindUnavailable},
		{"cannot connect now", pg("57P03"), domain.KindUnavailable},
		{"too many connections", pg("53300"), domain.KindUnavailable},
		{"deadlock", pg("40P01"), domain.KindUnavailable},
		{"serialization failure", pg("40001"), domain.KindUnavailable},
		{"bad connection", driver.ErrBadConn, domain.KindUnavailable},
		{"connection cut", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), domain.KindUnavailable},
		{"unique violation", pg("23505"), domain.KindInternal},
		{"syntax error", pg("42601"), domain.KindInternal},
		{"query cancelled by the caller", context.Canceled, domain.KindInternal},
		{"a domain error passes through", domain.Errorf(domain.KindNotFound, "gone"), domain.KindNotFound},
	} {
		got := translate(c.err, "test")
		if domain.KindOf(got) != c.want {
			t.Errorf("%s: kind %s, want %s", c.name, domain.KindOf(got), c.want)
		}
		if !errors.Is(got, c.err) && c.want != domain.KindNotFound {
			t.Errorf("%s: the cause is lost: %v", c.name, got)
		}
	}
	if translate(nil, "test") != nil {
		t.Error("translate(nil) is not nil")
	}
}

func TestConstraintErrorNamesTheConstraint(t *testing.T) {
	err := fmt.Errorf("insert: %w", &pgconn.PgError{Code: uniqueViolation, ConstraintName: "users_name_lower_key"})
	if got := constraintError(err, uniqueViolation); got != "users_name_lower_key" {
		t.Errorf("constraintError = %q", got)
	}
	if got := constraintError(err, foreignKeyViolation); got != "" {
		t.Errorf("a unique violation read as a foreign key one: %q", got)
	}
	if got := constraintError(errors.New("other"), uniqueViolation); got != "" {
		t.Errorf("constraintError of a plain error = %q", got)
	}
}
