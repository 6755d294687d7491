package domain

import (
	"strings"
	"unicode/utf8"
)

// EventKind is something that happened to an upgrade's payment, whatever
// told us (a webhook, the success page, the reconciler, an owner).
type EventKind struct{ slug string }

var (
	EventCheckoutPaid   = EventKind{"checkout_paid"}   // completed, paid or no payment required
	EventCheckoutUnpaid = EventKind{"checkout_unpaid"} // completed, payment not settled yet
	EventAsyncSucceeded = EventKind{"async_succeeded"} // a delayed payment settled
	EventAsyncFailed    = EventKind{"async_failed"}    // a delayed payment failed
	EventSessionExpired = EventKind{"session_expired"} // the checkout expired unpaid
	EventCheckoutFailed = EventKind{"checkout_failed"} // the checkout could not be created
	EventRefunded       = EventKind{"refunded"}        // fully refunded
	EventDisputeLost    = EventKind{"dispute_lost"}    // a dispute closed as lost
	EventDisputeOpened  = EventKind{"dispute_opened"}  // a dispute was opened
	EventFraudWarning   = EventKind{"fraud_warning"}   // an early fraud warning
	EventAmountMismatch = EventKind{"mismatch"}        // the event does not match the upgrade
)

// EventKinds lists every kind the state machine decides on.
var EventKinds = []EventKind{
	EventCheckoutPaid, EventCheckoutUnpaid, EventAsyncSucceeded, EventAsyncFailed,
	EventSessionExpired, EventCheckoutFailed, EventRefunded, EventDisputeLost,
	EventDisputeOpened, EventFraudWarning,
}

// ParseEventKind reads an event kind by its slug.
func ParseEventKind(s string) (EventKind, error) {
	for _, k := range append(EventKinds, EventAmountMismatch) {
		if k.slug == s {
			return k, nil
		}
	}
	return EventKind{}, Errorf(KindInvalid, "unknown event kind %q", s)
}

func (k EventKind) String() string { return k.slug }

// Outcome is what an event did to an upgrade.
type Outcome struct{ slug string }

var (
	OutcomeApplied = Outcome{"applied"} // the status changed
	OutcomeIgnored = Outcome{"ignored"} // stale, duplicate or out of order: nothing changed
	OutcomeAnomaly = Outcome{"anomaly"} // needs an owner's attention
	OutcomeNoted   = Outcome{"noted"}   // recorded for owners, status unchanged

	// A provider event about no upgrade ends in one of these; they are
	// never in an upgrade's history.
	OutcomeUnhandled = Outcome{"unhandled"} // a kind of event the shop does not act on
	OutcomeUnmatched = Outcome{"unmatched"} // no upgrade of this shop
	OutcomeForeign   = Outcome{"foreign"}   // another installation's payment
)

// ParseOutcome reads the outcome of a history entry by its slug.
func ParseOutcome(s string) (Outcome, error) {
	for _, o := range []Outcome{OutcomeApplied, OutcomeIgnored, OutcomeAnomaly, OutcomeNoted} {
		if o.slug == s {
			return o, nil
		}
	}
	return Outcome{}, Errorf(KindInvalid, "unknown outcome %q", s)
}

func (o Outcome) String() string { return o.slug }

// Effect is what a transition does beyond changing the status.
type Effect int

const (
	EffectNone   Effect = iota
	EffectFulfil        // raise the recipient's level
	EffectRevert        // undo the fulfilment
	EffectOwners        // tell the owners
)

// Decision is the state machine's answer for one (status, event) pair.
type Decision struct {
	To      Status
	Outcome Outcome
	Effect  Effect
	Reason  string // why, for the history, when nothing is applied
}

// Decide is the upgrade state machine: the only place that knows which
// event moves which status where. It is monotonic: whatever would move an
// upgrade backwards or sideways is ignored.
//
// Stripe does not promise to deliver events in order, so a settlement
// (async succeeded or failed) may arrive before the completion that put the
// upgrade in processing; it is applied from pending as well.
func Decide(from Status, ev EventKind) Decision {
	stay := func(o Outcome, reason string, e Effect) Decision {
		return Decision{To: from, Outcome: o, Effect: e, Reason: reason}
	}
	move := func(to Status, e Effect) Decision {
		return Decision{To: to, Outcome: OutcomeApplied, Effect: e}
	}
	switch ev {
	case EventDisputeOpened, EventFraudWarning:
		return stay(OutcomeNoted, "", EffectOwners)
	}
	switch from {
	case StatusPending:
		switch ev {
		case EventCheckoutPaid, EventAsyncSucceeded:
			return move(StatusComplete, EffectFulfil)
		case EventCheckoutUnpaid:
			return move(StatusProcessing, EffectNone)
		case EventAsyncFailed, EventCheckoutFailed:
			return move(StatusFailed, EffectNone)
		case EventSessionExpired:
			return move(StatusExpired, EffectNone)
		}
	case StatusProcessing:
		switch ev {
		case EventCheckoutPaid, EventAsyncSucceeded:
			return move(StatusComplete, EffectFulfil)
		case EventAsyncFailed:
			return move(StatusFailed, EffectNone)
		}
	case StatusComplete:
		switch ev {
		case EventRefunded, EventDisputeLost:
			return move(StatusRefunded, EffectRevert)
		}
	case StatusFailed, StatusExpired:
		switch ev {
		case EventCheckoutPaid, EventAsyncSucceeded:
			// Money arrived for an upgrade that can no longer be fulfilled.
			return stay(OutcomeAnomaly, "payment received for "+from.withArticle()+" upgrade; refund or fulfil it by hand", EffectOwners)
		}
	}
	return stay(OutcomeIgnored, ev.slug+" does not apply to "+from.withArticle()+" upgrade", EffectNone)
}

// cause is trimmed so a hostile event cannot bloat the history, at a
// character boundary so that what is stored stays valid UTF-8.
func trimCause(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 200 {
		cut := 200
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return s
}
