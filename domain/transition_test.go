package domain_test

import (
	"strings"
	"testing"

	"upgrades/domain"
)

// decideTable is the state machine of SPEC section 2 written out by hand,
// one row per (status, event kind) pair, so that a change to Decide shows
// up as a failing row rather than being recomputed by the same logic.
var decideTable = []struct {
	from    domain.Status
	ev      domain.EventKind
	to      domain.Status
	outcome domain.Outcome
	effect  domain.Effect
}{
	// pending: the buyer is on the checkout page.
	{domain.StatusPending, domain.EventCheckoutPaid, domain.StatusComplete, domain.OutcomeApplied, domain.EffectFulfil},
	{domain.StatusPending, domain.EventCheckoutUnpaid, domain.StatusProcessing, domain.OutcomeApplied, domain.EffectNone},
	{domain.StatusPending, domain.EventAsyncSucceeded, domain.StatusComplete, domain.OutcomeApplied, domain.EffectFulfil},
	{domain.StatusPending, domain.EventAsyncFailed, domain.StatusFailed, domain.OutcomeApplied, domain.EffectNone},
	{domain.StatusPending, domain.EventSessionExpired, domain.StatusExpired, domain.OutcomeApplied, domain.EffectNone},
	{domain.StatusPending, domain.EventCheckoutFailed, domain.StatusFailed, domain.OutcomeApplied, domain.EffectNone},
	{domain.StatusPending, domain.EventRefunded, domain.StatusPending, domain.OutcomeIgnored, domain.EffectNone},
	{domain.StatusPending, domain.EventDisputeLost, domain.StatusPending, domain.OutcomeIgnored, domain.EffectNone},
	{domain.StatusPending, domain.EventDisputeOpened, domain.StatusPending, domain.OutcomeNoted, domain.EffectOwners},
	{domain.StatusPending, domain.EventFraudWarning, domain.StatusPending, domain.OutcomeNoted, domain.EffectOwners},

	// processing: checkout finished, payment not settled.
	{domain.StatusProcessing, domain.EventCheckoutPaid, domain.StatusComplete, domain.OutcomeApplied, domain.EffectFulfil},
	{domain.StatusProcessing, domain.EventCheckoutUnpaid, domain.StatusProcessing, domain.OutcomeIgnored, domain.EffectNone},
	{domain.StatusProcessing, domain.EventAsyncSucceeded, domain.StatusComplete, domain.OutcomeApplied, domain.EffectFulfil},
	{domain.StatusProcessing, domain.EventAsyncFailed, domain.StatusFailed, domain.OutcomeApplied, domain.EffectNone},
	{domain.StatusProcessing, domain.EventSessionExpired, domain.StatusProcessing, domain.OutcomeIgnored, domain.EffectNone},
	{domain.StatusProcessing, domain.EventCheckoutFailed, domain.StatusProcessing, domain.OutcomeIgnored, domain.EffectNone},
	{domain.StatusProcessing, domain.EventRefunded, domain.StatusProcessing, domain.OutcomeIgnored, domain.EffectNone},
	{domain.StatusProcessing, domain.EventDisputeLost, domain.StatusProcessing, domain.OutcomeIgnored, domain.EffectNone},
	{domain.StatusProcessing, domain.EventDisputeOpened, domain.StatusProcessing, domain.OutcomeNoted, domain.EffectOwners},
	{domain.StatusProcessing, domain.EventFraudWarning, domain.StatusProcessing, domain.OutcomeNoted, domain.EffectOwners},

	// complete: late or repeated checkout events change nothing.
	{domain.StatusComplete, domain.EventCheckoutPaid, domain.StatusComplete, domain.OutcomeIgnored, domain.EffectNone},
	{domain.StatusComplete, domain.EventCheckoutUnpaid, domain.StatusComplete, domain.OutcomeIgnored, domain.EffectNone},
	{domain.StatusComplete, domain.EventAsyncSucceeded, domain.StatusComplete, domain.OutcomeIgnored, domain.EffectNone},
	{domain.StatusComplete, domain.EventAsyncFailed, domain.StatusComplete, domain.OutcomeIgnored, domain.EffectNone},
	{domain.StatusComplete, domain.EventSessionExpired, domain.StatusComplete, domain.OutcomeIgnored, domain.EffectNone},
	{domain.StatusComplete, domain.EventCheckoutFailed, domain.StatusComplete, domain.OutcomeIgnored, domain.EffectNone},
	{domain.StatusComplete, domain.EventRefunded, domain.StatusRefunded, domain.OutcomeApplied, domain.EffectRevert},
	{domain.StatusComplete, domain.EventDisputeLost, domain.StatusRefunded, domain.OutcomeApplied, domain.EffectRevert},
	{domain.StatusComplete, domain.EventDisputeOpened, domain.StatusComplete, domain.OutcomeNoted, domain.EffectOwners},
	{domain.StatusComplete, domain.EventFraudWarning, domain.StatusComplete, domain.OutcomeNoted, domain.EffectOwners},

	// failed: terminal; money arriving anyway is an anomaly for owners.
	{domain.StatusFailed, domain.EventCheckoutPaid, domain.StatusFailed, domain.OutcomeAnomaly, domain.EffectOwners},
	{domain.StatusFailed, domain.EventCheckoutUnpaid, domain.StatusFailed, domain.OutcomeIgnored, domain.EffectNone},
	{domain.StatusFailed, domain.EventAsyncSucceeded, domain.StatusFailed, domain.OutcomeAnomaly, domain.EffectOwners},
	{domain.StatusFailed, domain.EventAsyncFailed, domain.StatusFailed, domain.OutcomeIgnored, domain.EffectNone},
	{domain.StatusFailed, domain.EventSessionExpired, domain.StatusFailed, domain.OutcomeIgnored, domain.EffectNone},
	{domain.StatusFailed, domain.EventCheckoutFailed, domain.StatusFailed, domain.OutcomeIgnored, domain.EffectNone},
	{domain.StatusFailed, domain.EventRefunded, domain.StatusFailed, domain.OutcomeIgnored, domain.EffectNone},
	{domain.StatusFailed, domain.EventDisputeLost, domain.StatusFailed, domain.OutcomeIgnored, domain.EffectNone},
	{domain.StatusFailed, domain.EventDisputeOpened, domain.StatusFailed, domain.OutcomeNoted, domain.EffectOwners},
	{domain.StatusFailed, domain.EventFraudWarning, domain.StatusFailed, domain.OutcomeNoted, domain.EffectOwners},

	// expired: terminal, like failed.
	{domain.StatusExpired, domain.EventCheckoutPaid, domain.StatusExpired, domain.OutcomeAnomaly, domain.EffectOwners},
	{domain.StatusExpired, domain.EventCheckoutUnpaid, domain.StatusExpired, domain.OutcomeIgnored, domain.EffectNone},
	{domain.StatusExpired, domain.EventAsyncSucceeded, domain.StatusExpired, domain.OutcomeAnomaly, domain.EffectOwners},
	{domain.StatusExpired, domain.EventAsyncFailed, domain.StatusExpired, domain.OutcomeIgnored, domain.EffectNone},
	{domain.StatusExpired, domain.EventSessionExpired, domain.StatusExpired, domain.OutcomeIgnored, domain.EffectNone},
	{domain.StatusExpired, domain.EventCheckoutFailed, domain.StatusExpired, domain.OutcomeIgnored, domain.EffectNone},
	{domain.StatusExpired, domain.EventRefunded, domain.StatusExpired, domain.OutcomeIgnored, domain.EffectNone},
	{domain.StatusExpired, domain.EventDisputeLost, domain.StatusExpired, domain.OutcomeIgnored, domain.EffectNone},
	{domain.StatusExpired, domain.EventDisputeOpened, domain.StatusExpired, domain.OutcomeNoted, domain.EffectOwners},
	{domain.StatusExpired, domain.EventFraudWarning, domain.StatusExpired, domain.OutcomeNoted, domain.EffectOwners},

	// refunded: terminal; the payment happened, so late payment events are stale.
	{domain.StatusRefunded, domain.EventCheckoutPaid, domain.StatusRefunded, domain.OutcomeIgnored, domain.EffectNone},
	{domain.StatusRefunded, domain.EventCheckoutUnpaid, domain.StatusRefunded, domain.OutcomeIgnored, domain.EffectNone},
	{domain.StatusRefunded, domain.EventAsyncSucceeded, domain.StatusRefunded, domain.OutcomeIgnored, domain.EffectNone},
	{domain.StatusRefunded, domain.EventAsyncFailed, domain.StatusRefunded, domain.OutcomeIgnored, domain.EffectNone},
	{domain.StatusRefunded, domain.EventSessionExpired, domain.StatusRefunded, domain.OutcomeIgnored, domain.EffectNone},
	{domain.StatusRefunded, domain.EventCheckoutFailed, domain.StatusRefunded, domain.OutcomeIgnored, domain.EffectNone},
	{domain.StatusRefunded, domain.EventRefunded, domain.StatusRefunded, domain.OutcomeIgnored, domain.EffectNone},
	{domain.StatusRefunded, domain.EventDisputeLost, domain.StatusRefunded, domain.OutcomeIgnored, domain.EffectNone},
	{domain.StatusRefunded, domain.EventDisputeOpened, domain.StatusRefunded, domain.OutcomeNoted, domain.EffectOwners},
	{domain.StatusRefunded, domain.EventFraudWarning, domain.StatusRefunded, domain.OutcomeNoted, domain.EffectOwners},
}

