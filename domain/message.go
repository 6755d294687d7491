package domain

import (
	"strings"
	"time"
)

// MessageID identifies a message.
type MessageID int64

// Message is an in-app notification to one user.
type Message struct {
	ID     MessageID
	UserID UserID
	// UpgradeID is the upgrade the message is about, which it links to;
	// 0 for one about no upgrade of the shop.
	UpgradeID UpgradeID
	Body      string
	CreatedAt time.Time
	// ReadAt is when its user first saw it; zero while unread.
	ReadAt time.Time
}

// Unread reports whether its user has not seen it yet.
func (m *Message) Unread() bool { return m.ReadAt.IsZero() }

// NewMessage validates a message to a user.
func NewMessage(to UserID, body string, now time.Time) (*Message, error) {
	body = strings.TrimSpace(body)
	if to == 0 || body == "" {
		return nil, Errorf(KindInvalid, "a message needs a recipient and a body")
	}
	return &Message{UserID: to, Body: body, CreatedAt: now}, nil
}
