package application_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"upgrades/application"
	"upgrades/domain"
)

func TestApplyEventKinds(t *testing.T) {
	paid, unpaid := domain.EventCheckoutPaid, domain.EventCheckoutUnpaid
	tests := []struct {
		desc    string
		before  []domain.EventKind // applied first, each with its own id
		kind    domain.EventKind
		status  domain.Status
		outcome string
		level   domain.Level // bob's level afterwards (he starts a member)
		owners  string       // the owners' last message starts with this; "" for none
		manual  bool         // AUTO_REFUND=false
	}{
		{"paid", nil, paid, domain.StatusComplete, "applied", domain.LevelGold, "", false},
		{"unpaid", nil, unpaid, domain.StatusProcessing, "applied", domain.LevelMember, "", false},
		{"async succeeded after unpaid", []domain.EventKind{unpaid}, domain.EventAsyncSucceeded, domain.StatusComplete, "applied", domain.LevelGold, "", false},
		{"async succeeded before unpaid", nil, domain.EventAsyncSucceeded, domain.StatusComplete, "applied", domain.LevelGold, "", false},
		{"async failed", []domain.EventKind{unpaid}, domain.EventAsyncFailed, domain.StatusFailed, "applied", domain.LevelMember, "", false},
		{"expired", nil, domain.EventSessionExpired, domain.StatusExpired, "applied", domain.LevelMember, "", false},
		{"refunded", []domain.EventKind{paid}, domain.EventRefunded, domain.StatusRefunded, "applied", domain.LevelMember, "", false},
		{"dispute lost", []domain.EventKind{paid}, domain.EventDisputeLost, domain.StatusRefunded, "applied", domain.LevelMember, "The dispute on upgrade", false},
		{"dispute opened", []domain.EventKind{paid}, domain.EventDisputeOpened, domain.StatusComplete, "noted", domain.LevelGold, "A dispute was opened", false},
		{"fraud warning", []domain.EventKind{paid}, domain.EventFraudWarning, domain.StatusComplete, "noted", domain.LevelGold, "An early fraud warning", false},
		{"late unpaid after paid", []domain.EventKind{paid}, unpaid, domain.StatusComplete, "ignored", domain.LevelGold, "", false},
		{"expired after paid", []domain.EventKind{paid}, domain.EventSessionExpired, domain.StatusComplete, "ignored", domain.LevelGold, "", false},
		{"paid after expired", []domain.EventKind{domain.EventSessionExpired}, paid, domain.StatusRefunded, "applied", domain.LevelMember, "Upgrade #1: a redundant payment of $20.00 is refunded automatically: upgrade #1 had expired", false},
		{"settled after failing", []domain.EventKind{unpaid, domain.EventAsyncFailed}, domain.EventAsyncSucceeded, domain.StatusRefunded, "applied", domain.LevelMember, "Upgrade #1: a redundant payment", false},
		{"paid after expired, refunds by hand", []domain.EventKind{domain.EventSessionExpired}, paid, domain.StatusExpired, "anomaly", domain.LevelMember, "Upgrade #", true},
		{"settled after failing, refunds by hand", []domain.EventKind{unpaid, domain.EventAsyncFailed}, domain.EventAsyncSucceeded, domain.StatusFailed, "anomaly", domain.LevelMember, "Upgrade #", true},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			f := newFixture(t, func(c *application.Config) { c.AutoRefund = !tc.manual })
			alice, bob := f.user("alice", domain.LevelMember), f.user("bob", domain.LevelMember)
			up := f.start(alice, bob, domain.UpgradeGold)
			for i, k := range tc.before {
				f.apply(f.event(up, fmt.Sprintf("evt_before_%d", i), k))
			}
			ev := f.event(up, "evt_under_test", tc.kind)
			a := f.apply(ev)
			if a.Duplicate || a.Outcome.String() != tc.outcome || a.UpgradeID != up.ID() {
				t.Fatalf("applied %+v, want outcome %s for #%d", a, tc.outcome, up.ID())
			}
			stored := f.upgrade(up.ID())
			if stored.Status() != tc.status {
				t.Fatalf("status %s, want %s", stored.Status(), tc.status)
			}
			if got := f.level(bob); got != tc.level {
				t.Fatalf("bob is %s, want %s", got, tc.level)
			}
			last := f.lastHistory(up.ID())
			if last.Event != tc.kind || last.Outcome.String() != tc.outcome || !strings.Contains(last.Cause, "evt_under_test") {
				t.Fatalf("history entry %+v", last)
			}
			if outcome, attempts, ok := f.db.EventOutcome("evt_under_test"); !ok || outcome != tc.outcome || attempts != 1 {
				t.Fatalf("stored event: %q after %d attempts (found %t)", outcome, attempts, ok)
			}
			owners := f.messages(f.owner)
			switch {
			case tc.owners == "" && len(owners) != 0:
				t.Fatalf("owners were told %q", owners)
			case tc.owners != "" && (len(owners) == 0 || !strings.HasPrefix(owners[len(owners)-1], tc.owners)):
				t.Fatalf("owners were told %q, want a message starting %q", owners, tc.owners)
			}
		})
	}
}

