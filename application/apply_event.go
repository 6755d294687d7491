package application

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"upgrades/domain"
)

// PaymentEvent is one fact about a payment as it reached the shop: from a
// verified webhook, a checkout read back from the provider, or the shop
// itself (an owner's refund, a checkout that could not be created). It is
// the single input of fulfilment.
type PaymentEvent struct {
	domain.Payment
	// ID is the provider's event id; events with an id are applied once.
	// Observations (the success page, the reconciler) have none: the state
	// machine makes applying them again harmless.
	ID      string
	Type    string // the provider's name for it, kept with the event
	Payload []byte // the raw event, kept for audit
	Source  string // who told us, for the history
	Note    string // the provider's ids and details, for the history
	// Audit is the entry of the person who caused it (an owner's refund,
	// a replay), recorded in the unit of work that applies it; nil for
	// none.
	Audit *domain.AuditEntry
}

// Event outcomes that concern no upgrade.
var (
	OutcomeUnhandled = domain.OutcomeUnhandled // a type we do not act on
	OutcomeUnmatched = domain.OutcomeUnmatched // no upgrade of ours
	OutcomeForeign   = domain.OutcomeForeign   // another installation's
)

// Applied says what applying an event did.
type Applied struct {
	Duplicate bool // the event id was processed before; nothing was done
	Outcome   domain.Outcome
	UpgradeID domain.UpgradeID
	Result    domain.Result
}

// ApplyEventHandler applies one payment event: the single fulfilment path
// of the webhook, the success page, the reconciler and owner refunds.
type ApplyEventHandler struct{ f fulfilment }

func NewApplyEventHandler(uow UnitOfWork, gateway PaymentGateway, clock Clock, logger *slog.Logger, shop Shop) ApplyEventHandler {
	return ApplyEventHandler{newFulfilment(uow, gateway, clock, logger, shop)}
}

func (h ApplyEventHandler) Handle(ctx context.Context, ev PaymentEvent) (Applied, error) {
	return h.f.apply(ctx, ev)
}

// fulfilment applies payment events; every use case that learns of a
// payment hands it here.
type fulfilment struct {
	uow    UnitOfWork
	clock  Clock
	logger *slog.Logger
	shop   Shop
	// refunds sends owed refunds right after their commit; nil where the
	// use case has no gateway (then the reconciler sends them).
	refunds *refundSender
}

func newFulfilment(uow UnitOfWork, gateway PaymentGateway, clock Clock, logger *slog.Logger, shop Shop) fulfilment {
	return fulfilment{uow, clock, logger, shop, newRefundSender(uow, gateway, clock, logger, shop.RefundLease)}
}

