package application

import (
	"context"
	"fmt"
	"time"

	"upgrades/domain"
)

// PaymentEvent is one fact about a payment, from a verified webhook, a
// checkout session read back from the provider, or an owner's refund.
// It is the single input of fulfilment.
type PaymentEvent struct {
	// ID is the provider's event id; events with an id are applied once.
	// Observations (the success page, the reconciler) have none: the state
	// machine makes applying them again harmless.
	ID   string
	Type string // the provider's event type, e.g. checkout.session.completed
	// Kind is what the event means; the zero kind is an event we do not handle.
	Kind            domain.EventKind
	Livemode        bool
	UpgradeID       domain.UpgradeID // from client_reference_id or metadata
	SessionID       string           // set for checkout session events
	PaymentIntentID string
	Amount          int64  // amount_subtotal for sessions, amount for charges
	Currency        string // empty when the event carries no amount
	Payload         []byte // the raw event, kept for audit
	Source          string // who told us, for the history
	Note            string
}

// Event outcomes as recorded with the provider's event.
const (
	OutcomeUnhandled = "unhandled" // a type we do not act on
	OutcomeUnmatched = "unmatched" // no upgrade of ours
)

// Applied says what applying an event did.
type Applied struct {
	Duplicate bool   // the event id was processed before; nothing was done
	Outcome   string // applied, ignored, anomaly, noted, unhandled or unmatched
	UpgradeID domain.UpgradeID
	Result    domain.Result
}

type ApplyEventHandler struct{ d Deps }

// Handle applies ev in one unit of work: record the event id, lock the
// upgrade, check that the event matches it, run the state machine, change
// the recipient's level, write the history and the messages, and record the
// outcome. Any error rolls all of it back so that a redelivery can succeed.
func (h ApplyEventHandler) Handle(ctx context.Context, ev PaymentEvent) (Applied, error) {
	received := ReceivedEvent{ID: ev.ID, Type: ev.Type, Livemode: ev.Livemode, Payload: ev.Payload, ReceivedAt: h.d.Clock.Now()}
	var out Applied
	err := h.d.UoW.Do(ctx, func(ctx context.Context, s Store) error {
		out = Applied{}
		if ev.ID != "" {
			fresh, err := s.Events.Record(ctx, received)
			if err != nil {
				return err
			}
			if !fresh {
				out.Duplicate = true
				return nil
			}
		}
		if err := h.apply(ctx, s, ev, &out); err != nil {
			return err
		}
		if ev.ID != "" {
			return s.Events.Finish(ctx, ev.ID, out.Outcome, out.UpgradeID, h.d.Clock.Now())
		}
		return nil
	})
	if err != nil && ev.ID != "" {
		if ferr := h.d.UoW.Do(ctx, func(ctx context.Context, s Store) error {
			return s.Events.Fail(ctx, received, err.Error())
		}); ferr != nil {
			h.d.Logger.WarnContext(ctx, "recording a failed event", "event", ev.ID, "err", ferr)
		}
	}
	return out, err
}

func (h ApplyEventHandler) apply(ctx context.Context, s Store, ev PaymentEvent, out *Applied) error {
	if ev.Kind == (domain.EventKind{}) {
		out.Outcome = OutcomeUnhandled
		return nil
	}
	up, err := lockEventUpgrade(ctx, s, ev)
	if domain.IsKind(err, domain.KindNotFound) {
		out.Outcome = OutcomeUnmatched
		h.d.Logger.InfoContext(ctx, "event for no known upgrade", "event", ev.ID, "type", ev.Type)
		return nil
	}
	if err != nil {
		return err
	}
	out.UpgradeID = up.ID()
	now := h.d.Clock.Now()
	cause := eventCause(ev)

	if mismatch := h.mismatch(up, ev); mismatch != "" {
		up.RecordAnomaly(cause, mismatch, now)
		out.Outcome = domain.OutcomeAnomaly.String()
		h.d.Logger.WarnContext(ctx, "event does not match its upgrade", "event", ev.ID, "upgrade", up.ID(), "mismatch", mismatch)
		if err := s.Upgrades.Update(ctx, up); err != nil {
			return err
		}
		return notifyOwners(ctx, s, now, fmt.Sprintf("Upgrade #%d needs attention: %s (%s).", up.ID(), mismatch, cause))
	}

	recipient, err := s.Users.LockByID(ctx, up.RecipientID())
	if err != nil {
		return err
	}
	levelBefore := recipient.Level()
	res, err := up.Apply(domain.Event{Kind: ev.Kind, Cause: cause, PaymentIntentID: ev.PaymentIntentID}, recipient, now)
	if err != nil {
		return err
	}
	out.Result = res
	out.Outcome = res.Outcome.String()
	if res.Anomaly != "" {
		out.Outcome = domain.OutcomeAnomaly.String()
	}
	if err := s.Upgrades.Update(ctx, up); err != nil {
		return err
	}
	if recipient.Level() != levelBefore {
		if err := s.Users.Update(ctx, recipient); err != nil {
			return err
		}
	}
	return h.notify(ctx, s, up, recipient, res, ev, cause, now)
}