func TestApplyEventMessages(t *testing.T) {
	t.Run("self", func(t *testing.T) {
		f := newFixture(t)
		alice := f.user("alice", domain.LevelMember)
		f.pay(f.start(alice, alice, domain.UpgradeGold))
		if got := f.messages(alice); len(got) != 1 || got[0] != "You have been upgraded to Gold!" {
			t.Fatalf("alice was told %q", got)
		}
		if got := f.messages(f.owner); len(got) != 0 {
			t.Fatalf("owners were told %q", got)
		}
	})
	t.Run("gift", func(t *testing.T) {
		f := newFixture(t)
		alice, bob := f.user("alice", domain.LevelMember), f.user("bob", domain.LevelMember)
		f.pay(f.start(alice, bob, domain.UpgradeGold))
		got := f.messages(bob)
		if len(got) != 1 || !strings.HasPrefix(got[0], "You have been upgraded to Gold!") || !strings.Contains(got[0], "alice") {
			t.Fatalf("bob was told %q, want the upgrade and the purchaser's name", got)
		}
		if got := f.messages(alice); len(got) != 1 || got[0] != "bob has been upgraded to Gold! It was your gift: thank you." {
			t.Fatalf("alice was told %q", got)
		}
	})
	t.Run("gift of platinum", func(t *testing.T) {
		f := newFixture(t)
		alice, gina := f.user("alice", domain.LevelMember), f.user("gina", domain.LevelGold)
		f.pay(f.start(alice, gina, domain.UpgradeGoldToPlatinum))
		if got := f.messages(alice); len(got) != 1 || got[0] != "gina has been upgraded to Platinum! It was your gift: thank you." {
			t.Fatalf("alice was told %q", got)
		}
		if got := f.messages(gina); len(got) != 1 || !strings.HasPrefix(got[0], "You have been upgraded to Platinum!") {
			t.Fatalf("gina was told %q", got)
		}
	})
	t.Run("async failure tells the purchaser", func(t *testing.T) {
		f := newFixture(t)
		alice, bob := f.user("alice", domain.LevelMember), f.user("bob", domain.LevelMember)
		up := f.start(alice, bob, domain.UpgradeGold)
		f.apply(f.event(up, "evt_1", domain.EventCheckoutUnpaid))
		f.apply(f.event(up, "evt_2", domain.EventAsyncFailed))
		if got := f.messages(alice); len(got) != 1 || !strings.Contains(got[0], "failed") {
			t.Fatalf("alice was told %q", got)
		}
		if got := f.messages(bob); len(got) != 0 {
			t.Fatalf("bob was told %q", got)
		}
	})
}