// apply records the event, locks its upgrade and the recipient, lets the
// upgrade decide, and saves the decision with its notices, all in one unit
// of work: an error rolls everything back so that a redelivery succeeds.
func (f fulfilment) apply(ctx context.Context, ev PaymentEvent) (Applied, error) {
	received := ReceivedEvent{ID: ev.ID, Type: ev.Type, Livemode: ev.Livemode, Payload: ev.Payload, ReceivedAt: f.clock.Now()}
	lock := PaymentLock{UpgradeID: ev.UpgradeID, PaymentIntentID: ev.PaymentIntentID}
	if ev.ID != "" {
		lock.Event = &received
	}
	ev.Cause = eventCause(ev)
	var out Applied
	err := f.uow.Do(ctx, func(ctx context.Context, s Store) error {
		out = Applied{}
		if outcome, ok := f.unapplied(ctx, ev); ok {
			// Recorded for dedupe and audit, touching no upgrade.
			if lock.Event != nil {
				if fresh, err := s.Events.Record(ctx, received); err != nil || !fresh {
					out.Duplicate = err == nil
					return err
				}
			}
			if err := recordAudit(ctx, s, ev.Audit); err != nil {
				return err
			}
			out.Outcome = outcome
			return finishUnapplied(ctx, s, ev.ID, out.Outcome, f.clock.Now())
		}
		up, facts, fresh, err := lockPayment(ctx, s, lock, ev.Payment)
		if err == nil && !fresh {
			out.Duplicate = true
			return nil
		}
		unmatched := domain.IsKind(err, domain.KindNotFound)
		if err != nil && !unmatched {
			return err
		}
		if err := recordAudit(ctx, s, ev.Audit); err != nil {
			return err
		}
		if unmatched {
			out.Outcome = OutcomeUnmatched
			return f.unmatched(ctx, s, ev)
		}
		facts.Livemode, facts.AutoRefund = f.shop.Livemode, f.shop.AutoRefund
		var levelBefore domain.Level
		if facts.Recipient != nil {
			levelBefore = facts.Recipient.Level()
		}
		now := f.clock.Now()
		res, err := up.Apply(ev.Payment, facts, now)
		if err != nil {
			return err
		}
		out = Applied{Outcome: res.EventOutcome(), UpgradeID: up.ID(), Result: res}
		if !res.Match.OK() {
			f.logger.WarnContext(ctx, "event does not match its upgrade", "event", ev.ID, "upgrade", up.ID(), "mismatch", res.Match.Note)
		}
		changes := PaymentChanges{Upgrade: up, Sales: res.Sales}
		if err := f.settleCodes(ctx, s, up, &res, now); err != nil {
			return err
		}
		if changes.Messages, err = messagesFor(ctx, s, res.Notices, facts.Recipient, f.shop.money, now); err != nil {
			return err
		}
		if facts.Recipient != nil && facts.Recipient.Level() != levelBefore {
			changes.Recipient = facts.Recipient
		}
		if ev.ID != "" {
			changes.Event = &FinishedEvent{ID: ev.ID, Outcome: out.Outcome, At: now}
		}
		if res.Redundant {
			changes.Refund = &OutboxRefund{UpgradeID: up.ID(), CreatedAt: now, Request: RefundRequest{
				PaymentIntentID: ev.PaymentIntentID, IdempotencyKey: RefundKey(f.shop.Installation, up.ID()),
			}}
		}
		return s.Outcomes.Save(ctx, changes)
	})
	if err != nil && ev.ID != "" {
		f.recordFailure(ctx, received, err)
	}
	if err == nil && out.Result.Redundant && f.refunds != nil {
		// Committed: the refund is owed. Asking now spares the buyer the
		// reconciler's interval; whatever fails here, the reconciler
		// sends again from the outbox.
		f.refunds.drain(ctx, RefundKey(f.shop.Installation, out.UpgradeID), 1)
	}
	return out, err
}

// unapplied says whether an event is one the shop records but does not
// apply to any upgrade, and how it ends.
func (f fulfilment) unapplied(ctx context.Context, ev PaymentEvent) (domain.Outcome, bool) {
	if ev.Kind == (domain.EventKind{}) {
		return OutcomeUnhandled, true
	}
	if ev.Installation != "" && ev.Installation != f.shop.Installation {
		// Another database on the same Stripe account made it: its
		// upgrade ids are not ours (SPEC §3).
		f.logger.InfoContext(ctx, "event of another installation", "event", ev.ID, "installation", ev.Installation)
		return OutcomeForeign, true
	}
	return domain.Outcome{}, false
}

// recordFailure keeps why an event failed, outside its rolled back unit
// of work; the event stays unprocessed so that a redelivery is applied.
func (f fulfilment) recordFailure(ctx context.Context, received ReceivedEvent, cause error) {
	err := f.uow.Do(ctx, func(ctx context.Context, s Store) error {
		return s.Events.Fail(ctx, received, cause.Error())
	})
	if err != nil {
		f.logger.WarnContext(ctx, "recording a failed event", "event", received.ID, "err", err)
	}
}

// lockPayment records the payment's event and locks the upgrade it is
// about, by the id its checkout carries, else by its PaymentIntent
// (charges and disputes), and the upgrade's recipient, in one call. A
// payment that may take a level back also reads what the recipient still
// paid for. A duplicate event is not fresh and locks nothing.
func lockPayment(ctx context.Context, s Store, l PaymentLock, p domain.Payment) (*domain.Upgrade, domain.Facts, bool, error) {
	var facts domain.Facts
	if l.UpgradeID == 0 && l.PaymentIntentID == "" && l.Event == nil {
		return nil, facts, true, domain.Errorf(domain.KindNotFound, "the payment names no upgrade")
	}
	locked, err := s.Outcomes.Lock(ctx, l)
	if err != nil || !locked.Fresh {
		return nil, facts, locked.Fresh, err
	}
	if locked.Upgrade == nil {
		return nil, facts, true, domain.Errorf(domain.KindNotFound, "the event names no upgrade of ours")
	}
	if locked.Upgrade.IsCodes() {
		// A code purchase has no recipient; its codes are locked when
		// they are issued or voided.
		return locked.Upgrade, facts, true, nil
	}
	facts.Recipient = locked.Recipient
	if p.MayRevert() {
		facts.Fulfilled, facts.Redeemed, err = paidFor(ctx, s, locked.Upgrade.RecipientID())
	}
	return locked.Upgrade, facts, true, err
}