func TestDecide(t *testing.T) {
	for _, tc := range decideTable {
		t.Run(tc.from.String()+"/"+tc.ev.String(), func(t *testing.T) {
			d := domain.Decide(tc.from, tc.ev)
			if d.To != tc.to || d.Outcome != tc.outcome || d.Effect != tc.effect {
				t.Fatalf("Decide(%s, %s) = (%s, %s, effect %d), want (%s, %s, effect %d)",
					tc.from, tc.ev, d.To, d.Outcome, d.Effect, tc.to, tc.outcome, tc.effect)
			}
			// Whatever is not applied must say why in the history.
			if (tc.outcome == domain.OutcomeIgnored || tc.outcome == domain.OutcomeAnomaly) && d.Reason == "" {
				t.Errorf("Decide(%s, %s) gives no reason for %s", tc.from, tc.ev, d.Outcome)
			}
		})
	}
}

// TestDecideTableIsComplete makes a new status or event kind fail until
// its row is written.
func TestDecideTableIsComplete(t *testing.T) {
	seen := map[[2]string]int{}
	for _, tc := range decideTable {
		seen[[2]string{tc.from.String(), tc.ev.String()}]++
	}
	for _, s := range domain.Statuses {
		for _, k := range domain.EventKinds {
			if n := seen[[2]string{s.String(), k.String()}]; n != 1 {
				t.Errorf("(%s, %s) has %d rows in the table, want 1", s, k, n)
			}
		}
	}
	if want := len(domain.Statuses) * len(domain.EventKinds); len(decideTable) != want {
		t.Errorf("table has %d rows, want %d", len(decideTable), want)
	}
	if len(domain.Statuses) != 6 {
		t.Errorf("%d statuses, SPEC has 6", len(domain.Statuses))
	}
}

