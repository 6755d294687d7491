package postgres

import (
	"context"
	"sync"

	"github.com/uptrace/bun"

	"upgrades/application"
)

// RecordQueries makes db remember the SQL of every query it runs, so that
// a test can ask PostgreSQL how it plans them. The function it returns
// hands over the queries recorded since its last call.
func RecordQueries(db *DB) func() []string {
	r := &queryRecorder{}
	db.bun.AddQueryHook(r)
	return func() []string {
		r.mu.Lock()
		defer r.mu.Unlock()
		out := r.queries
		r.queries = nil
		return out
	}
}

type queryRecorder struct {
	mu      sync.Mutex
	queries []string
}

func (r *queryRecorder) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

func (r *queryRecorder) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.queries = append(r.queries, e.Query)
}

// Exec runs a raw statement in the unit of work of s.
func Exec(ctx context.Context, s application.Store, query string) error {
	_, err := s.Events.(events).db.NewRaw(query).Exec(ctx)
	return err
}

// ErrAfterSave refuses a statement after Outcomes.Save.
var ErrAfterSave = errAfterSave

// BackendPID is the process id of the PostgreSQL backend of a pooled
// connection: with a pool of one, the same number means the same
// connection.
func BackendPID(t interface{ Fatal(...any) }, db *DB) int {
	var pid int
	if err := db.bun.NewRaw("SELECT pg_backend_pid()").Scan(context.Background(), &pid); err != nil {
		t.Fatal(err)
	}
	return pid
}
