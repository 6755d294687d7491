package stripesim

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// form is a Stripe-style request body or query: nested parameters written
// as a[b][0][c]=v, arrays as expand[]=x or expand[0]=x.
type form struct {
	values url.Values
	keys   []string // sorted, for stable error messages
}

func newForm(v url.Values) form {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return form{values: v, keys: keys}
}

// path splits a key into its segments: "a[b][0]" is ["a", "b", "0"].
// ok is false for a key that is not well formed.
func path(key string) (segs []string, ok bool) {
	head, rest, _ := strings.Cut(key, "[")
	if head == "" {
		return nil, false
	}
	segs = append(segs, head)
	if rest == "" {
		return segs, !strings.Contains(key, "[")
	}
	rest = "[" + rest
	for rest != "" {
		if rest[0] != '[' {
			return nil, false
		}
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return nil, false
		}
		segs = append(segs, rest[1:end])
		rest = rest[end+1:]
	}
	return segs, true
}

// get returns a single value and whether it was sent.
func (f form) get(key string) (string, bool) {
	v, ok := f.values[key]
	if !ok || len(v) == 0 {
		return "", false
	}
	return v[len(v)-1], true
}

// list reads an array parameter such as expand[] or expand[0].
func (f form) list(name string) []string {
	var out []string
	for _, k := range f.keys {
		segs, ok := path(k)
		if ok && segs[0] == name && len(segs) == 2 {
			out = append(out, f.values[k]...)
		}
	}
	return out
}

// hash reads a hash parameter such as metadata[key]=value under prefix
// (the segments before the key).
func (f form) hash(prefix ...string) map[string]string {
	out := map[string]string{}
	for _, k := range f.keys {
		segs, ok := path(k)
		if ok && len(segs) == len(prefix)+1 && slices.Equal(segs[:len(prefix)], prefix) {
			out[segs[len(prefix)]], _ = f.get(k)
		}
	}
	return out
}

// unknown returns the first parameter that allowed does not accept.
// allowed is given the key's segments.
func (f form) unknown(allowed func(segs []string) bool) (string, bool) {
	for _, k := range f.keys {
		segs, ok := path(k)
		if !ok || !allowed(segs) {
			return k, true
		}
	}
	return "", false
}

// int parses an integer parameter; ok says whether it was sent.
func (f form) int(key string) (n int64, ok bool, _ *apiError) {
	s, ok := f.get(key)
	if !ok {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, true, invalidParam(key, fmt.Sprintf("Invalid integer: %s", s))
	}
	return n, true, nil
}
