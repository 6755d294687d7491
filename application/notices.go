package application

import (
	"context"
	"fmt"
	"strings"
	"time"

	"upgrades/domain"
)

// messagesFor turns the notices of a decision into messages: one per
// person, one per owner for what the owners are told. The words of every
// notice are here. recipient is the upgrade's recipient, already read;
// anyone else named is read only when a text needs their name. recipient
// is nil for notices about no upgrade.
func messagesFor(ctx context.Context, s Store, notices []domain.Notice, recipient *domain.User, money func(domain.Money) string, now time.Time) ([]*domain.Message, error) {
	names := map[domain.UserID]string{}
	if recipient != nil {
		names[recipient.ID()] = recipient.Name()
	}
	name := func(id domain.UserID) (string, error) {
		if n, ok := names[id]; ok {
			return n, nil
		}
		u, err := s.Users.ByID(ctx, id)
		if err != nil {
			return "", err
		}
		names[id] = u.Name()
		return u.Name(), nil
	}
	var (
		msgs   []*domain.Message
		owners []*domain.User
	)
	for _, n := range notices {
		body, err := noticeText(n, name, money)
		if err != nil {
			return nil, err
		}
		to := []domain.UserID{n.To}
		if n.ToOwners() {
			if owners == nil {
				if owners, err = s.Users.Owners(ctx); err != nil {
					return nil, err
				}
			}
			to = to[:0]
			for _, o := range owners {
				to = append(to, o.ID())
			}
		}
		for _, id := range to {
			m, err := domain.NewMessage(id, body, now)
			if err != nil {
				return nil, err
			}
			m.UpgradeID = n.UpgradeID
			msgs = append(msgs, m)
		}
	}
	return msgs, nil
}

// noticeText words a notice.
func noticeText(n domain.Notice, name func(domain.UserID) (string, error), money func(domain.Money) string) (string, error) {
	level := n.Level.Title()
	switch n.Kind {
	case domain.NoticeUpgraded:
		if !n.Gift {
			return fmt.Sprintf("You have been upgraded to %s!", level), nil
		}
		purchaser, err := name(n.Purchaser)
		if n.GiftNote != "" {
			return fmt.Sprintf("You have been upgraded to %s! It is a gift from %s, who wrote: “%s”", level, purchaser, n.GiftNote), err
		}
		return fmt.Sprintf("You have been upgraded to %s! It is a gift from %s.", level, purchaser), err
	case domain.NoticeGiftDelivered:
		recipient, err := name(n.Recipient)
		return fmt.Sprintf("%s has been upgraded to %s! It was your gift: thank you.", recipient, level), err
	case domain.NoticePaymentFailed:
		return fmt.Sprintf("Your payment for upgrade #%d (%s) failed; the upgrade was not applied.", n.UpgradeID, n.Type.Title()), nil
	case domain.NoticeRefunded:
		return fmt.Sprintf("Your payment for upgrade #%d (%s) was refunded.", n.UpgradeID, n.Type.Title()), nil
	case domain.NoticeGiftReverted:
		purchaser, err := name(n.Purchaser)
		return fmt.Sprintf("The %s upgrade %s gave you was refunded; your level is %s again.", level, purchaser, n.LevelNow.Title()), err
	case domain.NoticeRedundantRefund:
		return redundantText(n, money)
	case domain.NoticeCodesIssued:
		return fmt.Sprintf("Your %d %s codes of upgrade #%d are ready: find them under Codes.", n.Quantity, level, n.UpgradeID), nil
	case domain.NoticeCodesVoided:
		return fmt.Sprintf("Your payment for upgrade #%d (%d %s codes) was refunded; these codes are void: %s.", n.UpgradeID, n.Quantity, level, n.Detail), nil
	case domain.NoticeRefundFailed:
		return fmt.Sprintf("The automatic refund of upgrade #%d failed %d times; refund it by hand at Stripe (%s): %s.", n.UpgradeID, refundAttempts, n.Cause, n.Detail), nil
	case domain.NoticeDispute, domain.NoticeDisputeLost, domain.NoticeFraudWarning:
		if n.UpgradeID == 0 {
			return unmatchedText(n), nil
		}
	}
	switch n.Kind {
	case domain.NoticeAnomaly:
		return fmt.Sprintf("Upgrade #%d needs attention: %s (%s).", n.UpgradeID, n.Detail, n.Cause), nil
	case domain.NoticeDispute:
		return fmt.Sprintf("A dispute was opened on upgrade #%d (%s).", n.UpgradeID, n.Cause), nil
	case domain.NoticeFraudWarning:
		return fmt.Sprintf("An early fraud warning was raised on upgrade #%d (%s).", n.UpgradeID, n.Cause), nil
	case domain.NoticeDisputeLost:
		return fmt.Sprintf("The dispute on upgrade #%d was lost; the upgrade was reverted (%s).", n.UpgradeID, n.Cause), nil
	}
	return "", fmt.Errorf("no words for a %s notice", n.Kind)
}

// redundantText words a redundant payment's refund: to the purchaser, why
// their money comes back; to the owners, what the shop did.
func redundantText(n domain.Notice, money func(domain.Money) string) (string, error) {
	if n.ToOwners() {
		return fmt.Sprintf("Upgrade #%d: a redundant payment of %s is refunded automatically: %s (%s).", n.UpgradeID, money(n.Price), n.Detail, n.Cause), nil
	}
	return fmt.Sprintf("%s: your %s has been refunded.", upperFirst(n.Detail), money(n.Price)), nil
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// unmatchedText words an owners' notice about a payment of no upgrade.
func unmatchedText(n domain.Notice) string {
	what := map[domain.NoticeKind]string{
		domain.NoticeDispute:      "A dispute was opened",
		domain.NoticeDisputeLost:  "A dispute was lost",
		domain.NoticeFraudWarning: "An early fraud warning was raised",
	}[n.Kind]
	return fmt.Sprintf("%s on a payment that matches no upgrade; find it at Stripe by its ids (%s).", what, n.Cause)
}
