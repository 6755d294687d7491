package application

import (
	"context"
	"strings"

	"upgrades/domain"
)

// Actor is who takes an action the audit trail keeps: an owner signed in
// on the web (ID), or an operator at the command line (CommandLine). The
// zero Actor is nobody, and is refused.
type Actor struct {
	ID  domain.UserID
	CLI bool
}

// CommandLine is the operator running the upgrades command.
var CommandLine = Actor{CLI: true}

// authorizeOwner lets the command line and owners act; anyone else is
// refused with what they may not do.
func authorizeOwner(ctx context.Context, s Store, by Actor, what string) error {
	if by.CLI {
		return nil
	}
	actor, err := requireUser(ctx, s, by.ID)
	if err != nil {
		return err
	}
	if !actor.IsOwner() {
		return domain.Errorf(domain.KindForbidden, "only owners can %s", what)
	}
	return nil
}

// Audit keeps the trail of people's actions. Record is called in the unit
// of work of the action it describes, so that both or neither are kept.
type Audit interface {
	// Record stores an entry and assigns its id.
	Record(ctx context.Context, e *domain.AuditEntry) error
	// List returns the entries q selects, newest first.
	List(ctx context.Context, q AuditQuery) ([]AuditRow, error)
}

// AuditQuery selects audit entries. Zero fields do not filter.
type AuditQuery struct {
	ActorName   string // exact, ignoring case
	CommandLine bool   // only the command line's entries
	Action      domain.AuditAction
	Subject     string
	Window
}

// AuditRow is an entry with its actor's name ("" for the command line).
type AuditRow struct {
	Entry     domain.AuditEntry
	ActorName string
}

// record adds the entry of an action by, on subject, to the trail in the
// unit of work of s.
func record(ctx context.Context, s Store, clock Clock, action domain.AuditAction, by Actor, subject, reason string) error {
	e, err := newEntry(action, by, subject, reason, clock)
	if err != nil {
		return err
	}
	return s.Audit.Record(ctx, &e)
}

func newEntry(action domain.AuditAction, by Actor, subject, reason string, clock Clock) (domain.AuditEntry, error) {
	return domain.NewAuditEntry(action, by.ID, subject, reason, clock.Now())
}

// ListAudit reads a page of the audit trail, newest first (owners only).
type ListAudit struct {
	ViewerID domain.UserID
	Filter   AuditFilter
	Page     string // as typed: empty, a number up to MaxPageNumber, b<id> or a<id>
	Limit    int    // 1 to MaxPageSize; 0 is DefaultPageSize
}

// AuditFilter is the audit page's search form, as typed. Actor "cli" is
// the command line.
type AuditFilter struct{ Actor, Action, Subject string }

// AuditList is one page of the trail.
type AuditList = Paged[AuditRow]

type ListAuditHandler struct{ uow UnitOfWork }

func NewListAuditHandler(uow UnitOfWork) ListAuditHandler { return ListAuditHandler{uow} }

func (h ListAuditHandler) Handle(ctx context.Context, cmd ListAudit) (AuditList, error) {
	page, limit, err := pageRequest(cmd.Page, cmd.Limit)
	if err != nil {
		return AuditList{}, err
	}
	q, err := cmd.Filter.query()
	if err != nil {
		return AuditList{}, err
	}
	q.Window = page.window(limit)
	var list AuditList
	err = h.uow.Do(ctx, func(ctx context.Context, s Store) error {
		if err := authorizeOwner(ctx, s, Actor{ID: cmd.ViewerID}, "read the audit trail"); err != nil {
			return err
		}
		rows, err := s.Audit.List(ctx, q)
		if err != nil {
			return err
		}
		list = paginate(page, limit, rows, func(r AuditRow) int64 { return r.Entry.ID() })
		return nil
	})
	return list, err
}

// query turns the search form into the store's query, without its window.
func (f AuditFilter) query() (AuditQuery, error) {
	var q AuditQuery
	switch actor := strings.TrimSpace(f.Actor); {
	case strings.EqualFold(actor, "cli"):
		q.CommandLine = true
	case actor != "":
		if err := domain.ValidateUserName(actor); err != nil {
			return q, domain.Errorf(domain.KindInvalid, "actor: %s", domain.MessageOf(err))
		}
		q.ActorName = actor
	}
	if a := strings.TrimSpace(f.Action); a != "" {
		var err error
		if q.Action, err = domain.ParseAuditAction(a); err != nil {
			return q, err
		}
	}
	if sub := strings.TrimSpace(f.Subject); sub != "" {
		if err := domain.ValidateAuditSubject(sub); err != nil {
			return q, err
		}
		q.Subject = sub
	}
	return q, nil
}
