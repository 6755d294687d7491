package domain

import (
	"strings"
	"time"
)

// MessageID identifies a message.
type MessageID int64

// Message is an in-app notification to one user.
type Message struct {
	ID        MessageID
	UserID    UserID
	Body      string
	CreatedAt time.Time
}

// NewMessage validates a message to a user.
func NewMessage(to UserID, body string, now time.Time) (*Message, error) {
	body = strings.TrimSpace(body)
	if to == 0 || body == "" {
		return nil, Errorf(KindInvalid, "a message needs a recipient and a body")
	}
	return &Message{UserID: to, Body: body, CreatedAt: now}, nil
}
