package domain

// NoticeKind is what a notice tells.
type NoticeKind struct{ slug string }

var (
	NoticeUpgraded      = NoticeKind{"upgraded"}       // to the recipient: the level was raised
	NoticeGiftDelivered = NoticeKind{"gift_delivered"} // to a gift's purchaser: the recipient was upgraded
	NoticePaymentFailed = NoticeKind{"payment_failed"} // to the purchaser: a delayed payment failed
	NoticeRefunded      = NoticeKind{"refunded"}       // to the purchaser: the payment went back
	NoticeGiftReverted  = NoticeKind{"gift_reverted"}  // to a gift's recipient: the refund took the level back
	NoticeAnomaly       = NoticeKind{"anomaly"}        // to the owners: something needs a person
	NoticeDispute       = NoticeKind{"dispute"}        // to the owners: a dispute was opened
	NoticeFraudWarning  = NoticeKind{"fraud_warning"}  // to the owners: an early fraud warning
	NoticeDisputeLost   = NoticeKind{"dispute_lost"}   // to the owners: a lost dispute reverted the upgrade
	// A redundant payment is refunded: to the purchaser and to the owners,
	// with why in Detail.
	NoticeRedundantRefund = NoticeKind{"redundant_refund"}
	// An automatic refund failed for good: to the owners, with Stripe's
	// error in Detail.
	NoticeRefundFailed = NoticeKind{"refund_failed"}
	// A code purchase was paid: to the purchaser, whose codes are ready.
	NoticeCodesIssued = NoticeKind{"codes_issued"}
	// A code purchase was refunded: to the purchaser, with the codes that
	// became void in Detail.
	NoticeCodesVoided = NoticeKind{"codes_voided"}
)

func (k NoticeKind) String() string { return k.slug }

// Notice is something a person must be told because of a payment. It is
// a value, not a text: who is told, what, and about which upgrade,
// people and money; the words are made where messages are written.
type Notice struct {
	Kind NoticeKind
	// To is the user told; 0 means every owner.
	To        UserID
	UpgradeID UpgradeID
	Type      UpgradeType
	Purchaser UserID
	Recipient UserID
	Gift      bool
	GiftNote  string // the purchaser's note to the recipient of a gift
	Quantity  int    // the codes of a code purchase; 0 for an upgrade
	Level     Level  // the level the upgrade grants
	LevelNow  Level  // the recipient's level once the payment was applied
	Price     Money
	Detail    string // an anomaly's reason
	Cause     string // who told us, with the provider's ids
}

// ToOwners reports whether the notice is for every owner.
func (n Notice) ToOwners() bool { return n.To == 0 }

// UnmatchedNotices says who is told of a payment that names no upgrade of
// the shop: the owners, of a dispute or a fraud warning, so that they can
// find it at the provider by the ids in its cause.
func UnmatchedNotices(p Payment) []Notice {
	var k NoticeKind
	switch p.Kind {
	case EventDisputeOpened:
		k = NoticeDispute
	case EventDisputeLost:
		k = NoticeDisputeLost
	case EventFraudWarning:
		k = NoticeFraudWarning
	default:
		return nil
	}
	return []Notice{{Kind: k, Cause: p.Cause}}
}
