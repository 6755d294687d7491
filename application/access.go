package application

import (
	"context"

	"upgrades/domain"
)

// requireUser reads the user a request acts for; nobody logged in, or an
// account that no longer exists, is unauthenticated.
func requireUser(ctx context.Context, s Store, id domain.UserID) (*domain.User, error) {
	if id == 0 {
		return nil, domain.Errorf(domain.KindUnauthenticated, "log in first")
	}
	u, err := s.Users.ByID(ctx, id)
	if domain.IsKind(err, domain.KindNotFound) {
		return nil, domain.Errorf(domain.KindUnauthenticated, "log in first")
	}
	return u, err
}
