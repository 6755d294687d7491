package postgres

import (
	"context"
	"log/slog"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/uptrace/bun"
)

// maxLoggedQuery bounds the statement a slow query line carries.
const maxLoggedQuery = 300

// LogSlowQueries logs at warn every query that takes threshold or longer,
// with the context it ran in (so a request's queries carry its request
// id); zero or less logs none.
func (db *DB) LogSlowQueries(l *slog.Logger, threshold time.Duration) {
	if threshold > 0 {
		db.slow = &slowQueries{l, threshold}
		db.bun.AddQueryHook(db.slow)
	}
}

type slowQueries struct {
	logger    *slog.Logger
	threshold time.Duration
}

var _ bun.QueryHook = (*slowQueries)(nil)

func (*slowQueries) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

func (h *slowQueries) AfterQuery(ctx context.Context, e *bun.QueryEvent) {
	h.log(ctx, e.StartTime, e.Operation(), e.Query, e.Err)
}

// log logs a query that started at start if it took the threshold or
// longer, with its operation (its first word when op is ""); a nil h logs
// none. Statements sent past bun's hooks (the
// payment's lock and save) are logged here too.
func (h *slowQueries) log(ctx context.Context, start time.Time, op, query string, err error) {
	if h == nil {
		return
	}
	took := time.Since(start)
	if took < h.threshold {
		return
	}
	if op == "" {
		op = operation(query)
	}
	attrs := []any{"ms", float64(took.Microseconds()) / 1000, "operation", op, "query", loggedQuery(query)}
	if err != nil {
		attrs = append(attrs, "err", err.Error())
	}
	h.logger.WarnContext(ctx, "slow query", attrs...)
}

// operation is a statement's first word, as bun names its operation.
func operation(query string) string {
	query = strings.TrimSpace(query)
	if i := strings.IndexFunc(query, unicode.IsSpace); i > 0 {
		return query[:i]
	}
	return query
}

// quoted matches SQL string literals, ” escapes included.
var quoted = regexp.MustCompile(`'(?:[^']|'')*'`)

// loggedQuery is the statement on one line, without its values and
// trimmed: bun writes the arguments into the SQL text, and they include
// password hashes, emails and raw webhook payloads.
func loggedQuery(q string) string {
	q = strings.Join(strings.Fields(quoted.ReplaceAllString(q, "'…'")), " ")
	if r := []rune(q); len(r) > maxLoggedQuery {
		q = string(r[:maxLoggedQuery-1]) + "…"
	}
	return q
}
