package application

import (
	"slices"
	"testing"

	"upgrades/domain"
)

func TestParsePage(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Page
		kind domain.Kind
	}{
		{"", Page{Number: 1}, 0},
		{"1", Page{Number: 1}, 0},
		{" 7 ", Page{Number: 7}, 0},
		{"1000", Page{Number: 1000}, 0},
		{"b42", Page{Before: 42}, 0},
		{"a42", Page{After: 42}, 0},
		{"1001", Page{}, domain.KindInvalid},
		{"99999999999999999999", Page{}, domain.KindMalformed},
		{"0", Page{}, domain.KindMalformed},
		{"-3", Page{}, domain.KindMalformed},
		{"b", Page{}, domain.KindMalformed},
		{"b0", Page{}, domain.KindMalformed},
		{"b-1", Page{}, domain.KindMalformed},
		{"b+1", Page{}, domain.KindMalformed},
		{"c42", Page{}, domain.KindMalformed},
		{"2x", Page{}, domain.KindMalformed},
	} {
		got, err := ParsePage(tc.in)
		if tc.want.IsZero() {
			if domain.KindOf(err) != tc.kind {
				t.Errorf("ParsePage(%q) = %v, want a %v error", tc.in, err, tc.kind)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParsePage(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
		if again, _ := ParsePage(got.String()); again != got {
			t.Errorf("%+v does not survive its own String %q", got, got.String())
		}
	}
}

// The links beside a page: numbered pages link numbered pages up to
// MaxPageNumber and continue by id beyond it.
func TestPaginateLinks(t *testing.T) {
	id := func(n int64) int64 { return n }
	for _, tc := range []struct {
		desc       string
		page       Page
		rows       []int64 // as the store returns them, one more than the limit when there is more
		items      []int64
		prev, next Page
	}{
		{"first of many", Page{Number: 1}, []int64{9, 8, 7}, []int64{9, 8}, Page{}, Page{Number: 2}},
		{"first and only", Page{Number: 1}, []int64{9, 8}, []int64{9, 8}, Page{}, Page{}},
		{"empty", Page{}, nil, nil, Page{}, Page{}},
		{"a middle one", Page{Number: 5}, []int64{9, 8, 7}, []int64{9, 8}, Page{Number: 4}, Page{Number: 6}},
		{"the last numbered", Page{Number: MaxPageNumber}, []int64{9, 8, 7}, []int64{9, 8}, Page{Number: MaxPageNumber - 1}, Page{Before: 8}},
		{"the last numbered, at the end", Page{Number: MaxPageNumber}, []int64{9}, []int64{9}, Page{Number: MaxPageNumber - 1}, Page{}},
		{"older than an id", Page{Before: 10}, []int64{9, 8, 7}, []int64{9, 8}, Page{After: 9}, Page{Before: 8}},
		{"older than an id, at the end", Page{Before: 10}, []int64{9}, []int64{9}, Page{After: 9}, Page{}},
		{"older than the oldest", Page{Before: 3}, nil, nil, Page{After: 2}, Page{}},
		{"newer than an id", Page{After: 5}, []int64{6, 7, 8}, []int64{7, 6}, Page{After: 7}, Page{Before: 6}},
		{"newer than an id, at the top", Page{After: 5}, []int64{6, 7}, []int64{7, 6}, Page{}, Page{Before: 6}},
		{"newer than the newest", Page{After: 9}, nil, nil, Page{}, Page{Before: 10}},
	} {
		l := paginate(tc.page, 2, slices.Clone(tc.rows), id)
		if !slices.Equal(l.Items, tc.items) || l.Prev != tc.prev || l.Next != tc.next {
			t.Errorf("%s: items %v prev %q next %q; want %v prev %q next %q", tc.desc, l.Items, l.Prev, l.Next, tc.items, tc.prev, tc.next)
		}
	}
}
