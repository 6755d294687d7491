package memory

import (
	"context"

	"upgrades/application"
	"upgrades/domain"
)

type resolutions DB

var _ application.Resolutions = (*resolutions)(nil)

func (r *resolutions) Resolve(_ context.Context, res application.Resolution) error {
	db := (*DB)(r)
	if _, done := db.resolutions[res.Subject]; done {
		return domain.Errorf(domain.KindConflict, "%s is resolved already", res.Subject)
	}
	if res.By != 0 && db.users[res.By] == nil {
		return domain.Errorf(domain.KindNotFound, "user %d not found", res.By)
	}
	if db.resolutions == nil {
		db.resolutions = map[string]application.Resolution{}
	}
	db.resolutions[res.Subject] = res
	db.onRollback(func() { delete(db.resolutions, res.Subject) })
	return nil
}

func (r *resolutions) Resolved(_ context.Context, subjects []string) (map[string]application.Resolution, error) {
	out := map[string]application.Resolution{}
	for _, s := range subjects {
		if res, ok := r.resolutions[s]; ok {
			out[s] = res
		}
	}
	return out, nil
}
