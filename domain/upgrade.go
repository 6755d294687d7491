package domain

import (
	"fmt"
	"time"
)

// UpgradeID identifies an upgrade.
type UpgradeID int64

// HistoryEntry records one thing that happened to an upgrade.
type HistoryEntry struct {
	At      time.Time
	From    Status
	To      Status
	Event   EventKind
	Outcome Outcome
	Cause   string // who or what told us: "stripe evt_…", "success page", "owner alice"
	Note    string
}

// Upgrade is one purchase of an upgrade, for oneself or as a gift.
type Upgrade struct {
	id               UpgradeID
	purchaserID      UserID
	recipientID      UserID
	upgradeType      UpgradeType
	status           Status
	price            Money
	sessionID        string
	checkoutURL      string
	sessionExpiresAt time.Time
	paymentIntentID  string
	paid             Paid
	paidAt           time.Time // when the payment settled: the day it counts as a sale
	levelBefore      Level
	giftNote         string
	quantity         int // codes bought; 0 for an upgrade of a recipient
	createdAt        time.Time
	updatedAt        time.Time
	history          []HistoryEntry
	unsaved          int // how many entries at the end of history are not stored yet
}

// Paid is what the buyer paid once the checkout settled: the total after
// promotion codes and the discount they gave. Known is false until the
// payment provider reported it.
type Paid struct {
	Amount   int64
	Discount int64
	Known    bool
}

// NewUpgrade starts a pending upgrade in the primary currency. The id is
// assigned when it is stored.
func NewUpgrade(purchaser, recipient *User, t UpgradeType, prices Prices, now time.Time) (*Upgrade, error) {
	return NewUpgradeIn(purchaser, recipient, t, prices, prices.Primary(), now)
}

// NewUpgradeIn starts a pending upgrade sold in currency at the price of
// now (the sale's, while one runs): the upgrade keeps that price, and
// payments are checked against it.
func NewUpgradeIn(purchaser, recipient *User, t UpgradeType, prices Prices, currency string, now time.Time) (*Upgrade, error) {
	if err := UpgradeRefusal(purchaser, recipient, t); err != nil {
		return nil, err
	}
	q, err := prices.At(currency, t, now)
	if err != nil {
		return nil, err
	}
	price := q.Price
	if price.IsZero() {
		return nil, Errorf(KindInvalid, "%s has no price", t.Title())
	}
	u := &Upgrade{
		purchaserID: purchaser.id, recipientID: recipient.id, upgradeType: t,
		status: StatusPending, price: price, createdAt: now, updatedAt: now,
	}
	u.record(HistoryEntry{At: now, To: StatusPending, Outcome: OutcomeApplied, Cause: "user " + purchaser.name, Note: "checkout started"})
	return u, nil
}

// NewCodePurchaseIn starts a pending purchase of quantity codes of type t
// in currency: the purchase has no recipient, its fulfilment issues the
// codes to the purchaser, and it costs quantity times the price of now.
func NewCodePurchaseIn(purchaser *User, t UpgradeType, quantity int, prices Prices, currency string, now time.Time) (*Upgrade, error) {
	switch {
	case purchaser == nil:
		return nil, Errorf(KindUnauthenticated, "log in to buy codes")
	case purchaser.banned:
		return nil, Errorf(KindForbidden, "banned users cannot buy upgrades")
	}
	if err := CodeTypeRefusal(t); err != nil {
		return nil, err
	}
	if quantity < 1 || quantity > MaxCodesBought {
		return nil, Errorf(KindInvalid, "quantity must be between 1 and %d", MaxCodesBought)
	}
	q, err := prices.At(currency, t, now)
	if err != nil {
		return nil, err
	}
	if q.Price.IsZero() {
		return nil, Errorf(KindInvalid, "%s has no price", t.Title())
	}
	price := Money{amount: q.Price.amount * int64(quantity), currency: q.Price.currency}
	u := &Upgrade{
		purchaserID: purchaser.id, upgradeType: t, quantity: quantity,
		status: StatusPending, price: price, createdAt: now, updatedAt: now,
	}
	u.record(HistoryEntry{At: now, To: StatusPending, Outcome: OutcomeApplied, Cause: "user " + purchaser.name,
		Note: fmt.Sprintf("checkout started for %d %s codes", quantity, t.Title())})
	return u, nil
}

