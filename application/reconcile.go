package application

import (
	"context"
	"log/slog"
	"time"

	"upgrades/domain"
)

// Reconcile checks every upgrade left open past the threshold with the
// provider. Replicas running it at once split the work between them.
type Reconcile struct {
	Limit int // at most this many upgrades in one run; 0 means 100
}

// ReconcileReport counts what a run did.
type ReconcileReport struct {
	Checked, Changed, Failed int
	// Refunded counts the owed refunds the provider made in this run.
	Refunded int
}

type ReconcileHandler struct {
	uow     UnitOfWork
	clock   Clock
	logger  *slog.Logger
	sync    checkoutSync
	refunds *refundSender
	after   time.Duration // how long an upgrade stays open before it is checked
	lease   time.Duration // how long a replica owns an upgrade it checks
}

func NewReconcileHandler(uow UnitOfWork, gateway PaymentGateway, clock Clock, logger *slog.Logger, shop Shop, after, lease time.Duration) ReconcileHandler {
	return ReconcileHandler{uow, clock, logger, newCheckoutSync(uow, gateway, clock, logger, shop),
		newRefundSender(uow, gateway, clock, logger, lease), after, lease}
}

func (h ReconcileHandler) Handle(ctx context.Context, cmd Reconcile) (ReconcileReport, error) {
	limit := cmd.Limit
	if limit <= 0 {
		limit = 100
	}
	var r ReconcileReport
	// Owed refunds first: they are money the shop holds for nothing.
	if h.refunds != nil {
		var err error
		if r.Refunded, err = h.refunds.drain(ctx, "", limit); err != nil {
			return r, err
		}
	}
	now := h.clock.Now()
	var ids []domain.UpgradeID
	err := h.uow.Do(ctx, func(ctx context.Context, s Store) (err error) {
		ids, err = s.Upgrades.ClaimStale(ctx, now.Add(-h.after), now, now.Add(h.lease), limit)
		return err
	})
	if err != nil {
		return r, err
	}
	for _, id := range ids {
		if ctx.Err() != nil {
			return r, ctx.Err()
		}
		r.Checked++
		a, err := h.sync.sync(ctx, SyncUpgrade{UpgradeID: id, Source: "reconciler", Expire: true})
		if err != nil {
			r.Failed++
			h.logger.WarnContext(ctx, "reconciling an upgrade", "upgrade", id, "err", err)
			continue
		}
		if a.Outcome == domain.OutcomeApplied {
			r.Changed++
		}
	}
	if r.Checked > 0 || r.Refunded > 0 {
		h.logger.InfoContext(ctx, "reconciled", "checked", r.Checked, "changed", r.Changed, "failed", r.Failed, "refunded", r.Refunded)
	}
	return r, nil
}
