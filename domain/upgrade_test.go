package domain_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"upgrades/domain"
)

func TestApplyFulfilsSelfAndGift(t *testing.T) {
	for _, tc := range []struct {
		desc       string
		recipient  domain.UserID
		typ        domain.UpgradeType
		startLevel domain.Level
		wantLevel  domain.Level
	}{
		{"self gold", 1, domain.UpgradeGold, domain.LevelMember, domain.LevelGold},
		{"gift platinum to a restricted user", 2, domain.UpgradePlatinum, domain.LevelRestricted, domain.LevelPlatinum},
		{"gold to platinum", 1, domain.UpgradeGoldToPlatinum, domain.LevelGold, domain.LevelPlatinum},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			up := storedUpgrade(tc.typ, 1, tc.recipient)
			rcp := stored(tc.recipient, "rcp", tc.startLevel)
			r := apply(t, up, domain.EventCheckoutPaid, "stripe evt_1", rcp)
			if !r.Fulfilled || r.Anomaly != "" || r.Outcome != domain.OutcomeApplied || r.From != domain.StatusPending || r.To != domain.StatusComplete {
				t.Fatalf("result %+v", r)
			}
			if rcp.Level() != tc.wantLevel || r.LevelBefore != tc.startLevel || r.LevelAfter != tc.wantLevel {
				t.Fatalf("level %s (result %s → %s), want %s → %s", rcp.Level(), r.LevelBefore, r.LevelAfter, tc.startLevel, tc.wantLevel)
			}
			if up.Status() != domain.StatusComplete || up.LevelBefore() != tc.startLevel || up.PaymentIntentID() != "pi_7" {
				t.Fatalf("upgrade %+v", up.Snapshot())
			}
			if !up.UpdatedAt().After(t0) || !up.IsRefundable() {
				t.Fatal("a fulfilled upgrade is updated and refundable")
			}
		})
	}
}

// TestApplyNeverDemotes: fulfilment sets the higher of the current and the
// granted level, whatever happened since the upgrade was started.
func TestApplyNeverDemotes(t *testing.T) {
	tests := []struct {
		typ       domain.UpgradeType
		current   domain.Level
		fulfilled bool // false: anomaly, level unchanged
		after     domain.Level
	}{
		{domain.UpgradeGold, domain.LevelRestricted, true, domain.LevelGold},
		{domain.UpgradeGold, domain.LevelMember, true, domain.LevelGold},
		{domain.UpgradeGold, domain.LevelGold, false, domain.LevelGold},
		{domain.UpgradeGold, domain.LevelPlatinum, false, domain.LevelPlatinum},
		{domain.UpgradeGold, domain.LevelBuilder, false, domain.LevelBuilder},
		{domain.UpgradeGold, domain.LevelModerator, false, domain.LevelModerator},
		{domain.UpgradeGold, domain.LevelAdmin, false, domain.LevelAdmin},
		{domain.UpgradeGold, domain.LevelOwner, false, domain.LevelOwner},
		{domain.UpgradePlatinum, domain.LevelRestricted, true, domain.LevelPlatinum},
		{domain.UpgradePlatinum, domain.LevelMember, true, domain.LevelPlatinum},
		{domain.UpgradePlatinum, domain.LevelGold, true, domain.LevelPlatinum},
		{domain.UpgradePlatinum, domain.LevelPlatinum, false, domain.LevelPlatinum},
		{domain.UpgradePlatinum, domain.LevelBuilder, false, domain.LevelBuilder},
		{domain.UpgradePlatinum, domain.LevelModerator, false, domain.LevelModerator},
		{domain.UpgradePlatinum, domain.LevelAdmin, false, domain.LevelAdmin},
		{domain.UpgradePlatinum, domain.LevelOwner, false, domain.LevelOwner},
		{domain.UpgradeGoldToPlatinum, domain.LevelRestricted, true, domain.LevelPlatinum},
		{domain.UpgradeGoldToPlatinum, domain.LevelMember, true, domain.LevelPlatinum},
		{domain.UpgradeGoldToPlatinum, domain.LevelGold, true, domain.LevelPlatinum},
		{domain.UpgradeGoldToPlatinum, domain.LevelPlatinum, false, domain.LevelPlatinum},
		{domain.UpgradeGoldToPlatinum, domain.LevelBuilder, false, domain.LevelBuilder},
		{domain.UpgradeGoldToPlatinum, domain.LevelModerator, false, domain.LevelModerator},
		{domain.UpgradeGoldToPlatinum, domain.LevelAdmin, false, domain.LevelAdmin},
		{domain.UpgradeGoldToPlatinum, domain.LevelOwner, false, domain.LevelOwner},
	}
	for _, tc := range tests {
		for _, kind := range []domain.EventKind{domain.EventCheckoutPaid, domain.EventAsyncSucceeded} {
			t.Run(tc.typ.String()+"/"+tc.current.String()+"/"+kind.String(), func(t *testing.T) {
				up := storedUpgrade(tc.typ, 2, 1)
				rcp := stored(1, "alice", tc.current)
				r := apply(t, up, kind, "stripe evt_9", rcp)
				if r.Fulfilled != tc.fulfilled || rcp.Level() != tc.after || r.LevelAfter != tc.after {
					t.Fatalf("fulfilled=%t level=%s, want %t %s", r.Fulfilled, rcp.Level(), tc.fulfilled, tc.after)
				}
				// Paid either way: the upgrade is complete.
				if up.Status() != domain.StatusComplete {
					t.Fatalf("status %s, want complete", up.Status())
				}
				last := up.History()[len(up.History())-1]
				if tc.fulfilled {
					if r.Anomaly != "" || last.Outcome != domain.OutcomeApplied {
						t.Fatalf("unexpected anomaly %q / %s", r.Anomaly, last.Outcome)
					}
					return
				}
				if r.Anomaly == "" || last.Outcome != domain.OutcomeAnomaly || last.Note != r.Anomaly || !strings.Contains(last.Note, "alice") {
					t.Fatalf("want an anomaly in the result and history, got %q / %+v", r.Anomaly, last)
				}
				if last.From != domain.StatusPending || last.To != domain.StatusComplete || last.Event != kind {
					t.Fatalf("history entry %+v", last)
				}
			})
		}
	}
}