// paidFor is what the refund rule needs of a user: their upgrades that
// were ever fulfilled and the codes they redeemed, oldest first.
func paidFor(ctx context.Context, s Store, user domain.UserID) ([]*domain.Upgrade, []*domain.Code, error) {
	fulfilled, err := s.Upgrades.ByRecipient(ctx, user, domain.StatusComplete, domain.StatusRefunded)
	if err != nil {
		return nil, nil, err
	}
	redeemed, err := s.Codes.RedeemedBy(ctx, user)
	return fulfilled, redeemed, err
}

// settleCodes carries out what a payment decided for a code purchase, in
// its unit of work: a paid purchase issues its codes to the purchaser; a
// refunded one voids them and puts each redeemer back by the refund rule,
// telling them, and names the void codes to the purchaser.
func (f fulfilment) settleCodes(ctx context.Context, s Store, up *domain.Upgrade, res *domain.Result, now time.Time) error {
	if res.IssueCodes > 0 {
		_, err := issueCodes(ctx, s, f.shop.Codes, up.Type(), up.PurchaserID(), up.ID(), "", res.IssueCodes, now)
		return err
	}
	if !res.VoidCodes {
		return nil
	}
	codes, err := s.Codes.LockByUpgrade(ctx, up.ID())
	if err != nil {
		return err
	}
	var void []string
	for _, c := range codes {
		if c.Status() == domain.CodeVoid {
			continue
		}
		void = append(void, c.Value().Display())
		if c.Status() == domain.CodeRedeemed {
			if err := revertRedeemer(ctx, s, c, up, now); err != nil {
				return err
			}
		}
		c.Void()
		if err := s.Codes.Update(ctx, c); err != nil {
			return err
		}
	}
	for i, n := range res.Notices {
		if n.Kind == domain.NoticeCodesVoided {
			res.Notices[i].Detail = strings.Join(void, ", ")
		}
	}
	return nil
}

// revertRedeemer puts the redeemer of c, a code of the refunded purchase
// up, back by the refund rule, and tells them.
func revertRedeemer(ctx context.Context, s Store, c *domain.Code, up *domain.Upgrade, now time.Time) error {
	redeemer, err := s.Users.LockByID(ctx, c.RedeemerID())
	if err != nil {
		return err
	}
	fulfilled, redeemed, err := paidFor(ctx, s, redeemer.ID())
	if err != nil {
		return err
	}
	if !c.Revert(redeemer, fulfilled, redeemed) {
		return nil
	}
	if err := s.Users.Update(ctx, redeemer); err != nil {
		return err
	}
	up.RecordCodeReverted(c, redeemer.Name(), redeemer.Level(), now)
	m, err := domain.NewMessage(redeemer.ID(), fmt.Sprintf("The %s code %s you redeemed was refunded to its buyer; your level is %s again.",
		c.Grants().Title(), c.Value().Short(), redeemer.Level().Title()), now)
	if err != nil {
		return err
	}
	return s.Messages.Create(ctx, m)
}

// unmatched ends an event about no upgrade of ours: the owners hear of
// disputes and fraud warnings, and the event is marked unmatched.
func (f fulfilment) unmatched(ctx context.Context, s Store, ev PaymentEvent) error {
	f.logger.InfoContext(ctx, "event for no known upgrade", "event", ev.ID, "type", ev.Type)
	if err := tellUnmatched(ctx, s, ev.Payment, f.clock.Now()); err != nil {
		return err
	}
	return finishUnapplied(ctx, s, ev.ID, OutcomeUnmatched, f.clock.Now())
}

// tellUnmatched writes the notices of a payment about no upgrade.
func tellUnmatched(ctx context.Context, s Store, p domain.Payment, now time.Time) error {
	msgs, err := messagesFor(ctx, s, domain.UnmatchedNotices(p), nil, domain.Money.String, now)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if err := s.Messages.Create(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// finishUnapplied records how an event that touched no upgrade ended.
func finishUnapplied(ctx context.Context, s Store, eventID string, outcome domain.Outcome, now time.Time) error {
	if eventID == "" {
		return nil
	}
	return s.Events.Finish(ctx, eventID, outcome, 0, now)
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

// recordAudit records the entry of the person who caused an event, once
// the event is known to be applied now; nil records nothing.
func recordAudit(ctx context.Context, s Store, e *domain.AuditEntry) error {
	if e == nil {
		return nil
	}
	return s.Audit.Record(ctx, e)
}