// Two gifts in flight, with AUTO_REFUND=false: the second payment no
// longer raises the level; it is complete, an anomaly, and the owners
// hear of it.
func TestApplyEventNeverDemotes(t *testing.T) {
	f := newFixture(t, func(c *application.Config) { c.AutoRefund = false })
	alice, carol, bob := f.user("alice", domain.LevelMember), f.user("carol", domain.LevelMember), f.user("bob", domain.LevelMember)
	plat := f.start(alice, bob, domain.UpgradePlatinum)
	gold := f.start(carol, bob, domain.UpgradeGold)
	f.pay(plat)
	a := f.apply(f.event(gold, "evt_gold_paid", domain.EventCheckoutPaid))
	if a.Outcome.String() != "anomaly" || a.Result.Fulfilled {
		t.Fatalf("second gift: %+v", a)
	}
	if got := f.level(bob); got != domain.LevelPlatinum {
		t.Fatalf("bob is %s, want platinum", got)
	}
	if st := f.upgrade(gold.ID()).Status(); st != domain.StatusComplete {
		t.Fatalf("the paid gold gift is %s, want complete", st)
	}
	if last := f.lastHistory(gold.ID()); last.Outcome != domain.OutcomeAnomaly {
		t.Fatalf("history entry %+v", last)
	}
	if owners := f.messages(f.owner); len(owners) != 1 || !strings.Contains(owners[0], fmt.Sprintf("#%d", gold.ID())) {
		t.Fatalf("owners were told %q", owners)
	}
	if got := f.messages(bob); len(got) != 1 {
		t.Fatalf("bob was told %q, want only the platinum message", got)
	}
}

func TestApplyEventDuplicate(t *testing.T) {
	f := newFixture(t)
	alice := f.user("alice", domain.LevelMember)
	up := f.start(alice, alice, domain.UpgradeGold)
	ev := f.event(up, "evt_once", domain.EventCheckoutPaid)
	first := f.apply(ev)
	historyLen := len(f.upgrade(up.ID()).History())
	for range 3 {
		again := f.apply(ev)
		if !again.Duplicate || again.Result.Fulfilled {
			t.Fatalf("redelivery: %+v", again)
		}
	}
	if first.Duplicate || !first.Result.Fulfilled {
		t.Fatalf("first delivery: %+v", first)
	}
	if n := len(f.upgrade(up.ID()).History()); n != historyLen {
		t.Fatalf("history grew from %d to %d on duplicates", historyLen, n)
	}
	if got := f.messages(alice); len(got) != 1 {
		t.Fatalf("alice was told %q", got)
	}
	if outcome, attempts, _ := f.db.EventOutcome("evt_once"); outcome != "applied" || attempts != 1 {
		t.Fatalf("stored event %q after %d attempts", outcome, attempts)
	}
}