// UpgradeSnapshot is everything stored about an upgrade but its history.
type UpgradeSnapshot struct {
	ID               UpgradeID
	PurchaserID      UserID
	RecipientID      UserID
	Type             UpgradeType
	Status           Status
	Price            Money
	SessionID        string
	CheckoutURL      string
	SessionExpiresAt time.Time
	PaymentIntentID  string
	Paid             Paid
	PaidAt           time.Time
	LevelBefore      Level
	GiftNote         string
	Quantity         int
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// UnmarshalUpgradeFromDatabase rebuilds a stored upgrade. history may be
// nil when the caller does not need it; new entries are still recorded.
func UnmarshalUpgradeFromDatabase(s UpgradeSnapshot, history []HistoryEntry) *Upgrade {
	return &Upgrade{
		id: s.ID, purchaserID: s.PurchaserID, recipientID: s.RecipientID, upgradeType: s.Type,
		status: s.Status, price: s.Price, sessionID: s.SessionID, checkoutURL: s.CheckoutURL,
		sessionExpiresAt: s.SessionExpiresAt, paymentIntentID: s.PaymentIntentID, paid: s.Paid, paidAt: s.PaidAt,
		levelBefore: s.LevelBefore, giftNote: s.GiftNote, quantity: s.Quantity, createdAt: s.CreatedAt, updatedAt: s.UpdatedAt,
		history: history,
	}
}

// Snapshot returns the stored fields.
func (u *Upgrade) Snapshot() UpgradeSnapshot {
	return UpgradeSnapshot{
		ID: u.id, PurchaserID: u.purchaserID, RecipientID: u.recipientID, Type: u.upgradeType,
		Status: u.status, Price: u.price, SessionID: u.sessionID, CheckoutURL: u.checkoutURL,
		SessionExpiresAt: u.sessionExpiresAt, PaymentIntentID: u.paymentIntentID, Paid: u.paid, PaidAt: u.paidAt,
		LevelBefore: u.levelBefore, GiftNote: u.giftNote, Quantity: u.quantity, CreatedAt: u.createdAt, UpdatedAt: u.updatedAt,
	}
}

func (u *Upgrade) ID() UpgradeID               { return u.id }
func (u *Upgrade) PurchaserID() UserID         { return u.purchaserID }
func (u *Upgrade) RecipientID() UserID         { return u.recipientID }
func (u *Upgrade) Type() UpgradeType           { return u.upgradeType }
func (u *Upgrade) Status() Status              { return u.status }
func (u *Upgrade) Price() Money                { return u.price }
func (u *Upgrade) SessionID() string           { return u.sessionID }
func (u *Upgrade) CheckoutURL() string         { return u.checkoutURL }
func (u *Upgrade) SessionExpiresAt() time.Time { return u.sessionExpiresAt }
func (u *Upgrade) PaymentIntentID() string     { return u.paymentIntentID }
func (u *Upgrade) Paid() Paid                  { return u.paid }
func (u *Upgrade) LevelBefore() Level          { return u.levelBefore }
func (u *Upgrade) CreatedAt() time.Time        { return u.createdAt }
func (u *Upgrade) UpdatedAt() time.Time        { return u.updatedAt }
func (u *Upgrade) Quantity() int               { return u.quantity }

// IsCodes reports a purchase of codes: it has no recipient.
func (u *Upgrade) IsCodes() bool { return u.quantity > 0 }

// IsGifted reports an upgrade bought for someone else; a code purchase
// is not one.
func (u *Upgrade) IsGifted() bool { return !u.IsCodes() && u.purchaserID != u.recipientID }

// History returns the loaded history, oldest first.
func (u *Upgrade) History() []HistoryEntry { return append([]HistoryEntry(nil), u.history...) }

// UnsavedHistory returns the entries recorded since the upgrade was loaded
// or last saved; repositories store them and then call HistorySaved.
func (u *Upgrade) UnsavedHistory() []HistoryEntry {
	return append([]HistoryEntry(nil), u.history[len(u.history)-u.unsaved:]...)
}

// HistorySaved marks every entry as stored.
func (u *Upgrade) HistorySaved() { u.unsaved = 0 }

// Charged is what the buyer was charged: what they paid once the payment
// provider reported it (after promotion codes, possibly nothing), the
// price until then.
func (u *Upgrade) Charged() Money {
	if u.paid.Known {
		return Money{amount: u.paid.Amount, currency: u.price.currency}
	}
	return u.price
}

// AssignID is called once by the repository that stores a new upgrade.
func (u *Upgrade) AssignID(id UpgradeID) { u.id = id }

// CanBeViewedBy reports whether v may see this upgrade.
func (u *Upgrade) CanBeViewedBy(v *User) bool {
	return v != nil && (v.id == u.purchaserID || v.id == u.recipientID || v.IsAdmin())
}

// HasOpenCheckout reports whether the buyer can still pay on the checkout
// page at now: pending, with a session that does not expire within margin.
func (u *Upgrade) HasOpenCheckout(now time.Time, margin time.Duration) bool {
	return u.status == StatusPending && u.sessionID != "" && u.sessionExpiresAt.After(now.Add(margin))
}

// AttachCheckout stores the checkout session created for this upgrade.
func (u *Upgrade) AttachCheckout(sessionID, url string, expiresAt, now time.Time) error {
	if u.status != StatusPending || u.sessionID != "" {
		return Errorf(KindConflict, "upgrade #%d already has a checkout", u.id)
	}
	if sessionID == "" || url == "" {
		return Errorf(KindInvalid, "a checkout needs a session id and a URL")
	}
	u.sessionID, u.checkoutURL, u.sessionExpiresAt, u.updatedAt = sessionID, url, expiresAt, now
	return nil
}

// Facts are what Apply needs besides the payment.
type Facts struct {
	// Recipient is the upgrade's recipient, locked by the caller: Apply
	// raises or reverts its level.
	Recipient *User
	// Livemode says whether the shop runs with a live key; a payment in
	// the other mode is not about any of its upgrades.
	Livemode bool
	// Fulfilled are the recipient's upgrades that were ever fulfilled
	// (complete or refunded), oldest first, this one included or not. A
	// refund needs them (see Payment.MayRevert): the recipient keeps what
	// they still paid for, with the codes they redeemed (Redeemed).
	Fulfilled []*Upgrade
	Redeemed  []*Code
	// AutoRefund says whether a redundant payment (one that settles but
	// raises nothing, or arrives for a failed or expired upgrade) is
	// refunded by the shop; otherwise it stays with the owners (SPEC §2).
	AutoRefund bool
}

// Result is everything that follows from applying a payment: the state
// machine's decision, whether the payment matched, the level change and
// who must be told. The caller stores the upgrade and the recipient and
// writes the notices; it decides nothing.
type Result struct {
	Decision
	From      Status
	Match     Match
	Fulfilled bool // the recipient's level was raised
	Reverted  bool // the recipient's level was put back
	// Redundant is set when the payment must go back to the purchaser:
	// the caller saves a refund of Payment.PaymentIntentID with the outcome.
	Redundant   bool
	Anomaly     string // set when owners must look
	LevelBefore Level
	LevelAfter  Level
	Notices     []Notice
	// IssueCodes is how many codes the caller issues to the purchaser of
	// a code purchase that was just paid; VoidCodes says the purchase was
	// refunded and its codes end (see Code.Void).
	IssueCodes int
	VoidCodes  bool
	// Sales is what the payment adds to the day's sales totals.
	Sales DailySales
}

// EventOutcome is the outcome recorded for the payment: an anomaly
// whenever owners must look, even when the status moved.
func (r Result) EventOutcome() Outcome {
	if r.Anomaly != "" {
		return OutcomeAnomaly
	}
	return r.Outcome
}

// Apply decides what p does to the upgrade and carries it out: it checks
// that p is about this upgrade, runs the state machine, raises or reverts
// the recipient's level, records it all in the history and returns the
// notices. The caller holds the upgrade's and the recipient's locks and
// stores both afterwards.
func (u *Upgrade) Apply(p Payment, f Facts, now time.Time) (Result, error) {
	recipient := f.Recipient
	if u.IsCodes() {
		// A code purchase raises nobody: its notices name no recipient.
		recipient = &User{}
	} else if recipient == nil || recipient.id != u.recipientID {
		return Result{}, fmt.Errorf("upgrade #%d: apply needs its recipient", u.id)
	}
	r := Result{From: u.status, LevelBefore: recipient.level, LevelAfter: recipient.level}
	cause := trimCause(p.Cause)
	if r.Match = u.Matches(p, f.Livemode); !r.Match.OK() {
		r.Decision = Decision{To: u.status, Outcome: OutcomeAnomaly, Reason: r.Match.Note}
		r.Anomaly = r.Match.Note
		u.RecordAnomaly(p.Cause, r.Match.Note, now)
		r.Notices = []Notice{u.notice(NoticeAnomaly, 0, recipient, r.Anomaly, p.Cause)}
		return r, nil
	}
	d := Decide(u.status, p.Kind)
	if why, toPurchaser := u.redundancy(p, f, d); why != "" {
		return u.refundRedundant(p, r, recipient, why, toPurchaser, now), nil
	}
	r.Decision = d
	note := d.Reason
	if d.Outcome == OutcomeAnomaly {
		r.Anomaly = d.Reason
	}
	switch {
	case d.Effect == EffectFulfil && u.IsCodes():
		r.IssueCodes = u.quantity
		note = fmt.Sprintf("%d %s codes issued to the purchaser", u.quantity, u.upgradeType.Title())
	case d.Effect == EffectRevert && u.IsCodes():
		r.VoidCodes = true
		note = "the purchase's codes are void; their redeemers are reverted by the refund rule"
	case d.Effect == EffectFulfil:
		granted := u.upgradeType.Grants()
		u.levelBefore = recipient.level
		if recipient.level.AtLeast(granted) {
			r.Anomaly = fmt.Sprintf("paid, but %s was already %s: the payment did not raise the level", recipient.name, recipient.level.Title())
			note = r.Anomaly
		} else {
			recipient.level = granted
			r.Fulfilled = true
			note = fmt.Sprintf("%s upgraded from %s to %s", recipient.name, r.LevelBefore, granted)
		}
	case d.Effect == EffectRevert:
		// Someone promoted (or demoted) since is left where they are.
		if back := u.revertLevel(f.Fulfilled, f.Redeemed); !u.levelBefore.IsZero() && recipient.level == u.leftAt() && recipient.level != back {
			recipient.level = back
			r.Reverted = true
			note = fmt.Sprintf("%s returned from %s to %s", recipient.name, r.LevelBefore, back)
		} else {
			note = fmt.Sprintf("%s left at %s: the level changed since this upgrade", recipient.name, recipient.level)
		}
	}
	r.LevelAfter = recipient.level
	if p.PaymentIntentID != "" && u.paymentIntentID == "" && d.Outcome != OutcomeIgnored {
		u.paymentIntentID = p.PaymentIntentID
	}
	if p.Totals && (p.settles() || p.Kind == EventCheckoutUnpaid) && d.Outcome != OutcomeIgnored {
		u.paid = Paid{Amount: p.Total, Discount: p.Discount, Known: true}
	}
	u.status = d.To
	if d.Outcome == OutcomeApplied {
		u.updatedAt = now
	}
	u.record(HistoryEntry{At: now, From: r.From, To: d.To, Event: p.Kind, Outcome: r.EventOutcome(), Cause: cause, Note: note})
	r.Notices = u.notices(p, r, recipient)
	r.Sales = u.sales(r.From, now)
	return r, nil
}

// redundancy says why p, a payment that settled, must be refunded (SPEC
// §2), or "" when it is kept: it raises nothing, or its upgrade failed or
// expired. A payment with no PaymentIntent has nothing to refund.
// toPurchaser is the same reason as the purchaser is told it.
func (u *Upgrade) redundancy(p Payment, f Facts, d Decision) (why, toPurchaser string) {
	if !f.AutoRefund || !p.settles() || p.PaymentIntentID == "" {
		return "", ""
	}
	switch {
	case d.Effect == EffectFulfil && !u.IsCodes() && f.Recipient.level.AtLeast(u.upgradeType.Grants()):
		why = fmt.Sprintf("%s already had %s", f.Recipient.name, f.Recipient.level.Title())
		if !u.IsGifted() {
			return why, "you already had " + f.Recipient.level.Title()
		}
		return why, why
	case d.Outcome == OutcomeAnomaly && (u.status == StatusFailed || u.status == StatusExpired):
		why = fmt.Sprintf("upgrade #%d had %s when the payment arrived", u.id, u.status)
		return why, why
	}
	return "", ""
}

// refundRedundant ends the upgrade refunded with the cause redundant:
// no level changes, and the purchaser and the owners are told why.
func (u *Upgrade) refundRedundant(p Payment, r Result, recipient *User, why, toPurchaser string, now time.Time) Result {
	r.Decision = Decision{To: StatusRefunded, Outcome: OutcomeApplied, Reason: "redundant: " + why}
	r.Redundant = true
	if u.paymentIntentID == "" || u.status == StatusFailed || u.status == StatusExpired {
		u.paymentIntentID = p.PaymentIntentID
	}
	if p.Totals {
		u.paid = Paid{Amount: p.Total, Discount: p.Discount, Known: true}
	}
	u.status, u.updatedAt = StatusRefunded, now
	r.Sales = u.sales(r.From, now)
	u.record(HistoryEntry{At: now, From: r.From, To: StatusRefunded, Event: p.Kind, Outcome: OutcomeApplied,
		Cause: trimCause(p.Cause), Note: "redundant: " + why + "; the payment is refunded"})
	r.Notices = []Notice{
		u.notice(NoticeRedundantRefund, u.purchaserID, recipient, toPurchaser, p.Cause),
		u.notice(NoticeRedundantRefund, 0, recipient, why, p.Cause),
	}
	return r
}

// revertLevel is the level a refund returns the recipient to (SPEC §2):
// the higher of the levels their other complete upgrades grant and the
// level they had before the first of their upgrades was fulfilled. Without
// the recipient's other upgrades it is the level before this one.
func (u *Upgrade) revertLevel(fulfilled []*Upgrade, redeemed []*Code) Level {
	return RevertLevel(u.levelBefore, fulfilled, redeemed, u.id, 0)
}

// RevertLevel is the refund rule of SPEC §2 for a recipient whose
// fulfilled upgrades (oldest first) and redeemed codes are given: the
// higher of what they still paid for, leaving out the upgrade or code
// being refunded (exceptUpgrade, exceptCode), and the level they had
// before the first of them. before is the refunded one's level before,
// used when nothing else says it.
func RevertLevel(before Level, fulfilled []*Upgrade, redeemed []*Code, exceptUpgrade UpgradeID, exceptCode CodeID) Level {
	back, first := before, time.Time{}
	// The first upgrade that was fulfilled; a redundant refund never was
	// and has no level before. A code redeemed earlier comes first.
	for _, o := range fulfilled {
		if !o.levelBefore.IsZero() {
			back, first = o.levelBefore, o.paidAt
			break
		}
	}
	for _, c := range redeemed {
		if !c.levelBefore.IsZero() && (first.IsZero() || c.redeemedAt.Before(first)) {
			back, first = c.levelBefore, c.redeemedAt
		}
		break
	}
	for _, o := range fulfilled {
		if o.id != exceptUpgrade && o.status == StatusComplete && !back.AtLeast(o.upgradeType.Grants()) {
			back = o.upgradeType.Grants()
		}
	}
	for _, c := range redeemed {
		if c.id != exceptCode && c.status == CodeRedeemed && !back.AtLeast(c.Grants()) {
			back = c.Grants()
		}
	}
	return back
}

// leftAt is the level this upgrade's fulfilment left the recipient at: the
// level granted, or the higher one they already had.
func (u *Upgrade) leftAt() Level {
	if u.levelBefore.AtLeast(u.upgradeType.Grants()) {
		return u.levelBefore
	}
	return u.upgradeType.Grants()
}

// notices says who is told what about r: the people of the upgrade about
// their level and money, the owners about whatever needs a person.
func (u *Upgrade) notices(p Payment, r Result, recipient *User) []Notice {
	var out []Notice
	add := func(k NoticeKind, to UserID, detail string) {
		out = append(out, u.notice(k, to, recipient, detail, p.Cause))
	}
	applied := r.Outcome == OutcomeApplied
	switch {
	case r.IssueCodes > 0:
		add(NoticeCodesIssued, u.purchaserID, "")
	case u.IsCodes() && applied && r.To == StatusRefunded:
		add(NoticeCodesVoided, u.purchaserID, "")
	case r.Fulfilled:
		add(NoticeUpgraded, u.recipientID, "")
		if u.IsGifted() {
			add(NoticeGiftDelivered, u.purchaserID, "")
		}
	case applied && p.Kind == EventAsyncFailed:
		add(NoticePaymentFailed, u.purchaserID, "")
	case applied && r.To == StatusRefunded:
		add(NoticeRefunded, u.purchaserID, "")
		if u.IsGifted() && r.Reverted {
			add(NoticeGiftReverted, u.recipientID, "")
		}
	}
	switch {
	case r.Anomaly != "":
		add(NoticeAnomaly, 0, r.Anomaly)
	case p.Kind == EventDisputeOpened:
		add(NoticeDispute, 0, "")
	case p.Kind == EventFraudWarning:
		add(NoticeFraudWarning, 0, "")
	case applied && p.Kind == EventDisputeLost:
		add(NoticeDisputeLost, 0, "")
	}
	return out
}

func (u *Upgrade) notice(k NoticeKind, to UserID, recipient *User, detail, cause string) Notice {
	return Notice{
		Kind: k, To: to, UpgradeID: u.id, Type: u.upgradeType,
		Purchaser: u.purchaserID, Recipient: u.recipientID, Gift: u.IsGifted(), GiftNote: u.giftNote, Quantity: u.quantity,
		Level: u.upgradeType.Grants(), LevelNow: recipient.level, Price: u.price,
		Detail: detail, Cause: cause,
	}
}

// RecordAnomaly notes a payment that could not be applied (it did not
// match the upgrade) without changing anything else.
func (u *Upgrade) RecordAnomaly(cause, note string, now time.Time) {
	u.record(HistoryEntry{At: now, From: u.status, To: u.status, Event: EventAmountMismatch, Outcome: OutcomeAnomaly, Cause: trimCause(cause), Note: note})
}

func (u *Upgrade) record(e HistoryEntry) {
	u.history = append(u.history, e)
	u.unsaved++
}

// IsRefundable reports whether the upgrade was paid and can be refunded.
func (u *Upgrade) IsRefundable() bool {
	return u.status == StatusComplete && u.paymentIntentID != ""
}