// TestApplyRevert: a refund puts the recipient back only while they are
// still at the level this upgrade granted.
func TestApplyRevert(t *testing.T) {
	tests := []struct {
		desc     string
		typ      domain.UpgradeType
		start    domain.Level
		between  domain.Level // the level set after fulfilment; zero: untouched
		revertOn domain.EventKind
		reverted bool
		final    domain.Level
	}{
		{"refund gold", domain.UpgradeGold, domain.LevelMember, domain.Level{}, domain.EventRefunded, true, domain.LevelMember},
		{"refund gold from restricted", domain.UpgradeGold, domain.LevelRestricted, domain.Level{}, domain.EventRefunded, true, domain.LevelRestricted},
		{"dispute lost", domain.UpgradePlatinum, domain.LevelMember, domain.Level{}, domain.EventDisputeLost, true, domain.LevelMember},
		{"refund gold to platinum", domain.UpgradeGoldToPlatinum, domain.LevelGold, domain.Level{}, domain.EventRefunded, true, domain.LevelGold},
		{"promoted to moderator since", domain.UpgradeGold, domain.LevelMember, domain.LevelModerator, domain.EventRefunded, false, domain.LevelModerator},
		{"upgraded to platinum since", domain.UpgradeGold, domain.LevelMember, domain.LevelPlatinum, domain.EventRefunded, false, domain.LevelPlatinum},
		{"restricted by an operator since", domain.UpgradeGold, domain.LevelMember, domain.LevelRestricted, domain.EventDisputeLost, false, domain.LevelRestricted},
		{"paid when already gold", domain.UpgradeGold, domain.LevelGold, domain.Level{}, domain.EventRefunded, false, domain.LevelGold},
		{"paid when already admin", domain.UpgradeGold, domain.LevelAdmin, domain.Level{}, domain.EventRefunded, false, domain.LevelAdmin},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			up := storedUpgrade(tc.typ, 1, 1)
			rcp := stored(1, "alice", tc.start)
			apply(t, up, domain.EventCheckoutPaid, "stripe evt_paid", rcp)
			if !tc.between.IsZero() {
				if err := rcp.SetLevel(tc.between); err != nil {
					t.Fatal(err)
				}
			}
			r := apply(t, up, tc.revertOn, "owner olivia", rcp)
			if up.Status() != domain.StatusRefunded || r.Outcome != domain.OutcomeApplied {
				t.Fatalf("status %s outcome %s, want refunded applied", up.Status(), r.Outcome)
			}
			if r.Reverted != tc.reverted || rcp.Level() != tc.final || r.LevelAfter != tc.final {
				t.Fatalf("reverted=%t level=%s, want %t %s", r.Reverted, rcp.Level(), tc.reverted, tc.final)
			}
			last := up.History()[len(up.History())-1]
			if last.Note == "" || last.Cause != "owner olivia" || last.To != domain.StatusRefunded {
				t.Fatalf("history entry %+v", last)
			}
			if up.IsRefundable() {
				t.Fatal("a refunded upgrade cannot be refunded again")
			}
		})
	}
}

