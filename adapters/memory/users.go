package memory

import (
	"context"
	"slices"
	"strings"

	"upgrades/application"
	"upgrades/domain"
)

type users DB

var _ application.Users = (*users)(nil)

func copyUser(u *domain.User) *domain.User {
	return domain.UnmarshalUserFromDatabase(u.ID(), u.Name(), u.Email(), u.PasswordHash(), u.APIKeyHash(), u.Level(), u.IsBanned(), u.CreatedAt()).
		WithSessionGeneration(u.SessionGeneration())
}

func (r *users) Create(_ context.Context, u *domain.User) error {
	for _, o := range r.users {
		if strings.EqualFold(o.Name(), u.Name()) {
			return domain.Errorf(domain.KindConflict, "the name %s is taken", u.Name())
		}
	}
	id := domain.UserID((*DB)(r).id("users"))
	u.AssignID(id)
	r.users[id] = copyUser(u)
	(*DB)(r).onRollback(func() { delete(r.users, id) })
	return nil
}

func (r *users) ByID(_ context.Context, id domain.UserID) (*domain.User, error) {
	u, ok := r.users[id]
	if !ok {
		return nil, domain.Errorf(domain.KindNotFound, "user %d not found", id)
	}
	return copyUser(u), nil
}

func (r *users) ByIDCountingUnread(ctx context.Context, id domain.UserID) (*domain.User, int, error) {
	u, err := r.ByID(ctx, id)
	if err != nil {
		return nil, 0, err
	}
	return u, (*messages)(r).unread(id), nil
}

func (r *users) ByName(_ context.Context, name string) (*domain.User, error) {
	for _, u := range r.users {
		if strings.EqualFold(u.Name(), name) {
			return copyUser(u), nil
		}
	}
	return nil, domain.Errorf(domain.KindNotFound, "no user is named %q", name)
}

func (r *users) LockByID(ctx context.Context, id domain.UserID) (*domain.User, error) {
	return r.ByID(ctx, id) // the unit of work already holds the only lock
}

func (r *users) Update(_ context.Context, u *domain.User) error {
	old, ok := r.users[u.ID()]
	if !ok {
		return domain.Errorf(domain.KindNotFound, "user %d not found", u.ID())
	}
	r.users[u.ID()] = copyUser(u)
	(*DB)(r).onRollback(func() { r.users[old.ID()] = old })
	return nil
}

func (r *users) Owners(context.Context) ([]*domain.User, error) {
	var out []*domain.User
	for _, u := range r.users {
		if u.IsOwner() {
			out = append(out, copyUser(u))
		}
	}
	slices.SortFunc(out, func(a, b *domain.User) int { return int(a.ID() - b.ID()) })
	return out, nil
}
