package component

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"upgrades/domain"
)

// auditEntries reads the owner's audit trail as JSON.
func auditEntries(c *client, query string) []map[string]any {
	var out struct {
		Audit []map[string]any `json:"audit"`
	}
	c.get("/audit.json" + query).status(http.StatusOK).decode(&out)
	return out.Audit
}

func TestAuditIsForOwnersOnly(t *testing.T) {
	e := start(t, nil)
	admin, member := e.user("adele", domain.LevelAdmin), e.user("alice", domain.LevelMember)
	e.api(member).get("/audit.json").apiError(http.StatusForbidden, "forbidden")
	e.api(admin).get("/audit.json").apiError(http.StatusForbidden, "forbidden")
	e.loggedIn(member).get("/audit").status(http.StatusForbidden)
	e.browser().get("/audit.json").apiError(http.StatusUnauthorized, "unauthenticated")
	// Nor may they ban: nothing changes, nothing is recorded.
	e.api(member).json("POST", fmt.Sprintf("/users/%d/ban.json", admin.ID), map[string]any{"reason": "mine"}).apiError(http.StatusForbidden, "forbidden")
	e.api(admin).get(fmt.Sprintf("/users/%d.json", admin.ID)).status(http.StatusOK)
	e.loggedIn(member).get(fmt.Sprintf("/users/%d", admin.ID)).status(http.StatusOK).lacks("/ban", "/unban")
	owner := e.user("olivia", domain.LevelOwner)
	if got := auditEntries(e.api(owner), ""); len(got) != 0 {
		t.Fatalf("refused actions left entries: %v", got)
	}
}

func TestAuditFiltersAreCheckedWith422(t *testing.T) {
	e := start(t, nil)
	owner := e.api(e.user("olivia", domain.LevelOwner))
	for _, q := range []string{
		"?search[action]=delete_everything",
		"?search[subject]=" + url.QueryEscape("user 5"),
		"?search[subject]=nocolon",
		"?search[actor]=" + url.QueryEscape(strings.Repeat("x", 300)),
		"?search[who]=olivia",
		"?page=1001",
	} {
		owner.get("/audit.json"+q).apiError(http.StatusUnprocessableEntity, "invalid")
	}
	owner.get("/audit.json?page=first").apiError(http.StatusBadRequest, "invalid")
	owner.get("/audit.json?limit=500").apiError(http.StatusBadRequest, "invalid")
}

