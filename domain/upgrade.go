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
	levelBefore      Level
	createdAt        time.Time
	updatedAt        time.Time
	history          []HistoryEntry
	unsaved          int // how many entries at the end of history are not stored yet
}

// NewUpgrade starts a pending upgrade. The id is assigned when it is stored.
func NewUpgrade(purchaser, recipient *User, t UpgradeType, prices Prices, now time.Time) (*Upgrade, error) {
	if err := UpgradeRefusal(purchaser, recipient, t); err != nil {
		return nil, err
	}
	price := prices.Of(t)
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
	LevelBefore      Level
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// UnmarshalUpgradeFromDatabase rebuilds a stored upgrade. history may be
// nil when the caller does not need it; new entries are still recorded.
func UnmarshalUpgradeFromDatabase(s UpgradeSnapshot, history []HistoryEntry) *Upgrade {
	return &Upgrade{
		id: s.ID, purchaserID: s.PurchaserID, recipientID: s.RecipientID, upgradeType: s.Type,
		status: s.Status, price: s.Price, sessionID: s.SessionID, checkoutURL: s.CheckoutURL,
		sessionExpiresAt: s.SessionExpiresAt, paymentIntentID: s.PaymentIntentID,
		levelBefore: s.LevelBefore, createdAt: s.CreatedAt, updatedAt: s.UpdatedAt,
		history: history,
	}
}

// Snapshot returns the stored fields.
func (u *Upgrade) Snapshot() UpgradeSnapshot {
	return UpgradeSnapshot{
		ID: u.id, PurchaserID: u.purchaserID, RecipientID: u.recipientID, Type: u.upgradeType,
		Status: u.status, Price: u.price, SessionID: u.sessionID, CheckoutURL: u.checkoutURL,
		SessionExpiresAt: u.sessionExpiresAt, PaymentIntentID: u.paymentIntentID,
		LevelBefore: u.levelBefore, CreatedAt: u.createdAt, UpdatedAt: u.updatedAt,
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
func (u *Upgrade) LevelBefore() Level          { return u.levelBefore }
func (u *Upgrade) CreatedAt() time.Time        { return u.createdAt }
func (u *Upgrade) UpdatedAt() time.Time        { return u.updatedAt }
func (u *Upgrade) IsGifted() bool              { return u.purchaserID != u.recipientID }

// History returns the loaded history, oldest first.
func (u *Upgrade) History() []HistoryEntry { return append([]HistoryEntry(nil), u.history...) }

// UnsavedHistory returns the entries recorded since the upgrade was loaded
// or last saved; repositories store them and then call HistorySaved.
func (u *Upgrade) UnsavedHistory() []HistoryEntry {
	return append([]HistoryEntry(nil), u.history[len(u.history)-u.unsaved:]...)
}

// HistorySaved marks every entry as stored.
func (u *Upgrade) HistorySaved() { u.unsaved = 0 }

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

// Event is one fact about the payment, applied by Apply.
type Event struct {
	Kind            EventKind
	Cause           string
	PaymentIntentID string // known from checkout completion on
}

// Result says what Apply did.
type Result struct {
	Decision
	From        Status
	Fulfilled   bool   // the recipient's level was raised
	Reverted    bool   // the recipient's level was put back
	Anomaly     string // set when owners must look
	LevelBefore Level
	LevelAfter  Level
}

// Apply runs ev through the state machine and carries out its effect on
// the upgrade and on its recipient, recording it in the history. The
// caller holds the upgrade's lock and stores both afterwards.
func (u *Upgrade) Apply(ev Event, recipient *User, now time.Time) (Result, error) {
	if recipient == nil || recipient.id != u.recipientID {
		return Result{}, fmt.Errorf("upgrade #%d: apply needs its recipient", u.id)
	}
	d := Decide(u.status, ev.Kind)
	r := Result{Decision: d, From: u.status, LevelBefore: recipient.level, LevelAfter: recipient.level}
	note := d.Reason
	if d.Outcome == OutcomeAnomaly {
		r.Anomaly = d.Reason
	}
	switch d.Effect {
	case EffectFulfil:
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
	case EffectRevert:
		if recipient.level == u.upgradeType.Grants() && !u.levelBefore.IsZero() && recipient.level != u.levelBefore {
			recipient.level = u.levelBefore
			r.Reverted = true
			note = fmt.Sprintf("%s returned from %s to %s", recipient.name, r.LevelBefore, u.levelBefore)
		} else {
			note = fmt.Sprintf("%s left at %s: the level changed since this upgrade", recipient.name, recipient.level)
		}
	}
	r.LevelAfter = recipient.level
	if ev.PaymentIntentID != "" && u.paymentIntentID == "" && d.Outcome != OutcomeIgnored {
		u.paymentIntentID = ev.PaymentIntentID
	}
	outcome := d.Outcome
	if r.Anomaly != "" {
		outcome = OutcomeAnomaly
	}
	u.status = d.To
	if d.Outcome == OutcomeApplied {
		u.updatedAt = now
	}
	u.record(HistoryEntry{At: now, From: r.From, To: d.To, Event: ev.Kind, Outcome: outcome, Cause: trimCause(ev.Cause), Note: note})
	return r, nil
}

// RecordAnomaly notes an event that could not be applied (it did not match
// the upgrade) without changing anything else.
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
