package application

import (
	"context"
	"time"

	"upgrades/domain"
)

// Clock tells the time and waits; tests set the time.
type Clock interface {
	Now() time.Time
	// Sleep waits for d, or less when ctx ends (then it returns ctx's error).
	Sleep(ctx context.Context, d time.Duration) error
}

// Tokens makes unguessable secrets such as API keys.
type Tokens interface{ NewToken() (string, error) }

// PasswordHasher hashes and checks passwords.
type PasswordHasher interface {
	Hash(password string) (string, error)
	// Verify reports whether password matches hash, in time that does not
	// depend on where they differ.
	Verify(hash, password string) bool
}

// Throttles keep allowances of attempts by key (token buckets): the
// application chooses the keys and their limits, the store keeps the
// levels. On PostgreSQL every replica shares them. Safe for concurrent use.
type Throttles interface {
	// Take brings each allowance up to date at now and hands their levels
	// (attempts left, in the order given; a fresh key is full) to decide.
	// When decide returns zero, one attempt of each is spent (never below
	// zero); otherwise nothing is. decide runs while the keys are held
	// against every other Take of them, so that concurrent attempts do not
	// all see the same level. Take returns decide's answer.
	Take(ctx context.Context, now time.Time, keys []Allowance, decide func(levels []float64) (wait time.Duration)) (time.Duration, error)
	// Return gives one attempt back to each allowance, up to its burst.
	Return(ctx context.Context, now time.Time, keys []Allowance) error
}

// Allowance is one key's allowance.
type Allowance struct {
	Key   string
	Limit Limit
}

// Limit allows Burst attempts at once, then one more every Every.
type Limit struct {
	Burst int
	Every time.Duration
}

// Users stores accounts. Lookups of a missing user return a
// domain.KindNotFound error; a taken name returns domain.KindConflict.
type Users interface {
	Create(ctx context.Context, u *domain.User) error
	ByID(ctx context.Context, id domain.UserID) (*domain.User, error)
	// ByIDCountingUnread is ByID with the number of the user's unread
	// messages, read together: every page names that number, and a
	// page's first read is the logged-in user's.
	ByIDCountingUnread(ctx context.Context, id domain.UserID) (*domain.User, int, error)
	// ByName finds a user by name, ignoring case.
	ByName(ctx context.Context, name string) (*domain.User, error)
	// LockByID reads a user and locks it until the unit of work ends.
	LockByID(ctx context.Context, id domain.UserID) (*domain.User, error)
	// Update stores a user locked in this unit of work; a KindNotFound
	// error when there is no such user.
	Update(ctx context.Context, u *domain.User) error
	// Owners returns every user at the owner level.
	Owners(ctx context.Context) ([]*domain.User, error)
}

// Upgrades stores upgrades and their history.
type Upgrades interface {
	// Create stores a new upgrade, assigns its id and saves its history.
	Create(ctx context.Context, u *domain.Upgrade) error
	// ByID reads an upgrade, with its history when withHistory is set.
	ByID(ctx context.Context, id domain.UpgradeID, withHistory bool) (*domain.Upgrade, error)
	// LockByID reads an upgrade and locks it until the unit of work ends.
	LockByID(ctx context.Context, id domain.UpgradeID) (*domain.Upgrade, error)
	// LockByPaymentIntent is LockByID for the upgrade paid by a PaymentIntent.
	LockByPaymentIntent(ctx context.Context, paymentIntentID string) (*domain.Upgrade, error)
	// LatestPending returns the newest pending upgrade of type t bought by
	// purchaser for recipient (0: a purchase of codes), or a KindNotFound
	// error.
	LatestPending(ctx context.Context, purchaser, recipient domain.UserID, t domain.UpgradeType) (*domain.Upgrade, error)
	// Update stores the fields and the unsaved history of an upgrade
	// locked (or created) in this unit of work; a KindNotFound error when
	// there is no such upgrade.
	Update(ctx context.Context, u *domain.Upgrade) error
	// ByRecipient returns the upgrades of a recipient in any of the
	// statuses, oldest first, without history.
	ByRecipient(ctx context.Context, recipient domain.UserID, statuses ...domain.Status) ([]*domain.Upgrade, error)
	List(ctx context.Context, q UpgradeQuery) ([]UpgradeRow, error)
	// ClaimStale leases up to limit open upgrades last updated before
	// olderThan and not leased by anyone else, until leaseUntil, so that
	// replicas reconciling at once check each upgrade once.
	ClaimStale(ctx context.Context, olderThan, now, leaseUntil time.Time, limit int) ([]domain.UpgradeID, error)
	// CountOpen counts the open upgrades by status, with every open
	// status present (zero when there are none).
	CountOpen(ctx context.Context) (map[domain.Status]int, error)
}

