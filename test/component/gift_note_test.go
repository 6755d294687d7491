package component

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"upgrades/domain"
)

// A gift's note: refused when too long, with control characters or
// without a gift; otherwise kept with the gift, returned with the first
// checkout on a second click, and shown to the recipient, escaped, only
// once the gift is paid.
func TestGiftNote(t *testing.T) {
	e := start(t, nil)
	alice := e.user("alice", domain.LevelMember)
	bob := e.user("bob", domain.LevelMember)
	carol := e.user("carol", domain.LevelMember)
	api := e.api(alice)

	long := strings.Repeat("ü", domain.GiftNoteMax+1)
	for name, body := range map[string]map[string]any{
		"too long":     {"upgrade_type": "gold", "user_id": bob.ID, "gift_note": long},
		"a line break": {"upgrade_type": "gold", "user_id": bob.ID, "gift_note": "Happy\nbirthday"},
		"an escape":    {"upgrade_type": "gold", "user_id": bob.ID, "gift_note": "Happy \u001b[31mbirthday"},
		"not a gift":   {"upgrade_type": "gold", "gift_note": "for me"},
		"an object":    {"upgrade_type": "gold", "user_id": bob.ID, "gift_note": map[string]any{"text": "hi"}},
	} {
		want, code := http.StatusUnprocessableEntity, "invalid"
		if name == "an object" {
			want = http.StatusBadRequest
		}
		r := api.json("POST", "/user_upgrades.json", body).apiError(want, code)
		if name == "too long" {
			r.contains("at most 280 characters")
		}
	}
	// The form says the same to a browser.
	e.loggedIn(alice).form("POST", "/user_upgrades", url.Values{"upgrade_type": {"gold"}, "user_id": {fmt.Sprint(bob.ID)}, "gift_note": {long}}).
		status(http.StatusUnprocessableEntity).contains("at most 280 characters")
	// Nothing was started by the refusals.
	var list struct {
		Upgrades []upgrade `json:"user_upgrades"`
	}
	api.get("/user_upgrades.json").status(http.StatusOK).decode(&list)
	if len(list.Upgrades) != 0 {
		t.Fatalf("refused notes left %d upgrades", len(list.Upgrades))
	}

	note := `Happy birthday, <b>bob</b> & "friends"!`
	var first, second struct {
		upgrade
		GiftNote string `json:"gift_note"`
	}
	api.json("POST", "/user_upgrades.json", map[string]any{"upgrade_type": "gold", "user_id": bob.ID, "gift_note": "  " + note + "  "}).
		status(http.StatusCreated).decode(&first)
	if first.GiftNote != note {
		t.Fatalf("the buyer reads the note as %q", first.GiftNote)
	}
	// A second click returns the first checkout, with its note.
	api.json("POST", "/user_upgrades.json", map[string]any{"upgrade_type": "gold", "user_id": bob.ID, "gift_note": "another note"}).
		status(http.StatusOK).decode(&second)
	if second.ID != first.ID || second.GiftNote != note {
		t.Fatalf("second click: upgrade %d note %q, want %d with %q", second.ID, second.GiftNote, first.ID, note)
	}

	path := fmt.Sprintf("/user_upgrades/%d", first.ID)
	bobBrowser := e.loggedIn(bob)
	// Before payment the recipient reads nothing of it: no free messages.
	e.api(bob).get(path+".json").status(http.StatusOK).lacks("gift_note", "birthday")
	bobBrowser.get(path).status(http.StatusOK).lacks("birthday")
	bobBrowser.get("/messages").status(http.StatusOK).lacks("birthday")
	e.api(carol).get(path + ".json").status(http.StatusForbidden)

	e.pay(first.ID)
	escaped := "Happy birthday, &lt;b&gt;bob&lt;/b&gt; &amp; &#34;friends&#34;!"
	bobBrowser.get(path).status(http.StatusOK).contains(escaped, "A note from alice").lacks("<b>bob</b>")
	bobBrowser.get("/messages").status(http.StatusOK).contains("It is a gift from alice, who wrote:", escaped).lacks("<b>bob</b>")
	var paid struct {
		GiftNote string `json:"gift_note"`
	}
	e.api(bob).get(path + ".json").status(http.StatusOK).decode(&paid)
	if paid.GiftNote != note {
		t.Fatalf("once paid, bob reads %q", paid.GiftNote)
	}
	e.loggedIn(alice).get(path).status(http.StatusOK).contains(escaped, "Your note to bob")
}

// The gift form carries the note with whichever card is chosen; the page
// names the limit and loads the counter.
func TestGiftNoteForm(t *testing.T) {
	e := start(t, nil)
	alice := e.user("alice", domain.LevelMember)
	bob := e.user("bob", domain.LevelMember)
	b := e.loggedIn(alice)
	b.get(fmt.Sprintf("/upgrade?user_id=%d", bob.ID)).status(http.StatusOK).
		contains(`<form id="gift" method="post" action="/user_upgrades"`, `name="gift_note" maxlength="280"`, "A note for bob",
			`form="gift" name="upgrade_type" value="gold"`, `form="gift" name="upgrade_type" value="platinum"`, `src="/assets/counter.js"`)
	// Buying for oneself offers no note, nor a gift nothing can be bought for.
	b.get("/upgrade").status(http.StatusOK).lacks("gift_note", "counter.js")
	e.user("mallory", domain.LevelMember)
	e.ban("mallory")
	b.get("/upgrade?name=mallory").status(http.StatusOK).contains("cannot receive upgrades").lacks("gift_note")

	r := b.form("POST", "/user_upgrades", url.Values{"upgrade_type": {"platinum"}, "user_id": {fmt.Sprint(bob.ID)}, "currency": {"usd"}, "gift_note": {"Enjoy!"}}).
		status(http.StatusSeeOther)
	if r.Header.Get("Location") == "" {
		t.Fatal("no checkout")
	}
	var list struct {
		Upgrades []struct {
			UpgradeType string `json:"upgrade_type"`
			GiftNote    string `json:"gift_note"`
		} `json:"user_upgrades"`
	}
	e.api(alice).get("/user_upgrades.json").status(http.StatusOK).decode(&list)
	if len(list.Upgrades) != 1 || list.Upgrades[0].GiftNote != "Enjoy!" || list.Upgrades[0].UpgradeType != "platinum" {
		t.Fatalf("listed %+v", list.Upgrades)
	}
}
