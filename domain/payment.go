package domain

// Payment is one fact about an upgrade's payment, in the shop's words:
// what happened and what the payment provider said about it. The payment
// adapter maps both its webhooks and the checkouts it reads back into a
// Payment; the shop's own facts (an owner's refund, a checkout that could
// not be created) are Payments too. It is the single input of Apply.
type Payment struct {
	Kind EventKind // what happened; the zero kind is nothing the shop acts on
	// UpgradeID is the upgrade the provider's object names (the checkout's
	// reference); 0 when it names none (charges and disputes).
	UpgradeID       UpgradeID
	SessionID       string // the checkout session, for checkout facts
	PaymentIntentID string
	Livemode        bool
	// Amount and Currency are what was charged: the checkout's subtotal
	// (before any promotion) or the charge's amount. Currency is empty
	// when the fact carries no amount (disputes, warnings, the shop's own).
	Amount   int64
	Currency string
	// Total and Discount are, for a checkout that reported them (Totals),
	// what the buyer paid after promotion codes and what they took off.
	Total, Discount int64
	Totals          bool
	// Installation is the installation named in the provider's metadata,
	// empty when it names none.
	Installation string
	Cause        string // who or what told us, for the history: "stripe evt_… charge.refunded: …"
}

// settles reports whether p says money arrived.
func (p Payment) settles() bool {
	return p.Kind == EventCheckoutPaid || p.Kind == EventAsyncSucceeded
}

// MayRevert reports whether applying p may take a level back: then Apply
// needs the recipient's fulfilled upgrades in its Facts.
func (p Payment) MayRevert() bool {
	for _, s := range Statuses {
		if Decide(s, p.Kind).Effect == EffectRevert {
			return true
		}
	}
	return false
}
