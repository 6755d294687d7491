package component

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"upgrades/application"
	"upgrades/domain"
)

// failEvent stores a Stripe event whose processing failed, as a delivery
// that hit an outage would leave it.
func (e *env) failEvent(id, typ string) {
	e.t.Helper()
	payload := fmt.Sprintf(`{"id":%q,"object":"event","type":%q,"livemode":false,"created":1767225600,"data":{"object":{"id":"cus_1","object":"customer"}}}`, id, typ)
	err := e.db.Do(context.Background(), func(ctx context.Context, s application.Store) error {
		return s.Events.Fail(ctx, application.ReceivedEvent{ID: id, Type: typ, Payload: []byte(payload), ReceivedAt: time.Now()}, "the database went away")
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

func TestAnomaliesAreForOwnersOnly(t *testing.T) {
	e := start(t, nil)
	admin, member := e.user("adele", domain.LevelAdmin), e.user("alice", domain.LevelMember)
	e.failEvent("evt_failed_1", "customer.created")
	for _, c := range []*client{e.api(admin), e.api(member)} {
		c.get("/anomalies.json").apiError(http.StatusForbidden, "forbidden")
		c.json("POST", "/anomalies/resolve.json", map[string]any{"subject": "event:evt_failed_1", "note": "mine"}).apiError(http.StatusForbidden, "forbidden")
		c.json("POST", "/events/evt_failed_1/replay.json", nil).apiError(http.StatusForbidden, "forbidden")
	}
	e.loggedIn(member).get("/anomalies").status(http.StatusForbidden)
	e.browser().get("/anomalies.json").apiError(http.StatusUnauthorized, "unauthenticated")
	owner := e.api(e.user("olivia", domain.LevelOwner))
	var out struct{ Anomalies []map[string]any }
	owner.get("/anomalies.json").status(http.StatusOK).decode(&out)
	if len(out.Anomalies) != 1 {
		t.Fatalf("after refused actions: %v", out.Anomalies)
	}
}

func TestAFailedEventIsReplayedFromTheAnomaliesAndAnotherResolved(t *testing.T) {
	e := start(t, nil)
	ownerAcc := e.user("olivia", domain.LevelOwner)
	owner, web := e.api(ownerAcc), e.loggedIn(ownerAcc)
	e.failEvent("evt_failed_1", "customer.created")
	e.failEvent("evt_failed_2", "customer.updated")

	var out struct{ Anomalies []map[string]any }
	owner.get("/anomalies.json").status(http.StatusOK).decode(&out)
	if len(out.Anomalies) != 2 || out.Anomalies[0]["kind"] != "failed_event" || out.Anomalies[0]["can_replay"] != true ||
		out.Anomalies[0]["detail"] != "the database went away" {
		t.Fatalf("anomalies %v", out.Anomalies)
	}
	web.get("/anomalies").status(http.StatusOK).contains("Failed event", `action="/events/evt_failed_1/replay"`, `value="event:evt_failed_2"`, "Mark resolved")

	// Replayed from the page: applied, gone from the list, in the trail.
	web.form("POST", "/events/evt_failed_1/replay", url.Values{"reason": {"after the outage"}}).status(http.StatusSeeOther).location("/anomalies?replayed=evt_failed_1")
	// Resolved in JSON, with its note; a second time is a conflict.
	owner.json("POST", "/anomalies/resolve.json", map[string]any{"subject": "event:evt_failed_2", "note": "a test event"}).status(http.StatusOK)
	owner.json("POST", "/anomalies/resolve.json", map[string]any{"subject": "event:evt_failed_2", "note": "again"}).apiError(http.StatusConflict, "conflict")
	owner.get("/anomalies.json").status(http.StatusOK).decode(&out)
	if len(out.Anomalies) != 0 {
		t.Fatalf("left: %v", out.Anomalies)
	}
	web.get("/anomalies").status(http.StatusOK).contains("Nothing needs you")
	// Replaying again is a no-op, said so.
	r := owner.json("POST", "/events/evt_failed_1/replay.json", nil).status(http.StatusOK).object()
	if r["already_applied"] != true {
		t.Fatalf("second replay %v", r)
	}
	trail := auditEntries(owner, "")
	if len(trail) != 2 || trail[0]["action"] != "anomaly_resolution" || trail[0]["reason"] != "a test event" ||
		trail[1]["action"] != "event_replay" || trail[1]["subject"] != "event:evt_failed_1" || trail[1]["reason"] != "after the outage" {
		t.Fatalf("trail %v", trail)
	}
}

func TestResolvingAnAnomalyRefusesBadInput(t *testing.T) {
	e := start(t, nil)
	owner := e.api(e.user("olivia", domain.LevelOwner))
	owner.json("POST", "/anomalies/resolve.json", map[string]any{"subject": "event:evt_1"}).apiError(http.StatusUnprocessableEntity, "invalid")
	owner.json("POST", "/anomalies/resolve.json", map[string]any{"subject": "user:1", "note": "no"}).apiError(http.StatusUnprocessableEntity, "invalid")
	owner.json("POST", "/anomalies/resolve.json", map[string]any{"subject": []string{"event:evt_1"}, "note": "x"}).apiError(http.StatusBadRequest, "invalid")
	owner.do("POST", "/anomalies/resolve.json", nil, http.Header{"Content-Type": {"application/json"}}).apiError(http.StatusBadRequest, "invalid")
	owner.json("POST", "/events/evt_unknown/replay.json", nil).apiError(http.StatusNotFound, "not_found")
	if got := auditEntries(owner, ""); len(got) != 0 {
		t.Fatalf("refused requests left entries: %v", got)
	}
}
