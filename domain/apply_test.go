package domain_test

import (
	"strings"
	"testing"
	"time"

	"upgrades/domain"
)

// applyTable is every (status, payment) pair a gift of Gold from alice
// (1) to bob (2) can meet: each payment kind matching the upgrade, and one
// row per reason a payment does not match. It says everything Apply
// decides: the status, the outcome, the verdict, the level and the notices.
//
// The upgrade starts in the row's status with bob at the level that status
// implies (member, or Gold once complete). Notices are written "who:what",
// who being recipient, purchaser or owners.
var applyTable = []struct {
	from    domain.Status
	payment string // a kind, or a kind with a change: "checkout_paid/eur"
	to      domain.Status
	outcome domain.Outcome
	match   domain.Mismatch
	level   domain.Level // bob's level afterwards
	notices string
}{
	{pending, "checkout_paid", complete, applied, none, gold, "recipient:upgraded purchaser:gift_delivered"},
	{pending, "checkout_unpaid", processing, applied, none, member, ""},
	{pending, "async_succeeded", complete, applied, none, gold, "recipient:upgraded purchaser:gift_delivered"},
	{pending, "async_failed", failed, applied, none, member, "purchaser:payment_failed"},
	{pending, "session_expired", expired, applied, none, member, ""},
	{pending, "checkout_failed", failed, applied, none, member, ""},
	{pending, "refunded", pending, ignored, none, member, ""},
	{pending, "dispute_lost", pending, ignored, none, member, ""},
	{pending, "dispute_opened", pending, noted, none, member, "owners:dispute"},
	{pending, "fraud_warning", pending, noted, none, member, "owners:fraud_warning"},

	{processing, "checkout_paid", complete, applied, none, gold, "recipient:upgraded purchaser:gift_delivered"},
	{processing, "checkout_unpaid", processing, ignored, none, member, ""},
	{processing, "async_succeeded", complete, applied, none, gold, "recipient:upgraded purchaser:gift_delivered"},
	{processing, "async_failed", failed, applied, none, member, "purchaser:payment_failed"},
	{processing, "session_expired", processing, ignored, none, member, ""},
	{processing, "checkout_failed", processing, ignored, none, member, ""},
	{processing, "refunded", processing, ignored, none, member, ""},
	{processing, "dispute_lost", processing, ignored, none, member, ""},
	{processing, "dispute_opened", processing, noted, none, member, "owners:dispute"},
	{processing, "fraud_warning", processing, noted, none, member, "owners:fraud_warning"},

	{complete, "checkout_paid", complete, ignored, none, gold, ""},
	{complete, "checkout_unpaid", complete, ignored, none, gold, ""},
	{complete, "async_succeeded", complete, ignored, none, gold, ""},
	{complete, "async_failed", complete, ignored, none, gold, ""},
	{complete, "session_expired", complete, ignored, none, gold, ""},
	{complete, "checkout_failed", complete, ignored, none, gold, ""},
	{complete, "refunded", refunded, applied, none, member, "purchaser:refunded recipient:gift_reverted"},
	{complete, "dispute_lost", refunded, applied, none, member, "purchaser:refunded recipient:gift_reverted owners:dispute_lost"},
	{complete, "dispute_opened", complete, noted, none, gold, "owners:dispute"},
	{complete, "fraud_warning", complete, noted, none, gold, "owners:fraud_warning"},

	{failed, "checkout_paid", failed, anomaly, none, member, "owners:anomaly"},
	{failed, "checkout_unpaid", failed, ignored, none, member, ""},
	{failed, "async_succeeded", failed, anomaly, none, member, "owners:anomaly"},
	{failed, "async_failed", failed, ignored, none, member, ""},
	{failed, "session_expired", failed, ignored, none, member, ""},
	{failed, "checkout_failed", failed, ignored, none, member, ""},
	{failed, "refunded", failed, ignored, none, member, ""},
	{failed, "dispute_lost", failed, ignored, none, member, ""},
	{failed, "dispute_opened", failed, noted, none, member, "owners:dispute"},
	{failed, "fraud_warning", failed, noted, none, member, "owners:fraud_warning"},

	{expired, "checkout_paid", expired, anomaly, none, member, "owners:anomaly"},
	{expired, "checkout_unpaid", expired, ignored, none, member, ""},
	{expired, "async_succeeded", expired, anomaly, none, member, "owners:anomaly"},
	{expired, "async_failed", expired, ignored, none, member, ""},
	{expired, "session_expired", expired, ignored, none, member, ""},
	{expired, "checkout_failed", expired, ignored, none, member, ""},
	{expired, "refunded", expired, ignored, none, member, ""},
	{expired, "dispute_lost", expired, ignored, none, member, ""},
	{expired, "dispute_opened", expired, noted, none, member, "owners:dispute"},
	{expired, "fraud_warning", expired, noted, none, member, "owners:fraud_warning"},

	{refunded, "checkout_paid", refunded, ignored, none, member, ""},
	{refunded, "checkout_unpaid", refunded, ignored, none, member, ""},
	{refunded, "async_succeeded", refunded, ignored, none, member, ""},
	{refunded, "async_failed", refunded, ignored, none, member, ""},
	{refunded, "session_expired", refunded, ignored, none, member, ""},
	{refunded, "checkout_failed", refunded, ignored, none, member, ""},
	{refunded, "refunded", refunded, ignored, none, member, ""},
	{refunded, "dispute_lost", refunded, ignored, none, member, ""},
	{refunded, "dispute_opened", refunded, noted, none, member, "owners:dispute"},
	{refunded, "fraud_warning", refunded, noted, none, member, "owners:fraud_warning"},

	// A payment that is not about the upgrade changes nothing, whatever
	// its kind, and each reason is told apart.
	{pending, "checkout_paid/no session", pending, anomaly, domain.MismatchMissing, member, "owners:anomaly"},
	{pending, "async_succeeded/no currency", pending, anomaly, domain.MismatchMissing, member, "owners:anomaly"},
	{pending, "checkout_paid/live", pending, anomaly, domain.MismatchLivemode, member, "owners:anomaly"},
	{complete, "dispute_opened/live", complete, anomaly, domain.MismatchLivemode, gold, "owners:anomaly"},
	{pending, "checkout_paid/other session", pending, anomaly, domain.MismatchSession, member, "owners:anomaly"},
	{pending, "session_expired/other session", pending, anomaly, domain.MismatchSession, member, "owners:anomaly"},
	{complete, "refunded/other payment", complete, anomaly, domain.MismatchPaymentIntent, gold, "owners:anomaly"},
	{pending, "checkout_paid/eur", pending, anomaly, domain.MismatchCurrency, member, "owners:anomaly"},
	{processing, "async_succeeded/1 usd", processing, anomaly, domain.MismatchAmount, member, "owners:anomaly"},
	{complete, "refunded/1 usd", complete, anomaly, domain.MismatchAmount, gold, "owners:anomaly"},
}

