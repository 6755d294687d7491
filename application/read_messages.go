package application

import (
	"context"

	"upgrades/domain"
)

// ReadMessages lists a user's own messages, newest first, and marks them
// read: the list shows which were unread until now.
type ReadMessages struct {
	UserID domain.UserID
	Limit  int
}

type ReadMessagesHandler struct {
	uow   UnitOfWork
	clock Clock
}

func NewReadMessagesHandler(uow UnitOfWork, clock Clock) ReadMessagesHandler {
	return ReadMessagesHandler{uow, clock}
}

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
		if msgs, err = s.Messages.ForUser(ctx, cmd.UserID, limit); err != nil {
			return err
		}
		ids := make([]domain.MessageID, len(msgs))
		for i, m := range msgs {
			ids[i] = m.ID
		}
		return s.Messages.MarkRead(ctx, cmd.UserID, ids, h.clock.Now())
	})
	return msgs, err
}
