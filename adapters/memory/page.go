package memory

import "upgrades/application"

// window cuts a list's rows, sorted newest first, to what w asks for, as
// the database does: rows older than Before, or newer than After (nearest
// first), or Limit of them after Offset.
func window[T any](rows []T, id func(T) int64, w application.Window) []T {
	var out []T
	switch {
	case w.Before > 0:
		for _, r := range rows {
			if id(r) < w.Before {
				out = append(out, r)
			}
		}
	case w.After > 0:
		for i := len(rows) - 1; i >= 0; i-- {
			if id(rows[i]) > w.After {
				out = append(out, rows[i])
			}
		}
	default:
		if w.Offset < len(rows) {
			out = rows[w.Offset:]
		}
	}
	if w.Limit > 0 && len(out) > w.Limit {
		out = out[:w.Limit]
	}
	return out
}
