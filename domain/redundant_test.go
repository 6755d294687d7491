package domain_test

import (
	"testing"
	"time"

	"upgrades/domain"
)

// SPEC §2: with AutoRefund, money that settles but raises nothing, or
// arrives for a failed or expired upgrade, ends the upgrade refunded as
// redundant, with no level change, the purchaser and the owners told;
// without it, or with nothing to refund, the owners see an anomaly.
func TestRedundantPayments(t *testing.T) {
	for _, tc := range []struct {
		desc       string
		from       domain.Status
		bob        domain.Level
		kind       domain.EventKind
		auto       bool
		pi         string
		redundant  bool
		wantStatus domain.Status
		why        string // the purchaser's notice
	}{
		{"paid, bob already Gold", domain.StatusPending, domain.LevelGold, domain.EventCheckoutPaid, true, "pi_7", true, domain.StatusRefunded, "bob already had Gold"},
		{"settled, bob already Platinum", domain.StatusProcessing, domain.LevelPlatinum, domain.EventAsyncSucceeded, true, "pi_7", true, domain.StatusRefunded, "bob already had Platinum"},
		{"paid after expiry", domain.StatusExpired, domain.LevelMember, domain.EventCheckoutPaid, true, "pi_7", true, domain.StatusRefunded, "upgrade #7 had expired when the payment arrived"},
		{"settled after failing", domain.StatusFailed, domain.LevelMember, domain.EventAsyncSucceeded, true, "pi_7", true, domain.StatusRefunded, "upgrade #7 had failed when the payment arrived"},
		{"unpaid, bob already Gold: not settled yet", domain.StatusPending, domain.LevelGold, domain.EventCheckoutUnpaid, true, "pi_7", false, domain.StatusProcessing, ""},
		{"AUTO_REFUND=false", domain.StatusPending, domain.LevelGold, domain.EventCheckoutPaid, false, "pi_7", false, domain.StatusComplete, ""},
		{"AUTO_REFUND=false after expiry", domain.StatusExpired, domain.LevelMember, domain.EventCheckoutPaid, false, "pi_7", false, domain.StatusExpired, ""},
		{"nothing to refund", domain.StatusPending, domain.LevelGold, domain.EventCheckoutPaid, true, "", false, domain.StatusComplete, ""},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			up := storedUpgrade(domain.UpgradeGold, 1, 2)
			s := up.Snapshot()
			s.Status = tc.from
			up = domain.UnmarshalUpgradeFromDatabase(s, nil)
			bob := stored(2, "bob", tc.bob)
			r, err := up.Apply(matching(up, tc.kind, "stripe evt_1", tc.pi), domain.Facts{Recipient: bob, AutoRefund: tc.auto}, t0.Add(time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			if r.Redundant != tc.redundant || up.Status() != tc.wantStatus || bob.Level() != tc.bob {
				t.Fatalf("redundant %t, %s, bob %s; want %t, %s, %s", r.Redundant, up.Status(), bob.Level(), tc.redundant, tc.wantStatus, tc.bob)
			}
			if !tc.redundant {
				return
			}
			if r.Outcome != domain.OutcomeApplied || r.Anomaly != "" || r.Fulfilled || !up.LevelBefore().IsZero() || up.PaymentIntentID() != tc.pi {
				t.Fatalf("result %+v, upgrade %+v", r, up.Snapshot())
			}
			if len(r.Notices) != 2 || r.Notices[0].To != 1 || r.Notices[0].Detail != tc.why || !r.Notices[1].ToOwners() ||
				r.Notices[0].Kind != domain.NoticeRedundantRefund || r.Notices[1].Kind != domain.NoticeRedundantRefund {
				t.Fatalf("notices %+v", r.Notices)
			}
		})
	}
}