// UpgradeQuery selects upgrades for a list page. Zero fields do not filter.
type UpgradeQuery struct {
	VisibleTo     domain.UserID // only upgrades this user bought or received
	RecipientName string        // exact name, ignoring case
	PurchaserName string
	PurchaserID   domain.UserID // for a use case that has the id, not the name
	Type          domain.UpgradeType
	Status        domain.Status
	IsGifted      *bool
	Window
}

// UpgradeRow is an upgrade with the names of the people in it.
type UpgradeRow struct {
	Upgrade       *domain.Upgrade
	PurchaserName string
	RecipientName string
}

// ReceivedEvent is a payment provider's event as stored for dedupe and audit.
type ReceivedEvent struct {
	ID         string
	Type       string
	Livemode   bool
	Payload    []byte
	ReceivedAt time.Time
}

// PaymentEvents remembers provider events so that each is applied once.
type PaymentEvents interface {
	// Record stores the event; it returns false when the event was already
	// processed. An event whose earlier attempt failed is recorded again.
	Record(ctx context.Context, e ReceivedEvent) (fresh bool, err error)
	// Finish records how an event recorded in this unit of work ended.
	Finish(ctx context.Context, id string, outcome domain.Outcome, upgrade domain.UpgradeID, at time.Time) error
	// Fail records why processing failed, outside the failed unit of work;
	// the event stays unprocessed so that a redelivery is applied.
	Fail(ctx context.Context, e ReceivedEvent, reason string) error
	// CountUnprocessed counts the recorded events not processed yet
	// (failed ones included).
	CountUnprocessed(ctx context.Context) (int, error)
	// List returns the stored events that f selects, newest first.
	List(ctx context.Context, f EventFilter) ([]StoredEvent, error)
	// Get returns one stored event with its payload; an unknown id is a
	// domain.KindNotFound error.
	Get(ctx context.Context, id string) (StoredEvent, error)
}

// Messages stores in-app notifications.
type Messages interface {
	// Create stores a message and assigns its id.
	Create(ctx context.Context, m *domain.Message) error
	// ForUser returns a user's messages, newest first.
	ForUser(ctx context.Context, user domain.UserID, limit int) ([]*domain.Message, error)
	// MarkRead marks the user's messages among ids read at now, those
	// still unread; a message that arrived since they were listed stays
	// unread.
	MarkRead(ctx context.Context, user domain.UserID, ids []domain.MessageID, now time.Time) error
}

// Outcomes reads, locked, what applying a payment needs, and saves what
// it changed, keeping the daily sales totals in the same unit of work.
type Outcomes interface {
	// Lock records the payment's event when it has one, as
	// PaymentEvents.Record does, and, when the event is fresh, locks the
	// upgrade the payment names (by id, else by PaymentIntent) and then
	// its recipient, all at once. A duplicate event locks nothing; an
	// upgrade that is not there is a nil Upgrade, not an error.
	Lock(ctx context.Context, l PaymentLock) (LockedPayment, error)
	// Save stores, at once, everything c holds: the upgrade's fields and
	// unsaved history, the recipient's level, the messages (assigning
	// their ids) and the event's outcome. Each row must exist (the upgrade
	// and the recipient locked, the event recorded, in this unit of work):
	// a missing one is a KindNotFound error.
	//
	// Save ends its unit of work: nothing may follow it. A store may hold
	// it and send it with the commit, to save a round trip; then its
	// error is the unit of work's, and the ids and the history it marks
	// saved are set when the unit of work commits.
	Save(ctx context.Context, c PaymentChanges) error
}

// PaymentLock is what Outcomes.Lock records and locks.
type PaymentLock struct {
	Event           *ReceivedEvent // nil for a payment that is no provider event
	UpgradeID       domain.UpgradeID
	PaymentIntentID string // when there is no UpgradeID
}

// LockedPayment is what Outcomes.Lock found.
type LockedPayment struct {
	Fresh     bool            // the event is to be applied (always, without one)
	Upgrade   *domain.Upgrade // nil when no upgrade matches, or not Fresh
	Recipient *domain.User
}

