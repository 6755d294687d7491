package application

import (
	"context"

	"upgrades/domain"
)

// ReadMessages lists a user's own messages.
type ReadMessages struct {
	UserID domain.UserID
	Limit  int
}

type ReadMessagesHandler struct{ uow UnitOfWork }

func NewReadMessagesHandler(uow UnitOfWork) ReadMessagesHandler { return ReadMessagesHandler{uow} }

func (h ReadMessagesHandler) Handle(ctx context.Context, cmd ReadMessages) ([]*domain.Message, error) {
	limit := cmd.Limit
	if limit <= 0 || limit > 200 {
		limit = 200
	}
	var msgs []*domain.Message
	err := h.uow.Do(ctx, func(ctx context.Context, s Store) (err error) {
		if _, err = requireUser(ctx, s, cmd.UserID); err != nil {
			return err
		}
		msgs, err = s.Messages.ForUser(ctx, cmd.UserID, limit)
		return err
	})
	return msgs, err
}