// An upgrade stored without the level before fulfilment (it never
// happened) must not be "reverted" to the zero level.
func TestApplyRevertWithoutLevelBefore(t *testing.T) {
	s := storedUpgrade(domain.UpgradeGold, 1, 1).Snapshot()
	s.Status, s.PaymentIntentID = domain.StatusComplete, "pi_7"
	up := domain.UnmarshalUpgradeFromDatabase(s, nil)
	rcp := stored(1, "alice", domain.LevelGold)
	r := apply(t, up, domain.EventRefunded, "stripe evt_r", rcp)
	if r.Reverted || rcp.Level() != domain.LevelGold || up.Status() != domain.StatusRefunded {
		t.Fatalf("reverted=%t level=%s status=%s", r.Reverted, rcp.Level(), up.Status())
	}
}

func TestApplyRecordsEveryCall(t *testing.T) {
	up := storedUpgrade(domain.UpgradeGold, 1, 1)
	rcp := stored(1, "alice", domain.LevelMember)
	steps := []struct {
		kind    domain.EventKind
		cause   string
		from    domain.Status
		to      domain.Status
		outcome domain.Outcome
	}{
		{domain.EventCheckoutUnpaid, "stripe evt_1 checkout.session.completed", domain.StatusPending, domain.StatusProcessing, domain.OutcomeApplied},
		{domain.EventCheckoutUnpaid, "stripe evt_2 checkout.session.completed", domain.StatusProcessing, domain.StatusProcessing, domain.OutcomeIgnored},
		{domain.EventSessionExpired, "reconciler", domain.StatusProcessing, domain.StatusProcessing, domain.OutcomeIgnored},
		{domain.EventFraudWarning, "stripe evt_3", domain.StatusProcessing, domain.StatusProcessing, domain.OutcomeNoted},
		{domain.EventAsyncSucceeded, "stripe evt_4", domain.StatusProcessing, domain.StatusComplete, domain.OutcomeApplied},
		{domain.EventCheckoutPaid, "success page", domain.StatusComplete, domain.StatusComplete, domain.OutcomeIgnored},
		{domain.EventDisputeOpened, "stripe evt_5", domain.StatusComplete, domain.StatusComplete, domain.OutcomeNoted},
		{domain.EventRefunded, "owner olivia: refund re_1", domain.StatusComplete, domain.StatusRefunded, domain.OutcomeApplied},
		{domain.EventDisputeLost, "stripe evt_6", domain.StatusRefunded, domain.StatusRefunded, domain.OutcomeIgnored},
	}
	for i, s := range steps {
		now := t0.Add(time.Duration(i+1) * time.Minute)
		r, err := up.Apply(matching(up, s.kind, s.cause, ""), domain.Facts{Recipient: rcp}, now)
		if err != nil {
			t.Fatal(err)
		}
		if r.Outcome != s.outcome || r.From != s.from || r.To != s.to {
			t.Fatalf("step %d (%s): %s → %s %s, want %s → %s %s", i, s.kind, r.From, r.To, r.Outcome, s.from, s.to, s.outcome)
		}
	}
	h := up.History()
	if len(h) != len(steps) || len(up.UnsavedHistory()) != len(steps) {
		t.Fatalf("history has %d entries (%d unsaved), want %d", len(h), len(up.UnsavedHistory()), len(steps))
	}
	for i, s := range steps {
		e := h[i]
		if e.Event != s.kind || e.Cause != s.cause || e.From != s.from || e.To != s.to || e.Outcome != s.outcome {
			t.Errorf("entry %d = %+v, want %s %q %s→%s %s", i, e, s.kind, s.cause, s.from, s.to, s.outcome)
		}
		if !e.At.Equal(t0.Add(time.Duration(i+1) * time.Minute)) {
			t.Errorf("entry %d at %s", i, e.At)
		}
		if s.outcome == domain.OutcomeIgnored && e.Note == "" {
			t.Errorf("entry %d: an ignored event must say why", i)
		}
	}
	if rcp.Level() != domain.LevelMember {
		t.Fatalf("after the refund the level is %s, want member", rcp.Level())
	}
}