func TestApplyEventMismatch(t *testing.T) {
	tests := []struct {
		desc   string
		change func(ev *application.PaymentEvent)
		note   string // the history note mentions this
	}{
		{"other session", func(ev *application.PaymentEvent) { ev.SessionID = "cs_test_someone_else" }, "cs_test_someone_else"},
		{"live event on a test server", func(ev *application.PaymentEvent) { ev.Livemode = true }, "livemode"},
		{"lower amount", func(ev *application.PaymentEvent) { ev.Amount = 1 }, "amount"},
		{"higher amount", func(ev *application.PaymentEvent) { ev.Amount = 200000 }, "amount"},
		{"other currency", func(ev *application.PaymentEvent) { ev.Currency = "eur" }, "eur"},
		{"no currency", func(ev *application.PaymentEvent) { ev.Currency, ev.Amount = "", 0 }, "no currency"},
		{"no session", func(ev *application.PaymentEvent) { ev.SessionID = "" }, "no checkout session"},
		{"async success with no amount", func(ev *application.PaymentEvent) {
			ev.Kind, ev.Currency, ev.Amount = domain.EventAsyncSucceeded, "", 0
		}, "no currency"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			f := newFixture(t)
			alice, bob := f.user("alice", domain.LevelMember), f.user("bob", domain.LevelMember)
			up := f.start(alice, bob, domain.UpgradeGold)
			ev := f.event(up, "evt_odd", domain.EventCheckoutPaid)
			tc.change(&ev)
			a := f.apply(ev)
			if a.Outcome.String() != "anomaly" || a.Result.Fulfilled || a.UpgradeID != up.ID() {
				t.Fatalf("applied %+v", a)
			}
			stored := f.upgrade(up.ID())
			if stored.Status() != domain.StatusPending || stored.PaymentIntentID() != "" || f.level(bob) != domain.LevelMember {
				t.Fatalf("a mismatched event changed the upgrade: %s, pi %q, bob %s", stored.Status(), stored.PaymentIntentID(), f.level(bob))
			}
			last := f.lastHistory(up.ID())
			if last.Outcome != domain.OutcomeAnomaly || !strings.Contains(last.Note, tc.note) || !strings.Contains(last.Cause, "evt_odd") {
				t.Fatalf("history entry %+v", last)
			}
			owners := f.messages(f.owner)
			if len(owners) != 1 || !strings.Contains(owners[0], fmt.Sprintf("Upgrade #%d needs attention", up.ID())) {
				t.Fatalf("owners were told %q", owners)
			}
			if got := append(f.messages(alice), f.messages(bob)...); len(got) != 0 {
				t.Fatalf("buyers were told %q", got)
			}
			if outcome, _, _ := f.db.EventOutcome("evt_odd"); outcome != "anomaly" {
				t.Fatalf("stored event outcome %q", outcome)
			}
			// Retrying the same event cannot fix it; a correct event still can.
			if again := f.apply(ev); !again.Duplicate {
				t.Fatalf("redelivery: %+v", again)
			}
			f.pay(up)
			if f.level(bob) != domain.LevelGold {
				t.Fatal("the genuine event did not fulfil")
			}
		})
	}

	t.Run("charge for another payment", func(t *testing.T) {
		f := newFixture(t)
		alice := f.user("alice", domain.LevelMember)
		up := f.start(alice, alice, domain.UpgradeGold)
		f.pay(up)
		ev := f.event(up, "evt_refund", domain.EventRefunded)
		ev.UpgradeID, ev.PaymentIntentID = up.ID(), "pi_other"
		if a := f.apply(ev); a.Outcome.String() != "anomaly" {
			t.Fatalf("applied %+v", a)
		}
		if st := f.upgrade(up.ID()).Status(); st != domain.StatusComplete || f.level(alice) != domain.LevelGold {
			t.Fatalf("status %s level %s", st, f.level(alice))
		}
	})
}

func TestApplyEventUnmatchedAndUnhandled(t *testing.T) {
	f := newFixture(t)
	alice := f.user("alice", domain.LevelMember)
	up := f.start(alice, alice, domain.UpgradeGold)
	tests := []struct {
		desc    string
		ev      application.PaymentEvent
		outcome string
	}{
		{"unknown upgrade id", application.PaymentEvent{Payment: domain.Payment{Kind: domain.EventCheckoutPaid, UpgradeID: 9999, SessionID: "cs_x", Amount: 2000, Currency: "usd"}, ID: "evt_u1", Type: "checkout.session.completed"}, "unmatched"},
		{"unknown payment", application.PaymentEvent{Payment: domain.Payment{Kind: domain.EventRefunded, PaymentIntentID: "pi_nobody", Amount: 2000, Currency: "usd"}, ID: "evt_u2", Type: "charge.refunded"}, "unmatched"},
		{"names no upgrade", application.PaymentEvent{Payment: domain.Payment{Kind: domain.EventCheckoutUnpaid}, ID: "evt_u3", Type: "checkout.session.completed"}, "unmatched"},
		{"unhandled type", application.PaymentEvent{Payment: domain.Payment{UpgradeID: up.ID()}, ID: "evt_u4", Type: "customer.created"}, "unhandled"},
		{"unhandled type of no upgrade", application.PaymentEvent{ID: "evt_u5", Type: "invoice.paid"}, "unhandled"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			tc.ev.Source = "stripe"
			a := f.apply(tc.ev)
			if a.Outcome.String() != tc.outcome || a.Duplicate || a.Result.Fulfilled {
				t.Fatalf("applied %+v, want %s", a, tc.outcome)
			}
			if outcome, _, ok := f.db.EventOutcome(tc.ev.ID); !ok || outcome != tc.outcome {
				t.Fatalf("stored outcome %q (found %t)", outcome, ok)
			}
			if again := f.apply(tc.ev); !again.Duplicate {
				t.Fatalf("redelivery: %+v", again)
			}
		})
	}
	if st := f.upgrade(up.ID()).Status(); st != domain.StatusPending || len(f.messages(f.owner)) != 0 {
		t.Fatalf("unrelated events touched the upgrade (%s) or told owners", st)
	}
}