// PaymentChanges is what applying one payment changed, saved by Outcomes.Save.
type PaymentChanges struct {
	Upgrade   *domain.Upgrade
	Recipient *domain.User // nil when its level did not change
	Messages  []*domain.Message
	Event     *FinishedEvent // nil for a payment that is no provider event
	// Refund is a refund to request from the provider once the unit of
	// work commits (an outbox row); nil when there is none.
	Refund *OutboxRefund
	// Sales is added to the day's sales totals; zero adds nothing.
	Sales domain.DailySales
}

// OutboxRefund is a refund the shop owes: the exact request, stored with
// the outcome that decided it and sent after the commit, unchanged each
// time, so that its idempotency key makes it one refund at the provider.
type OutboxRefund struct {
	ID        int64 // assigned when stored
	UpgradeID domain.UpgradeID
	Request   RefundRequest
	Attempts  int // requests sent so far, this claim's included
	CreatedAt time.Time
}

// RefundOutbox holds the refunds owed until the provider has made them.
// Rows are added by Outcomes.Save.
type RefundOutbox interface {
	// Claim leases up to limit refunds not done, not given up and not
	// leased by anyone else at now, until leaseUntil, counting an attempt
	// for each; with a key, only that refund. Rows another unit of work
	// holds are skipped, not waited for.
	Claim(ctx context.Context, now, leaseUntil time.Time, limit int, key string) ([]OutboxRefund, error)
	// Done records that the provider made the refund.
	Done(ctx context.Context, id int64, refundID string, at time.Time) error
	// Failed records why an attempt failed; with giveUp the refund is not
	// tried again.
	Failed(ctx context.Context, id int64, reason string, giveUp bool, at time.Time) error
	// Stuck returns up to limit refunds not done that were given up or
	// are owed since before createdBefore, oldest first.
	Stuck(ctx context.Context, createdBefore time.Time, limit int) ([]StuckRefund, error)
}

// StuckRefund is an owed refund the provider has not made in time.
type StuckRefund struct {
	OutboxRefund
	LastError string
	GaveUp    bool
}

// Resolutions remember the anomalies owners marked resolved, by subject
// (event:ID, refund:ID).
type Resolutions interface {
	// Resolve stores a resolution; a subject resolved already is a
	// KindConflict error.
	Resolve(ctx context.Context, r Resolution) error
	// Resolved returns the resolutions of those of subjects that have one.
	Resolved(ctx context.Context, subjects []string) (map[string]Resolution, error)
}

// Resolution is an owner's word that an anomaly needs nothing more.
type Resolution struct {
	Subject string
	Note    string
	By      domain.UserID // zero: the command line
	At      time.Time
}

// FinishedEvent is how a recorded provider event ended.
type FinishedEvent struct {
	ID      string
	Outcome domain.Outcome
	At      time.Time
}

// Store is every repository, bound to one unit of work.
type Store struct {
	Users    Users
	Upgrades Upgrades
	Events   PaymentEvents
	Messages Messages
	Outcomes Outcomes
	Refunds  RefundOutbox
	Audit    Audit
	Resolved Resolutions
	Sales    Sales
	Codes    Codes
}

// Sales reads the daily sales totals that Outcomes.Save keeps.
type Sales interface {
	// Daily returns the totals of the days from..to (UTC, both included)
	// that had a sale or a refund, by day, type and currency, oldest first.
	Daily(ctx context.Context, from, to time.Time) ([]domain.DailySales, error)
}

// UnitOfWork runs fn in one transaction: everything fn does through the
// Store is committed when it returns nil and rolled back otherwise. Every
// call reaches the database when it is made and reports its own error.
// An unreachable database is reported as domain.KindUnavailable.
type UnitOfWork interface {
	Do(ctx context.Context, fn func(ctx context.Context, s Store) error) error
	// Read runs fn outside any transaction, each call its own statement:
	// for a use case that reads one thing and locks and writes nothing,
	// which then costs one round trip instead of three (a transaction's
	// begin and commit around it). fn must not write or lock.
	Read(ctx context.Context, fn func(ctx context.Context, s Store) error) error
}

