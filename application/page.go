package application

import (
	"slices"
	"strconv"
	"strings"

	"upgrades/domain"
)

// MaxPageNumber is the deepest numbered page of any list. A numbered page
// is read with an OFFSET, whose cost grows with the page; past this one
// the lists are read by id (keyset pages), which costs the same at any
// depth.
const MaxPageNumber = 1000

// Page sizes of every list.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// Page is a page of a list, newest first, as asked for: a number from 1,
// or the rows older than an id (Before, written b<id>) or newer than one
// (After, written a<id>). The zero Page is the first.
type Page struct {
	Number        int
	Before, After int64
}

// ParsePage reads the page parameter of a list: empty (the first page),
// a number up to MaxPageNumber, b<id> or a<id>.
func ParsePage(s string) (Page, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Page{Number: 1}, nil
	}
	if k := s[0]; k == 'a' || k == 'b' {
		id, err := strconv.ParseInt(s[1:], 10, 64)
		if err != nil || id < 1 || s[1] == '+' {
			return Page{}, domain.Errorf(domain.KindMalformed, "page %q: b<id> and a<id> take a positive id", s)
		}
		if k == 'b' {
			return Page{Before: id}, nil
		}
		return Page{After: id}, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return Page{}, domain.Errorf(domain.KindMalformed, "page must be a number from 1, or b<id> or a<id>")
	}
	if n > MaxPageNumber {
		return Page{}, domain.Errorf(domain.KindInvalid,
			"pages are numbered up to %d; deeper ones are read by id: page=b<id> lists the ones older than id, page=a<id> the newer ones",
			MaxPageNumber)
	}
	return Page{Number: n}, nil
}

// String is the page as the page parameter writes it; the zero Page is "".
func (p Page) String() string {
	switch {
	case p.Before > 0:
		return "b" + strconv.FormatInt(p.Before, 10)
	case p.After > 0:
		return "a" + strconv.FormatInt(p.After, 10)
	case p.Number > 0:
		return strconv.Itoa(p.Number)
	}
	return ""
}

// IsZero says there is no such page (no link to draw).
func (p Page) IsZero() bool { return p == Page{} }

// IsFirst says p is numbered page 1.
func (p Page) IsFirst() bool { return p.Number == 1 }

// Window is the part of a list, newest first, that a store reads for a
// page: Limit rows after skipping Offset of them, or the Limit rows with
// ids just below Before, or the Limit rows with ids just above After. For
// After the store returns the rows nearest After first (oldest first):
// the pager turns them around. A zero Limit reads to the end.
type Window struct {
	Offset, Limit int
	Before, After int64
}

// window is what a store reads for page p of limit rows: one row more,
// which tells whether there is another page beyond.
func (p Page) window(limit int) Window {
	if p.Number == 0 && p.Before == 0 && p.After == 0 {
		p.Number = 1
	}
	w := Window{Limit: limit + 1, Before: p.Before, After: p.After}
	if p.Number > 0 {
		w.Offset = (p.Number - 1) * limit
	}
	return w
}

// Paged is one page of a list, newest first, with the pages beside it:
// Prev (newer) and Next (older), zero when there is none.
type Paged[T any] struct {
	Items      []T
	Page       Page
	Limit      int
	Prev, Next Page
}

// HasMore says there are older rows than this page's.
func (l Paged[T]) HasMore() bool { return !l.Next.IsZero() }

// paginate makes page p of limit rows from the rows a store read for
// p.window(limit); id is a row's id, by which the list is ordered.
func paginate[T any](p Page, limit int, rows []T, id func(T) int64) Paged[T] {
	if p.IsZero() {
		p.Number = 1
	}
	more := len(rows) > limit
	if more {
		rows = rows[:limit]
	}
	l := Paged[T]{Page: p, Limit: limit}
	if p.After > 0 {
		// Read oldest first from After: the extra row was a newer one.
		slices.Reverse(rows)
	}
	l.Items = rows
	newest, oldest := func() int64 { return id(rows[0]) }, func() int64 { return id(rows[len(rows)-1]) }
	switch {
	case p.Number > 0:
		if p.Number > 1 {
			l.Prev = Page{Number: p.Number - 1}
		}
		if more && p.Number < MaxPageNumber {
			l.Next = Page{Number: p.Number + 1}
		} else if more {
			l.Next = Page{Before: oldest()}
		}
	case p.Before > 0:
		// Reached from a newer page: there is one to go back to.
		switch {
		case len(rows) > 0:
			l.Prev = Page{After: newest()}
		case p.Before > 1:
			l.Prev = Page{After: p.Before - 1}
		default:
			l.Prev = Page{Number: 1}
		}
		if more {
			l.Next = Page{Before: oldest()}
		}
	case p.After > 0:
		if more {
			l.Prev = Page{After: newest()}
		}
		if len(rows) > 0 {
			l.Next = Page{Before: oldest()}
		} else {
			l.Next = Page{Before: p.After + 1}
		}
	}
	return l
}

// pageRequest reads a list's page and limit, as typed, with their
// defaults.
func pageRequest(page string, limit int) (Page, int, error) {
	p, err := ParsePage(page)
	if err != nil {
		return Page{}, 0, err
	}
	if limit == 0 {
		limit = DefaultPageSize
	}
	if limit < 1 || limit > MaxPageSize {
		return Page{}, 0, domain.Errorf(domain.KindMalformed, "limit must be between 1 and %d", MaxPageSize)
	}
	return p, limit, nil
}
