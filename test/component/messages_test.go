package component

import (
	"fmt"
	"net/http"
	"testing"

	"upgrades/domain"
)

// Every page names the unread messages in the navigation; the messages
// page shows which are new, links each to its upgrade, and marks them read.
func TestMessagesUnreadCountLinksAndReads(t *testing.T) {
	e := start(t, nil)
	alice := e.user("alice", domain.LevelMember)
	bob := e.user("bob", domain.LevelMember)
	gift := e.api(alice).buy("gold", bob.ID)
	e.pay(gift.ID)

	b := e.loggedIn(bob)
	count := `Messages <span class="badge count">1<span class="visually-hidden"> unread</span></span>`
	b.get("/upgrade").status(http.StatusOK).contains(count)
	link := fmt.Sprintf(`<a href="/user_upgrades/%d">See upgrade #%d</a>`, gift.ID, gift.ID)
	b.get("/messages").status(http.StatusOK).
		contains(`class="card unread"`, "New", "It is a gift from alice.", link).
		lacks(`class="badge count"`)
	// Seen once, they are read: no count, nothing new.
	b.get("/upgrade").status(http.StatusOK).lacks(`class="badge count"`)
	b.get("/messages").status(http.StatusOK).contains(link).lacks(`class="card unread"`)

	var out struct {
		Messages []struct {
			Body      string `json:"body"`
			UpgradeID *int64 `json:"upgrade_id"`
			Read      bool   `json:"read"`
		} `json:"messages"`
	}
	e.api(alice).get("/messages.json").status(http.StatusOK).decode(&out)
	if len(out.Messages) != 1 || out.Messages[0].UpgradeID == nil || *out.Messages[0].UpgradeID != gift.ID || out.Messages[0].Read {
		t.Fatalf("alice's first reading: %+v", out.Messages)
	}
	e.api(alice).get("/messages.json").status(http.StatusOK).decode(&out)
	if len(out.Messages) != 1 || !out.Messages[0].Read {
		t.Fatalf("alice's second reading: %+v", out.Messages)
	}
	// Someone with no messages sees no count.
	e.loggedIn(e.user("carol", domain.LevelMember)).get("/upgrade").status(http.StatusOK).lacks(`class="badge count"`)
}