// lockEventUpgrade finds the upgrade an event is about: by the id the
// checkout carries, else by the PaymentIntent (charges and disputes).
func lockEventUpgrade(ctx context.Context, s Store, ev PaymentEvent) (*domain.Upgrade, error) {
	if ev.UpgradeID != 0 {
		return s.Upgrades.LockByID(ctx, ev.UpgradeID)
	}
	if ev.PaymentIntentID != "" {
		return s.Upgrades.LockByPaymentIntent(ctx, ev.PaymentIntentID)
	}
	return nil, domain.Errorf(domain.KindNotFound, "the event names no upgrade")
}

// mismatch says why ev cannot be about up; empty when it can.
func (h ApplyEventHandler) mismatch(up *domain.Upgrade, ev PaymentEvent) string {
	fulfils := ev.Kind == domain.EventCheckoutPaid || ev.Kind == domain.EventAsyncSucceeded
	switch {
	case fulfils && (ev.SessionID == "" || ev.Currency == ""):
		// Every checkout that pays names its session and what it charged;
		// one that does not cannot be checked, so it does not fulfil.
		return "the payment names no checkout session or no currency"
	case ev.Livemode != h.d.Config.Livemode:
		return fmt.Sprintf("livemode is %t, the server runs with %t", ev.Livemode, h.d.Config.Livemode)
	case ev.SessionID != "" && ev.SessionID != up.SessionID():
		return fmt.Sprintf("checkout session %q is not the upgrade's %q", ev.SessionID, up.SessionID())
	case ev.PaymentIntentID != "" && up.PaymentIntentID() != "" && ev.PaymentIntentID != up.PaymentIntentID():
		return fmt.Sprintf("payment %q is not the upgrade's %q", ev.PaymentIntentID, up.PaymentIntentID())
	case ev.Currency != "" && (ev.Currency != up.Price().Currency() || ev.Amount != up.Price().Amount()):
		return fmt.Sprintf("amount %d %s differs from the price %d %s", ev.Amount, ev.Currency, up.Price().Amount(), up.Price().Currency())
	}
	return ""
}

func eventCause(ev PaymentEvent) string {
	cause := ev.Source
	if ev.ID != "" {
		cause += " " + ev.ID
	}
	if ev.Type != "" {
		cause += " " + ev.Type
	}
	if ev.Note != "" {
		cause += ": " + ev.Note
	}
	return cause
}

func (h ApplyEventHandler) notify(ctx context.Context, s Store, up *domain.Upgrade, recipient *domain.User, res domain.Result, ev PaymentEvent, cause string, now time.Time) error {
	level := up.Type().Grants().Title()
	var msgs []*domain.Message
	add := func(to domain.UserID, format string, args ...any) error {
		m, err := domain.NewMessage(to, fmt.Sprintf(format, args...), now)
		if err == nil {
			msgs = append(msgs, m)
		}
		return err
	}
	var purchaserName string
	if up.IsGifted() && (res.Fulfilled || res.To == domain.StatusRefunded) {
		p, err := s.Users.ByID(ctx, up.PurchaserID())
		if err != nil {
			return err
		}
		purchaserName = p.Name()
	}
	var err error
	switch {
	case res.Fulfilled && up.IsGifted():
		err = add(recipient.ID(), "You have been upgraded to %s! It is a gift from %s.", level, purchaserName)
		if err == nil {
			err = add(up.PurchaserID(), "%s has been upgraded to %s!", recipient.Name(), level)
		}
	case res.Fulfilled:
		err = add(recipient.ID(), "You have been upgraded to %s!", level)
	case res.Outcome == domain.OutcomeApplied && ev.Kind == domain.EventAsyncFailed:
		err = add(up.PurchaserID(), "Your payment for upgrade #%d (%s) failed; the upgrade was not applied.", up.ID(), up.Type().Title())
	case res.Outcome == domain.OutcomeApplied && res.To == domain.StatusRefunded:
		err = add(up.PurchaserID(), "Your payment for upgrade #%d (%s) was refunded.", up.ID(), up.Type().Title())
		if err == nil && up.IsGifted() && res.Reverted {
			err = add(recipient.ID(), "The %s upgrade %s gave you was refunded; your level is %s again.", level, purchaserName, recipient.Level().Title())
		}
	}
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if err := s.Messages.Create(ctx, m); err != nil {
			return err
		}
	}
	switch {
	case res.Anomaly != "":
		return notifyOwners(ctx, s, now, fmt.Sprintf("Upgrade #%d needs attention: %s (%s).", up.ID(), res.Anomaly, cause))
	case ev.Kind == domain.EventDisputeOpened:
		return notifyOwners(ctx, s, now, fmt.Sprintf("A dispute was opened on upgrade #%d (%s).", up.ID(), cause))
	case ev.Kind == domain.EventFraudWarning:
		return notifyOwners(ctx, s, now, fmt.Sprintf("An early fraud warning was raised on upgrade #%d (%s).", up.ID(), cause))
	case res.Outcome == domain.OutcomeApplied && ev.Kind == domain.EventDisputeLost:
		return notifyOwners(ctx, s, now, fmt.Sprintf("The dispute on upgrade #%d was lost; the upgrade was reverted (%s).", up.ID(), cause))
	}
	return nil
}

func notifyOwners(ctx context.Context, s Store, now time.Time, body string) error {
	owners, err := s.Users.Owners(ctx)
	if err != nil {
		return err
	}
	for _, o := range owners {
		m, err := domain.NewMessage(o.ID(), body, now)
		if err != nil {
			return err
		}
		if err := s.Messages.Create(ctx, m); err != nil {
			return err
		}
	}
	return nil
}