// Transitions never leave a terminal status and never go back to pending.
func TestDecideIsMonotonic(t *testing.T) {
	for _, s := range domain.Statuses {
		for _, k := range domain.EventKinds {
			d := domain.Decide(s, k)
			if s.IsTerminal() && d.To != s {
				t.Errorf("terminal %s moved to %s on %s", s, d.To, k)
			}
			if d.To == domain.StatusPending && s != domain.StatusPending {
				t.Errorf("%s went back to pending on %s", s, k)
			}
			if d.Outcome != domain.OutcomeApplied && d.To != s {
				t.Errorf("(%s, %s) moved to %s without being applied", s, k, d.To)
			}
		}
	}
}

func TestParseEventKindAndOutcome(t *testing.T) {
	for _, k := range append(append([]domain.EventKind(nil), domain.EventKinds...), domain.EventAmountMismatch) {
		got, err := domain.ParseEventKind(k.String())
		if err != nil || got != k {
			t.Errorf("ParseEventKind(%q) = %v, %v", k, got, err)
		}
	}
	for _, bad := range []string{"", "paid", "CHECKOUT_PAID", "checkout.session.completed"} {
		_, err := domain.ParseEventKind(bad)
		wantKind(t, err, domain.KindInvalid)
	}
	for _, o := range []domain.Outcome{domain.OutcomeApplied, domain.OutcomeIgnored, domain.OutcomeAnomaly, domain.OutcomeNoted} {
		got, err := domain.ParseOutcome(o.String())
		if err != nil || got != o {
			t.Errorf("ParseOutcome(%q) = %v, %v", o, got, err)
		}
	}
	_, err := domain.ParseOutcome("unmatched")
	wantKind(t, err, domain.KindInvalid)
}

// The reasons are read by owners: "an expired upgrade", not "a expired".
func TestDecideReasonsUseTheRightArticle(t *testing.T) {
	cases := map[string]domain.Decision{
		"payment received for an expired upgrade": domain.Decide(domain.StatusExpired, domain.EventCheckoutPaid),
		"payment received for a failed upgrade":   domain.Decide(domain.StatusFailed, domain.EventAsyncSucceeded),
		"does not apply to an expired upgrade":    domain.Decide(domain.StatusExpired, domain.EventRefunded),
		"does not apply to a complete upgrade":    domain.Decide(domain.StatusComplete, domain.EventSessionExpired),
	}
	for want, d := range cases {
		if !strings.Contains(d.Reason, want) {
			t.Errorf("reason %q does not say %q", d.Reason, want)
		}
	}
}
