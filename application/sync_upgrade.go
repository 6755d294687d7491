package application

import (
	"context"

	"upgrades/domain"
)

// SyncUpgrade reads an open upgrade's checkout back from the provider and
// applies what it shows, for when a webhook is late or lost. With Expire,
// a checkout still open past its expiry is expired at the provider first.
type SyncUpgrade struct {
	UpgradeID domain.UpgradeID
	Source    string // "success page", "reconciler"
	Expire    bool
}

type SyncUpgradeHandler struct {
	d     Deps
	apply ApplyEventHandler
}

func (h SyncUpgradeHandler) Handle(ctx context.Context, cmd SyncUpgrade) (Applied, error) {
	var up *domain.Upgrade
	err := h.d.UoW.Do(ctx, func(ctx context.Context, s Store) (err error) {
		up, err = s.Upgrades.ByID(ctx, cmd.UpgradeID, false)
		return err
	})
	if err != nil || !up.Status().IsOpen() {
		return Applied{}, err
	}
	if up.SessionID() == "" {
		return h.abandonUnattached(ctx, up, cmd.Source)
	}
	state, err := h.d.Gateway.RetrieveCheckout(ctx, up.SessionID())
	if err != nil {
		return Applied{}, err
	}
	if cmd.Expire && state.Status == SessionOpen && !h.d.Clock.Now().Before(up.SessionExpiresAt()) {
		// Expiring may lose a race with the buyer paying; the state it
		// returns (or a fresh read) says which happened.
		state, err = h.d.Gateway.ExpireCheckout(ctx, up.SessionID())
		if err != nil {
			if state, err = h.d.Gateway.RetrieveCheckout(ctx, up.SessionID()); err != nil {
				return Applied{}, err
			}
		}
	}
	kind, ok := checkoutEventKind(state)
	if !ok {
		return Applied{Outcome: domain.OutcomeIgnored.String(), UpgradeID: up.ID()}, nil
	}
	ev := PaymentEvent{
		Type: "checkout.session." + state.Status, Kind: kind, Livemode: state.Livemode,
		UpgradeID: up.ID(), SessionID: state.SessionID, PaymentIntentID: state.PaymentIntentID,
		Amount: state.AmountSubtotal, Currency: state.Currency, Source: cmd.Source,
	}
	return h.apply.Handle(ctx, ev)
}

// abandonUnattached fails a pending upgrade whose checkout was never
// stored (the buyer was shown an error and never saw a checkout page), so
// it does not stay open forever; one still being created is left alone.
func (h SyncUpgradeHandler) abandonUnattached(ctx context.Context, up *domain.Upgrade, source string) (Applied, error) {
	if h.d.Clock.Now().Sub(up.CreatedAt()) < inFlight {
		return Applied{Outcome: domain.OutcomeIgnored.String(), UpgradeID: up.ID()}, nil
	}
	return h.apply.Handle(ctx, PaymentEvent{
		Kind: domain.EventCheckoutFailed, UpgradeID: up.ID(), Livemode: h.d.Config.Livemode,
		Source: source, Note: "no checkout was ever stored for this upgrade",
	})
}

// checkoutEventKind says what a checkout session's state means for its
// upgrade; false while the buyer has not finished.
func checkoutEventKind(s CheckoutState) (domain.EventKind, bool) {
	switch s.Status {
	case SessionExpired:
		return domain.EventSessionExpired, true
	case SessionComplete:
		switch {
		case s.PaymentStatus == PaymentPaid || s.PaymentStatus == PaymentNoPaymentRequired:
			return domain.EventCheckoutPaid, true
		case s.PaymentIntentStatus == "requires_payment_method" || s.PaymentIntentStatus == "canceled":
			return domain.EventAsyncFailed, true
		default:
			return domain.EventCheckoutUnpaid, true
		}
	}
	return domain.EventKind{}, false
}

// Reconcile checks every upgrade left open past the threshold with the
// provider. Replicas running it at once split the work between them.
type Reconcile struct {
	Limit int // at most this many upgrades in one run; 0 means 100
}

// ReconcileReport counts what a run did.
type ReconcileReport struct {
	Checked, Changed, Failed int
}

type ReconcileHandler struct {
	d    Deps
	sync SyncUpgradeHandler
}

func (h ReconcileHandler) Handle(ctx context.Context, cmd Reconcile) (ReconcileReport, error) {
	limit := cmd.Limit
	if limit <= 0 {
		limit = 100
	}
	now := h.d.Clock.Now()
	var ids []domain.UpgradeID
	err := h.d.UoW.Do(ctx, func(ctx context.Context, s Store) (err error) {
		ids, err = s.Upgrades.ClaimStale(ctx, now.Add(-h.d.Config.ReconcileAfter), now, now.Add(h.d.Config.ReconcileLease), limit)
		return err
	})
	var r ReconcileReport
	if err != nil {
		return r, err
	}
	for _, id := range ids {
		if ctx.Err() != nil {
			return r, ctx.Err()
		}
		r.Checked++
		a, err := h.sync.Handle(ctx, SyncUpgrade{UpgradeID: id, Source: "reconciler", Expire: true})
		if err != nil {
			r.Failed++
			h.d.Logger.WarnContext(ctx, "reconciling an upgrade", "upgrade", id, "err", err)
			continue
		}
		if a.Outcome == domain.OutcomeApplied.String() {
			r.Changed++
		}
	}
	if r.Checked > 0 {
		h.d.Logger.InfoContext(ctx, "reconciled", "checked", r.Checked, "changed", r.Changed, "failed", r.Failed)
	}
	return r, nil
}