// PaymentGateway is the payment provider's API (Stripe Checkout).
// Its failures are domain.KindPaymentProvider errors.
type PaymentGateway interface {
	CreateCheckout(ctx context.Context, r CheckoutRequest) (Checkout, error)
	RetrieveCheckout(ctx context.Context, sessionID string) (CheckoutState, error)
	ExpireCheckout(ctx context.Context, sessionID string) (CheckoutState, error)
	Refund(ctx context.Context, r RefundRequest) (Refund, error)
	// ReceiptURL returns the receipt of the payment's latest charge, ""
	// while no charge of it has succeeded.
	ReceiptURL(ctx context.Context, paymentIntentID string) (string, error)
}

// CheckoutRequest is everything a hosted checkout page needs.
type CheckoutRequest struct {
	UpgradeID   domain.UpgradeID
	PurchaserID domain.UserID
	RecipientID domain.UserID
	UpgradeType domain.UpgradeType
	// Quantity is the codes of a code purchase (RecipientID 0): Price is
	// for all of them. 0 for an upgrade.
	Quantity       int
	ProductName    string
	Description    string
	Price          domain.Money
	CustomerEmail  string
	SuccessURL     string
	CancelURL      string
	ExpiresAt      time.Time
	Installation   string // in the metadata, so events say whose they are
	IdempotencyKey string
	// AllowPromotionCodes shows the checkout's promotion-code field.
	AllowPromotionCodes bool
}

// Checkout is a created checkout session.
type Checkout struct {
	SessionID string
	URL       string
	ExpiresAt time.Time
}

// CheckoutState is a checkout session as the provider sees it now.
type CheckoutState struct {
	// Open is set while the buyer can still pay on the checkout page.
	Open bool
	// Payment is what the session says happened once it is not open: paid,
	// unpaid, failed or expired. Its Kind is zero while nothing did.
	Payment domain.Payment
	Type    string // the provider's name of the session's state, for the history
}

// RefundRequest refunds a PaymentIntent in full.
type RefundRequest struct {
	PaymentIntentID string
	IdempotencyKey  string
}

// Refund is a created refund.
type Refund struct {
	ID     string
	Status string
	// AlreadyRefunded is set when the provider answered that the payment
	// was refunded already (by another request or in its dashboard).
	AlreadyRefunded bool
}

// EventReader reads a stored provider event into a payment event, as the
// WebhookVerifier does after checking the signature. It is for events
// whose signature was checked when they were stored.
type EventReader interface {
	Read(payload []byte) (PaymentEvent, error)
}

// WebhookVerifier checks a webhook's signature and reads its event.
// A bad signature or an unreadable body is a domain.KindMalformed error.
type WebhookVerifier interface {
	Verify(payload []byte, signatureHeader string) (PaymentEvent, error)
}

// CodeMaker makes the values of new upgrade codes from a cryptographic
// random source.
type CodeMaker interface {
	NewCode() (domain.CodeValue, error)
}

// Codes stores upgrade codes. A code's value is unique: Create of a value
// that exists is a KindConflict error.
type Codes interface {
	// Create stores a new code and assigns its id.
	Create(ctx context.Context, c *domain.Code) error
	// ByValue reads a code; a KindNotFound error when there is none.
	ByValue(ctx context.Context, v domain.CodeValue) (*domain.Code, error)
	// LockByValue reads a code and locks it until the unit of work ends;
	// a KindNotFound error when there is none.
	LockByValue(ctx context.Context, v domain.CodeValue) (*domain.Code, error)
	// LockByUpgrade reads and locks the codes a purchase issued, oldest first.
	LockByUpgrade(ctx context.Context, id domain.UpgradeID) ([]*domain.Code, error)
	// RedeemedBy returns the codes a user redeemed, oldest first.
	RedeemedBy(ctx context.Context, redeemer domain.UserID) ([]*domain.Code, error)
	// Update stores the status and redemption of a code locked in this
	// unit of work; a KindNotFound error when there is no such code.
	Update(ctx context.Context, c *domain.Code) error
	// List reads a page of codes, newest first.
	List(ctx context.Context, q CodeQuery) ([]CodeRow, error)
}

// CodeQuery selects codes for a list page. Zero fields do not filter.
type CodeQuery struct {
	VisibleTo    domain.UserID // only codes this user bought, was minted or redeemed
	Status       domain.CodeStatus
	Type         domain.UpgradeType
	BuyerName    string // exact name, ignoring case
	RedeemerName string
	Window
}

// CodeRow is a code with the names of the people in it; RedeemerName is
// "" while it is unused.
type CodeRow struct {
	Code         *domain.Code
	BuyerName    string
	RedeemerName string
}