func TestApplyEventRollsBackAFailedUnitOfWork(t *testing.T) {
	f := newFixture(t)
	alice, bob := f.user("alice", domain.LevelMember), f.user("bob", domain.LevelMember)
	up := f.start(alice, bob, domain.UpgradeGold)
	historyLen := len(f.upgrade(up.ID()).History())
	ev := f.event(up, "evt_flaky", domain.EventCheckoutPaid)

	f.db.FailNextCommit(errors.New("connection lost at commit"))
	if _, err := f.app.ApplyEvent.Handle(f.ctx, ev); err == nil {
		t.Fatal("a failed commit must be reported so that the provider retries")
	}
	stored := f.upgrade(up.ID())
	if stored.Status() != domain.StatusPending || stored.PaymentIntentID() != "" || len(stored.History()) != historyLen {
		t.Fatalf("after the rollback: %s, pi %q, %d history entries", stored.Status(), stored.PaymentIntentID(), len(stored.History()))
	}
	if f.level(bob) != domain.LevelMember {
		t.Fatalf("bob kept %s after the rollback", f.level(bob))
	}
	if got := append(f.messages(alice), f.messages(bob)...); len(got) != 0 {
		t.Fatalf("messages survived the rollback: %q", got)
	}
	if outcome, attempts, ok := f.db.EventOutcome("evt_flaky"); !ok || outcome != "" || attempts != 1 {
		t.Fatalf("the failed event is stored as %q after %d attempts (found %t), want unprocessed", outcome, attempts, ok)
	}

	a := f.apply(ev)
	if a.Duplicate || a.Outcome.String() != "applied" || !a.Result.Fulfilled {
		t.Fatalf("redelivery: %+v", a)
	}
	if f.upgrade(up.ID()).Status() != domain.StatusComplete || f.level(bob) != domain.LevelGold {
		t.Fatal("the redelivery did not fulfil")
	}
	if outcome, attempts, _ := f.db.EventOutcome("evt_flaky"); outcome != "applied" || attempts != 2 {
		t.Fatalf("stored event %q after %d attempts", outcome, attempts)
	}
	if got := f.messages(bob); len(got) != 1 {
		t.Fatalf("bob was told %q", got)
	}
	if again := f.apply(ev); !again.Duplicate {
		t.Fatal("once applied, the event is a duplicate")
	}
}

func TestApplyEventWhileTheDatabaseIsDown(t *testing.T) {
	f := newFixture(t)
	alice := f.user("alice", domain.LevelMember)
	up := f.start(alice, alice, domain.UpgradeGold)
	f.db.SetDown(true)
	_, err := f.app.ApplyEvent.Handle(f.ctx, f.event(up, "evt_down", domain.EventCheckoutPaid))
	wantKind(t, err, domain.KindUnavailable)
	f.db.SetDown(false)
	if a := f.apply(f.event(up, "evt_down", domain.EventCheckoutPaid)); a.Duplicate || !a.Result.Fulfilled {
		t.Fatalf("after the outage: %+v", a)
	}
}