func TestApplyCapturesThePaymentIntent(t *testing.T) {
	up := storedUpgrade(domain.UpgradeGold, 1, 1)
	rcp := stored(1, "alice", domain.LevelMember)
	// An ignored event does not get to name the payment.
	if _, err := up.Apply(domain.Payment{Kind: domain.EventRefunded, Cause: "x", PaymentIntentID: "pi_wrong"}, domain.Facts{Recipient: rcp}, t0); err != nil {
		t.Fatal(err)
	}
	if up.PaymentIntentID() != "" {
		t.Fatalf("an ignored event set the payment intent to %q", up.PaymentIntentID())
	}
	if _, err := up.Apply(domain.Payment{Kind: domain.EventCheckoutUnpaid, Cause: "x", PaymentIntentID: "pi_first"}, domain.Facts{Recipient: rcp}, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := up.Apply(domain.Payment{Kind: domain.EventAsyncSucceeded, Cause: "x", PaymentIntentID: "pi_second"}, domain.Facts{Recipient: rcp}, t0); err != nil {
		t.Fatal(err)
	}
	if up.PaymentIntentID() != "pi_first" {
		t.Fatalf("payment intent %q, want the first one captured", up.PaymentIntentID())
	}
}

// A hostile event cannot bloat the history, and trimming never leaves
// half a character behind (PostgreSQL refuses invalid UTF-8).
func TestApplyTrimsTheCause(t *testing.T) {
	for _, tc := range []struct {
		desc, cause string
		min, max    int
	}{
		{"ascii", "  " + strings.Repeat("x", 1000), 200, 200},
		{"two-byte runes", "x" + strings.Repeat("é", 150), 199, 199},
		{"three-byte runes", "x" + strings.Repeat("€", 100), 199, 199},
		{"four-byte runes", "xy" + strings.Repeat("😀", 100), 198, 198},
		{"short", "stripe evt_1 ✓", 16, 16},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			up := storedUpgrade(domain.UpgradeGold, 1, 1)
			rcp := stored(1, "alice", domain.LevelMember)
			apply(t, up, domain.EventFraudWarning, tc.cause, rcp)
			c := up.History()[0].Cause
			if len(c) < tc.min || len(c) > tc.max || strings.HasPrefix(c, " ") || !utf8.ValidString(c) {
				t.Fatalf("cause of %d bytes kept (valid UTF-8: %t)", len(c), utf8.ValidString(c))
			}
			if !strings.HasPrefix(strings.TrimSpace(tc.cause), c) {
				t.Fatal("the cause was not trimmed from its end")
			}
		})
	}
}

func TestApplyNeedsItsRecipient(t *testing.T) {
	up := storedUpgrade(domain.UpgradeGold, 1, 2)
	for _, rcp := range []*domain.User{nil, stored(1, "alice", domain.LevelMember)} {
		if _, err := up.Apply(domain.Payment{Kind: domain.EventCheckoutPaid}, domain.Facts{Recipient: rcp}, t0); err == nil {
			t.Fatal("Apply with the wrong recipient must fail")
		}
	}
	if up.Status() != domain.StatusPending || len(up.History()) != 0 {
		t.Fatal("a refused Apply must change nothing")
	}
}

func TestRecordAnomaly(t *testing.T) {
	up := storedUpgrade(domain.UpgradeGold, 1, 1)
	up.RecordAnomaly("stripe evt_1", "amount differs", t0)
	h := up.History()
	if len(h) != 1 || h[0].Outcome != domain.OutcomeAnomaly || h[0].From != domain.StatusPending || h[0].To != domain.StatusPending || h[0].Note != "amount differs" {
		t.Fatalf("history %+v", h)
	}
	if up.Status() != domain.StatusPending {
		t.Fatal("an anomaly changes no status")
	}
}

