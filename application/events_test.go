package application_test

import (
	"encoding/json"
	"errors"
	"testing"

	"upgrades/application"
	"upgrades/domain"
)

// A delivery that failed leaves its event stored as failed; replaying it
// applies it once through fulfilment, a second replay does nothing, and an
// unknown id is not found.
func TestReplayAppliesAFailedEventOnce(t *testing.T) {
	f := newFixture(t)
	alice := f.user("alice", domain.LevelMember)
	up := f.start(alice, alice, domain.UpgradeGold)
	ev := f.event(up, "evt_replay", domain.EventCheckoutPaid)
	var fields map[string]any
	b, _ := json.Marshal(ev)
	if err := json.Unmarshal(b, &fields); err != nil {
		t.Fatal(err)
	}
	fields["kind"] = domain.EventCheckoutPaid.String()
	payload, _ := json.Marshal(fields)

	f.db.FailNextCommit(errors.New("the disk is full"))
	if _, err := f.app.ReceiveWebhook.Handle(f.ctx, application.ReceiveWebhook{Payload: payload, Signature: "whsec_test"}); err == nil {
		t.Fatal("the failing delivery succeeded")
	}
	failed, err := f.app.ListEvents.Handle(f.ctx, application.EventFilter{Status: "failed"})
	if err != nil || len(failed) != 1 || failed[0].ID != "evt_replay" || failed[0].Status() != application.EventFailed {
		t.Fatalf("failed events: %+v, %v", failed, err)
	}
	if f.upgrade(up.ID()).Status() == domain.StatusComplete {
		t.Fatal("the failed delivery completed the upgrade")
	}

	r, err := f.app.ReplayEvent.Handle(f.ctx, application.ReplayEvent{By: application.CommandLine, ID: "evt_replay"})
	if err != nil || r.Applied.Duplicate || r.Applied.Outcome != domain.OutcomeApplied || r.Applied.UpgradeID != up.ID() {
		t.Fatalf("replay: %+v, %v", r, err)
	}
	if got := f.upgrade(up.ID()).Status(); got != domain.StatusComplete || f.level(alice) != domain.LevelGold {
		t.Fatalf("after the replay: %s, alice %s", got, f.level(alice))
	}
	history := len(f.upgrade(up.ID()).History())

	r, err = f.app.ReplayEvent.Handle(f.ctx, application.ReplayEvent{By: application.CommandLine, ID: "evt_replay"})
	if err != nil || !r.Applied.Duplicate || len(f.upgrade(up.ID()).History()) != history {
		t.Fatalf("second replay: %+v, %v", r, err)
	}
	applied, err := f.app.ListEvents.Handle(f.ctx, application.EventFilter{Status: "applied", Type: "checkout.session.completed"})
	if err != nil || len(applied) != 1 || applied[0].Attempts != 2 {
		t.Fatalf("applied events: %+v, %v", applied, err)
	}

	_, err = f.app.ReplayEvent.Handle(f.ctx, application.ReplayEvent{By: application.CommandLine, ID: "evt_unknown"})
	wantKind(t, err, domain.KindNotFound)
	_, err = f.app.ListEvents.Handle(f.ctx, application.EventFilter{Status: "lost"})
	wantKind(t, err, domain.KindInvalid)
	_, err = f.app.ListEvents.Handle(f.ctx, application.EventFilter{Limit: application.MaxEventLimit + 1})
	wantKind(t, err, domain.KindInvalid)
}
