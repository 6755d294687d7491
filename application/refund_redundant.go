package application

import (
	"context"
	"log/slog"
	"time"

	"upgrades/domain"
)

// refundAttempts is how many times an owed refund is sent before the
// owners are asked to look: an error the provider keeps answering will
// not go away by itself.
const refundAttempts = 5

// refundSender sends the refunds the outbox holds (SPEC §2): after the
// commit that owed them, and from the reconciler for whatever a crash, a
// replica or the provider left behind. Each row is leased while it is
// sent, so replicas do not send it at once; a row sent twice (a crash
// after the provider answered) is the same refund, by its idempotency key.
type refundSender struct {
	uow     UnitOfWork
	gateway PaymentGateway
	clock   Clock
	logger  *slog.Logger
	lease   time.Duration
}

func newRefundSender(uow UnitOfWork, gateway PaymentGateway, clock Clock, logger *slog.Logger, lease time.Duration) *refundSender {
	if gateway == nil {
		return nil
	}
	return &refundSender{uow, gateway, clock, logger, lease}
}

// drain sends up to limit owed refunds (only key's, when key is set) and
// reports how many the provider made.
func (r *refundSender) drain(ctx context.Context, key string, limit int) (int, error) {
	now := r.clock.Now()
	var claimed []OutboxRefund
	err := r.uow.Do(ctx, func(ctx context.Context, s Store) (err error) {
		claimed, err = s.Refunds.Claim(ctx, now, now.Add(r.lease), limit, key)
		return err
	})
	if err != nil {
		r.logger.WarnContext(ctx, "claiming owed refunds", "err", err)
		return 0, err
	}
	done := 0
	for _, o := range claimed {
		if ctx.Err() != nil {
			return done, ctx.Err()
		}
		if r.send(ctx, o) {
			done++
		}
	}
	return done, nil
}

// send sends one claimed refund, unchanged, and records how it went.
func (r *refundSender) send(ctx context.Context, o OutboxRefund) bool {
	rf, err := r.gateway.Refund(ctx, o.Request)
	now := r.clock.Now()
	if err == nil {
		// A payment refunded already is what was asked for.
		err = r.uow.Do(ctx, func(ctx context.Context, s Store) error {
			return s.Refunds.Done(ctx, o.ID, rf.ID, now)
		})
		if err != nil {
			r.logger.WarnContext(ctx, "recording a refund", "upgrade", o.UpgradeID, "refund", rf.ID, "err", err)
		}
		return err == nil
	}
	giveUp := o.Attempts >= refundAttempts
	r.logger.WarnContext(ctx, "an owed refund failed", "upgrade", o.UpgradeID, "attempt", o.Attempts, "give_up", giveUp, "err", err)
	reason := trimReason(err.Error())
	err = r.uow.Do(ctx, func(ctx context.Context, s Store) error {
		if err := s.Refunds.Failed(ctx, o.ID, reason, giveUp, now); err != nil || !giveUp {
			return err
		}
		notice := domain.Notice{Kind: domain.NoticeRefundFailed, UpgradeID: o.UpgradeID, Detail: reason,
			Cause: "PaymentIntent " + o.Request.PaymentIntentID}
		msgs, err := messagesFor(ctx, s, []domain.Notice{notice}, nil, domain.Money.String, now)
		if err != nil {
			return err
		}
		for _, m := range msgs {
			if err := s.Messages.Create(ctx, m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		r.logger.WarnContext(ctx, "recording a failed refund", "upgrade", o.UpgradeID, "err", err)
	}
	return false
}

// trimReason keeps a provider's error short enough for a row and a message.
func trimReason(s string) string {
	if r := []rune(s); len(r) > 300 {
		return string(r[:300])
	}
	return s
}