func TestReceiveWebhook(t *testing.T) {
	f := newFixture(t)
	alice := f.user("alice", domain.LevelMember)
	up := f.start(alice, alice, domain.UpgradeGold)
	body := fmt.Sprintf(`{"ID":"evt_hook","Type":"checkout.session.completed","kind":"checkout_paid","UpgradeID":%d,"SessionID":%q,"PaymentIntentID":"pi_hook","Amount":2000,"Currency":"usd"}`,
		up.ID(), up.SessionID())

	// Admit is asked only of verified webhooks; its error ends the
	// delivery before anything is stored, and release ends a turn taken.
	var admitted, released int
	admit := func(context.Context) (func(), error) { admitted++; return func() { released++ }, nil }
	full := func(context.Context) (func(), error) {
		return nil, domain.Errorf(domain.KindUnavailable, "too many webhooks at once")
	}

	_, err := f.app.ReceiveWebhook.Handle(f.ctx, application.ReceiveWebhook{Payload: []byte(body), Signature: "forged", Admit: admit})
	wantKind(t, err, domain.KindMalformed)
	if f.upgrade(up.ID()).Status() != domain.StatusPending || admitted != 0 {
		t.Fatalf("a forged webhook changed the upgrade or was admitted (%d)", admitted)
	}

	_, err = f.app.ReceiveWebhook.Handle(f.ctx, application.ReceiveWebhook{Payload: []byte(body), Signature: "whsec_test", Admit: full})
	wantKind(t, err, domain.KindUnavailable)
	if f.upgrade(up.ID()).Status() != domain.StatusPending {
		t.Fatal("a webhook that was not admitted changed the upgrade")
	}

	a, err := f.app.ReceiveWebhook.Handle(f.ctx, application.ReceiveWebhook{Payload: []byte(body), Signature: "whsec_test", Admit: admit})
	if err != nil || a.Outcome.String() != "applied" || admitted != 1 || released != 1 {
		t.Fatalf("webhook: %+v, %v; admitted %d, released %d", a, err, admitted, released)
	}
	if last := f.lastHistory(up.ID()); !strings.HasPrefix(last.Cause, "stripe evt_hook") {
		t.Fatalf("cause %q", last.Cause)
	}
}

// Disputes and fraud warnings that match no upgrade still reach the owners,
// with Stripe's ids, so they can be found in the dashboard (SPEC §2);
// other events of no upgrade tell nobody.
func TestApplyEventUnmatchedDisputesReachOwners(t *testing.T) {
	f := newFixture(t)
	alice := f.user("alice", domain.LevelMember)
	olga := f.user("olga", domain.LevelOwner)
	for _, tc := range []struct {
		ev   application.PaymentEvent
		told string
	}{
		{application.PaymentEvent{Payment: domain.Payment{Kind: domain.EventDisputeOpened, PaymentIntentID: "pi_elsewhere"}, ID: "evt_d1", Type: "charge.dispute.created",
			Note: "dispute dp_1 on charge ch_1: 2000 usd, needs_response"}, "A dispute was opened"},
		{application.PaymentEvent{Payment: domain.Payment{Kind: domain.EventDisputeLost}, ID: "evt_d2", Type: "charge.dispute.closed",
			Note: "dispute dp_2 on charge ch_2: 2000 usd, lost"}, "A dispute was lost"},
		{application.PaymentEvent{Payment: domain.Payment{Kind: domain.EventFraudWarning, PaymentIntentID: "pi_elsewhere"}, ID: "evt_d3", Type: "radar.early_fraud_warning.created",
			Note: "early fraud warning issfr_3 on charge ch_3"}, "An early fraud warning was raised"},
		{application.PaymentEvent{Payment: domain.Payment{Kind: domain.EventRefunded, PaymentIntentID: "pi_elsewhere"}, ID: "evt_r4", Type: "charge.refunded"}, ""},
	} {
		before := len(f.messages(f.owner))
		tc.ev.Source = "stripe"
		if a := f.apply(tc.ev); a.Outcome != application.OutcomeUnmatched {
			t.Fatalf("%s: %s, want unmatched", tc.ev.ID, a.Outcome)
		}
		for _, owner := range []*domain.User{f.owner, olga} {
			msgs := f.messages(owner)
			if tc.told == "" {
				if len(msgs) != before {
					t.Errorf("%s told the owners: %q", tc.ev.ID, msgs)
				}
				continue
			}
			last := "" // f.messages lists the oldest first
			if len(msgs) > 0 {
				last = msgs[len(msgs)-1]
			}
			if !strings.Contains(last, tc.told) || !strings.Contains(last, tc.ev.ID) || !strings.Contains(last, tc.ev.Note) {
				t.Errorf("%s: %s was told %q, want %q with Stripe's ids", tc.ev.ID, owner.Name(), msgs, tc.told)
			}
		}
		if again := f.apply(tc.ev); !again.Duplicate {
			t.Fatalf("redelivery of %s: %+v", tc.ev.ID, again)
		}
	}
	if n := len(f.messages(alice)); n != 0 {
		t.Errorf("alice was told %d things", n)
	}
	if n := len(f.messages(f.owner)); n != 3 {
		t.Errorf("the owner was told %d times, want once per dispute or warning", n)
	}
}