func TestAttachCheckoutAndOpenCheckout(t *testing.T) {
	alice := stored(1, "alice", domain.LevelMember)
	up, err := domain.NewUpgrade(alice, alice, domain.UpgradeGold, domain.DefaultPrices(), t0)
	if err != nil {
		t.Fatal(err)
	}
	up.AssignID(3)
	if up.HasOpenCheckout(t0, 0) {
		t.Fatal("no checkout yet")
	}
	wantKind(t, up.AttachCheckout("", "https://x", t0.Add(time.Hour), t0), domain.KindInvalid)
	wantKind(t, up.AttachCheckout("cs_1", "", t0.Add(time.Hour), t0), domain.KindInvalid)
	if err := up.AttachCheckout("cs_1", "https://checkout.test/cs_1", t0.Add(time.Hour), t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	wantKind(t, up.AttachCheckout("cs_2", "https://checkout.test/cs_2", t0.Add(time.Hour), t0), domain.KindConflict)
	if up.SessionID() != "cs_1" || up.CheckoutURL() != "https://checkout.test/cs_1" {
		t.Fatalf("session %q %q", up.SessionID(), up.CheckoutURL())
	}
	for _, tc := range []struct {
		at     time.Duration
		margin time.Duration
		open   bool
	}{
		{0, 5 * time.Minute, true},
		{54 * time.Minute, 5 * time.Minute, true},
		{55 * time.Minute, 5 * time.Minute, false},
		{59 * time.Minute, 0, true},
		{time.Hour, 0, false},
		{2 * time.Hour, 0, false},
	} {
		if got := up.HasOpenCheckout(t0.Add(tc.at), tc.margin); got != tc.open {
			t.Errorf("HasOpenCheckout(+%s, margin %s) = %t, want %t", tc.at, tc.margin, got, tc.open)
		}
	}
	apply(t, up, domain.EventCheckoutUnpaid, "x", alice)
	if up.HasOpenCheckout(t0, 0) {
		t.Fatal("a processing upgrade has no open checkout")
	}
}

func TestCanBeViewedBy(t *testing.T) {
	up := storedUpgrade(domain.UpgradeGold, 1, 2)
	for _, tc := range []struct {
		viewer *domain.User
		ok     bool
	}{
		{nil, false},
		{stored(1, "purchaser", domain.LevelMember), true},
		{stored(2, "recipient", domain.LevelRestricted), true},
		{stored(3, "stranger", domain.LevelModerator), false},
		{stored(4, "admin", domain.LevelAdmin), true},
		{stored(5, "owner", domain.LevelOwner), true},
	} {
		if got := up.CanBeViewedBy(tc.viewer); got != tc.ok {
			name := "nobody"
			if tc.viewer != nil {
				name = tc.viewer.Name()
			}
			t.Errorf("CanBeViewedBy(%s) = %t, want %t", name, got, tc.ok)
		}
	}
}

// TestRefundRule is SPEC §2's refund rule and its examples: the recipient
// keeps the higher of what they still paid for and the level they had
// before their first fulfilled upgrade.
func TestRefundRule(t *testing.T) {
	refund := func(t *testing.T, up *domain.Upgrade, rcp *domain.User, fulfilled ...*domain.Upgrade) domain.Result {
		t.Helper()
		r, err := up.Apply(matching(up, domain.EventRefunded, "owner olivia", ""), domain.Facts{Recipient: rcp, Fulfilled: fulfilled}, t0.Add(time.Hour))
		if err != nil || r.To != domain.StatusRefunded {
			t.Fatalf("refund: %+v, %v", r, err)
		}
		return r
	}
	t.Run("two Gold gifts to bob, one refunded: bob stays Gold", func(t *testing.T) {
		bob := stored(2, "bob", domain.LevelMember)
		first, second := storedUpgrade(domain.UpgradeGold, 1, 2), withID(storedUpgrade(domain.UpgradeGold, 3, 2), 8)
		apply(t, first, domain.EventCheckoutPaid, "stripe evt_1", bob)
		if r := apply(t, second, domain.EventCheckoutPaid, "stripe evt_2", bob); r.Fulfilled || r.Anomaly == "" {
			t.Fatalf("the second gift raised nothing: %+v", r)
		}
		if r := refund(t, first, bob, first, second); r.Reverted || bob.Level() != domain.LevelGold {
			t.Fatalf("bob is %s (reverted %t), want Gold: the other gift is still paid", bob.Level(), r.Reverted)
		}
		if r := refund(t, second, bob, first, second); !r.Reverted || bob.Level() != domain.LevelMember {
			t.Fatalf("bob is %s after both refunds, want member", bob.Level())
		}
	})
	t.Run("alice bought Gold, then Gold to Platinum", func(t *testing.T) {
		alice := stored(1, "alice", domain.LevelMember)
		gold, toPlatinum := storedUpgrade(domain.UpgradeGold, 1, 1), withID(storedUpgrade(domain.UpgradeGoldToPlatinum, 1, 1), 8)
		apply(t, gold, domain.EventCheckoutPaid, "stripe evt_1", alice)
		apply(t, toPlatinum, domain.EventCheckoutPaid, "stripe evt_2", alice)
		if refund(t, gold, alice, gold, toPlatinum); alice.Level() != domain.LevelPlatinum {
			t.Fatalf("refunding the Gold made alice %s, want Platinum", alice.Level())
		}
		if refund(t, toPlatinum, alice, gold, toPlatinum); alice.Level() != domain.LevelMember {
			t.Fatalf("refunding the Gold to Platinum after that made alice %s, want member", alice.Level())
		}
	})
}

// withID is up stored under another id.
func withID(up *domain.Upgrade, id domain.UpgradeID) *domain.Upgrade {
	s := up.Snapshot()
	s.ID = id
	return domain.UnmarshalUpgradeFromDatabase(s, nil)
}