func TestBanUnbanRefundAndKeyRotationAppearInTheAuditTrail(t *testing.T) {
	e := start(t, nil)
	ownerAcc, alice := e.user("olivia", domain.LevelOwner), e.user("alice", domain.LevelMember)
	owner := e.api(ownerAcc)

	// A ban from the profile's form, with its reason.
	web := e.loggedIn(ownerAcc)
	profile := fmt.Sprintf("/users/%d", alice.ID)
	web.get(profile).status(http.StatusOK).contains(fmt.Sprintf(`action="%s/ban"`, profile), `name="reason"`)
	web.form("POST", profile+"/ban", url.Values{"reason": {"card testing"}}).status(http.StatusSeeOther).location(profile)
	web.get(profile).status(http.StatusOK).contains("banned", fmt.Sprintf(`action="%s/unban"`, profile))
	e.api(alice).get("/user_upgrades.json").apiError(http.StatusForbidden, "forbidden")
	// Unban in JSON, without a body.
	u := owner.json("POST", profile+"/unban.json", nil).status(http.StatusOK).object()
	if u["is_banned"] != false {
		t.Fatalf("unbanned user %v", u)
	}
	e.api(alice).get("/user_upgrades.json").status(http.StatusOK)
	// An owner cannot ban themself.
	owner.json("POST", fmt.Sprintf("/users/%d/ban.json", ownerAcc.ID), nil).apiError(http.StatusConflict, "conflict")

	// A refund with its reason.
	up := e.loggedIn(alice).buy("gold", 0)
	e.pay(up.ID)
	owner.json("POST", fmt.Sprintf("/user_upgrades/%d/refund.json", up.ID), map[string]any{"reason": "asked within a day"}).status(http.StatusOK)

	// Alice's own key rotation is hers.
	e.api(alice).json("POST", fmt.Sprintf("/users/%d/api_key.json", alice.ID), nil).status(http.StatusOK)

	got := auditEntries(owner, "")
	type entry struct{ action, actor, subject, reason string }
	want := []entry{
		{"key_rotation", "alice", fmt.Sprintf("user:%d", alice.ID), ""},
		{"refund", "olivia", fmt.Sprintf("upgrade:%d", up.ID), "asked within a day"},
		{"unban", "olivia", fmt.Sprintf("user:%d", alice.ID), ""},
		{"ban", "olivia", fmt.Sprintf("user:%d", alice.ID), "card testing"},
	}
	if len(got) != len(want) {
		t.Fatalf("trail %v, want %d entries", got, len(want))
	}
	for i, w := range want {
		reason, _ := got[i]["reason"].(string)
		if got[i]["action"] != w.action || got[i]["actor"] != w.actor || got[i]["subject"] != w.subject || reason != w.reason {
			t.Errorf("entry %d: %v, want %+v", i, got[i], w)
		}
	}
	if got[1]["actor_id"] != float64(ownerAcc.ID) {
		t.Errorf("refund's actor_id %v, want %d", got[1]["actor_id"], ownerAcc.ID)
	}

	// Filters: by actor, action and subject; the page shows them too.
	if f := auditEntries(owner, "?search[actor]=ALICE"); len(f) != 1 || f[0]["action"] != "key_rotation" {
		t.Errorf("alice's entries: %v", f)
	}
	if f := auditEntries(owner, fmt.Sprintf("?search[subject]=user:%d&search[action]=ban", alice.ID)); len(f) != 1 || f[0]["reason"] != "card testing" {
		t.Errorf("alice's bans: %v", f)
	}
	if f := auditEntries(owner, "?limit=3"); len(f) != 3 {
		t.Errorf("first page of 3: %v", f)
	}
	web.get("/audit").status(http.StatusOK).contains("Audit trail", "card testing", "asked within a day", "Key rotation",
		fmt.Sprintf(`href="/user_upgrades/%d"`, up.ID))
	// The upgrade's history names who refunded it.
	web.get(fmt.Sprintf("/user_upgrades/%d", up.ID)).status(http.StatusOK).contains("owner olivia")
}

func TestBanAndRefundRefuseBadBodies(t *testing.T) {
	e := start(t, nil)
	ownerAcc, alice := e.user("olivia", domain.LevelOwner), e.user("alice", domain.LevelMember)
	owner := e.api(ownerAcc)
	ban := fmt.Sprintf("/users/%d/ban.json", alice.ID)
	owner.do("POST", ban, strings.NewReader("{not json"), http.Header{"Content-Type": {"application/json"}}).apiError(http.StatusBadRequest, "invalid")
	owner.json("POST", ban, map[string]any{"reason": map[string]any{"nested": true}}).apiError(http.StatusBadRequest, "invalid")
	owner.json("POST", ban, map[string]any{"reason": strings.Repeat("why ", 200)}).apiError(http.StatusUnprocessableEntity, "invalid")
	owner.json("POST", ban, map[string]any{"reason": "two\nlines"}).apiError(http.StatusUnprocessableEntity, "invalid")
	owner.do("POST", ban, strings.NewReader(`{"reason":"`+strings.Repeat("x", 100<<10)+`"}`), http.Header{"Content-Type": {"application/json"}}).apiError(http.StatusRequestEntityTooLarge, "too_large")
	owner.json("POST", "/users/999999/ban.json", nil).apiError(http.StatusNotFound, "not_found")
	// None of it banned alice or left an entry.
	e.api(alice).get("/user_upgrades.json").status(http.StatusOK)
	if got := auditEntries(owner, ""); len(got) != 0 {
		t.Fatalf("refused bans left entries: %v", got)
	}
}
