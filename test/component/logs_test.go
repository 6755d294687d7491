package component

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"go.uber.org/fx"

	httpadapter "upgrades/adapters/http"
	"upgrades/domain"
)

// Every line logged while serving a purchase, the Stripe calls it makes
// included, carries the purchase's request id, as the server's logger
// (server.NewLogger) adds it.
func TestAPurchasesLogLinesCarryItsRequestID(t *testing.T) {
	e := start(t, nil, fx.Decorate(func(l *slog.Logger) *slog.Logger {
		return slog.New(httpadapter.WithRequestIDs(l.Handler()))
	}))
	alice := e.user("alice", domain.LevelMember)
	c := e.api(alice)
	c.header.Set("X-Request-Id", "buy-123")
	c.json("POST", "/user_upgrades.json", map[string]any{"upgrade_type": "gold"}).status(http.StatusCreated)

	var stripeCalls, ours int
	for _, line := range strings.Split(strings.TrimSpace(e.logs.String()), "\n") {
		var l struct {
			Msg, Component, Path string
			RequestID            string `json:"request_id"`
		}
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		if l.Msg == "stripe call" {
			stripeCalls++
			if l.RequestID != "buy-123" {
				t.Errorf("a Stripe call without the purchase's request id: %s", line)
			}
		}
		if l.RequestID == "buy-123" {
			ours++
		}
	}
	if stripeCalls == 0 || ours <= stripeCalls {
		t.Fatalf("%d Stripe call lines, %d lines of the purchase, want both the calls and the access line:\n%s", stripeCalls, ours, e.logs.String())
	}
}
