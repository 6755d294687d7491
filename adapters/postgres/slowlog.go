package postgres

import (
	"context"
	"log/slog"
	"regexp"
	"strings"
	"time"

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

// AfterQuery logs e if it took the threshold or longer. The statements
// sent past bun's hooks (the payment's lock and save, tx.send) come here
// too.
func (h *slowQueries) AfterQuery(ctx context.Context, e *bun.QueryEvent) {
	took := time.Since(e.StartTime)
	if took < h.threshold {
		return
	}
	attrs := []any{"ms", float64(took.Microseconds()) / 1000, "operation", e.Operation(), "query", loggedQuery(e.Query)}
	if e.Err != nil {
		attrs = append(attrs, "err", e.Err.Error())
	}
	h.logger.WarnContext(ctx, "slow query", attrs...)
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