var (
	pending, processing, complete = domain.StatusPending, domain.StatusProcessing, domain.StatusComplete
	failed, expired, refunded     = domain.StatusFailed, domain.StatusExpired, domain.StatusRefunded
	applied, ignored              = domain.OutcomeApplied, domain.OutcomeIgnored
	anomaly, noted                = domain.OutcomeAnomaly, domain.OutcomeNoted
	none                          = domain.MismatchNone
	member, gold                  = domain.LevelMember, domain.LevelGold
)

func TestApplyTable(t *testing.T) {
	for _, tc := range applyTable {
		t.Run(tc.from.String()+" "+tc.payment, func(t *testing.T) {
			up, bob := giftIn(tc.from)
			p := tablePayment(t, up, tc.payment)
			histBefore := len(up.History())
			r, err := up.Apply(p, domain.Facts{Recipient: bob}, t0.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if r.From != tc.from || r.To != tc.to || up.Status() != tc.to || r.EventOutcome() != tc.outcome {
				t.Errorf("%s → %s %s (status %s), want → %s %s", r.From, r.To, r.EventOutcome(), up.Status(), tc.to, tc.outcome)
			}
			if r.Match.Reason != tc.match || r.Match.OK() != (tc.match == none) || (!r.Match.OK() && r.Match.Note == "") {
				t.Errorf("verdict %q (%s), want %q", r.Match.Reason, r.Match.Note, tc.match)
			}
			if bob.Level() != tc.level || r.LevelAfter != tc.level {
				t.Errorf("bob is %s (result %s), want %s", bob.Level(), r.LevelAfter, tc.level)
			}
			if r.Fulfilled != (tc.level == gold && tc.from != complete) || r.Reverted != (tc.from == complete && tc.level == member) {
				t.Errorf("fulfilled %t reverted %t", r.Fulfilled, r.Reverted)
			}
			if got := noticeString(r.Notices); got != tc.notices {
				t.Errorf("notices %q, want %q", got, tc.notices)
			}
			for _, n := range r.Notices {
				if n.UpgradeID != up.ID() || n.Purchaser != 1 || n.Recipient != 2 || !n.Gift || n.Level != gold || n.LevelNow != bob.Level() || n.Price != up.Price() || n.Cause != p.Cause {
					t.Errorf("notice %+v does not say who, what and how much", n)
				}
				if n.Kind == domain.NoticeAnomaly && n.Detail == "" {
					t.Error("an anomaly notice must say why")
				}
			}
			h := up.History()
			if len(h) != histBefore+1 {
				t.Fatalf("%d history entries added, want 1", len(h)-histBefore)
			}
			if last := h[len(h)-1]; last.Outcome != tc.outcome || last.To != tc.to || last.Cause != p.Cause ||
				(tc.outcome != applied && tc.outcome != noted && last.Note == "") {
				t.Errorf("history entry %+v", last)
			}
		})
	}
}

// TestApplyTableIsComplete makes a new status or payment kind fail until
// its rows are written.
func TestApplyTableIsComplete(t *testing.T) {
	seen := map[[2]string]int{}
	for _, tc := range applyTable {
		if !strings.Contains(tc.payment, "/") {
			seen[[2]string{tc.from.String(), tc.payment}]++
		}
	}
	for _, s := range domain.Statuses {
		for _, k := range domain.EventKinds {
			if n := seen[[2]string{s.String(), k.String()}]; n != 1 {
				t.Errorf("(%s, %s) has %d rows, want 1", s, k, n)
			}
		}
	}
	reasons := map[domain.Mismatch]bool{}
	for _, tc := range applyTable {
		reasons[tc.match] = true
	}
	for _, m := range []domain.Mismatch{none, domain.MismatchMissing, domain.MismatchLivemode, domain.MismatchSession, domain.MismatchPaymentIntent, domain.MismatchCurrency, domain.MismatchAmount} {
		if !reasons[m] {
			t.Errorf("no row has the verdict %q", m)
		}
	}
}

// giftIn is a Gold gift from alice (1) to bob (2) in status s, paid by
// pi_7 once paid, with bob at the level s implies.
func giftIn(s domain.Status) (*domain.Upgrade, *domain.User) {
	snap := storedUpgrade(domain.UpgradeGold, 1, 2).Snapshot()
	snap.Status = s
	bob := stored(2, "bob", member)
	switch s {
	case complete:
		snap.PaymentIntentID, snap.LevelBefore = "pi_7", member
		bob = stored(2, "bob", gold)
	case refunded:
		snap.PaymentIntentID, snap.LevelBefore = "pi_7", member
	case processing:
		snap.PaymentIntentID = "pi_7"
	}
	return domain.UnmarshalUpgradeFromDatabase(snap, nil), bob
}

// tablePayment is the payment a row names: a kind matching up, changed as
// the text after the slash says.
func tablePayment(t *testing.T, up *domain.Upgrade, s string) domain.Payment {
	kindSlug, change, _ := strings.Cut(s, "/")
	kind, err := domain.ParseEventKind(kindSlug)
	if err != nil {
		t.Fatal(err)
	}
	p := matching(up, kind, "stripe evt_1 "+s, "pi_7")
	switch change {
	case "":
	case "no session":
		p.SessionID = ""
	case "no currency":
		p.Currency, p.Amount = "", 0
	case "live":
		p.Livemode = true
	case "other session":
		p.SessionID = "cs_test_other"
	case "other payment":
		p.PaymentIntentID = "pi_other"
	case "eur":
		p.Currency = "eur"
	case "1 usd":
		p.Amount = 1
	default:
		t.Fatalf("unknown change %q", change)
	}
	return p
}

func noticeString(ns []domain.Notice) string {
	var parts []string
	for _, n := range ns {
		who := "owners"
		switch {
		case n.ToOwners():
		case n.To == n.Recipient:
			who = "recipient"
		case n.To == n.Purchaser:
			who = "purchaser"
		default:
			who = "stranger"
		}
		parts = append(parts, who+":"+n.Kind.String())
	}
	return strings.Join(parts, " ")
}

// A payment of no upgrade tells the owners only of disputes and warnings.
func TestUnmatchedNotices(t *testing.T) {
	want := map[domain.EventKind]domain.NoticeKind{
		domain.EventDisputeOpened: domain.NoticeDispute,
		domain.EventDisputeLost:   domain.NoticeDisputeLost,
		domain.EventFraudWarning:  domain.NoticeFraudWarning,
	}
	for _, k := range domain.EventKinds {
		ns := domain.UnmatchedNotices(domain.Payment{Kind: k, Cause: "stripe evt_1: dispute dp_1 on charge ch_1"})
		w, told := want[k]
		if !told {
			if len(ns) != 0 {
				t.Errorf("%s: %+v, want nobody told", k, ns)
			}
			continue
		}
		if len(ns) != 1 || ns[0].Kind != w || !ns[0].ToOwners() || ns[0].UpgradeID != 0 || ns[0].Cause != "stripe evt_1: dispute dp_1 on charge ch_1" {
			t.Errorf("%s: %+v, want the owners told of a %s with its ids", k, ns, w)
		}
	}
}
