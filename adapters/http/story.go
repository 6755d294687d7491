package http

import (
	"fmt"

	"upgrades/application"
	"upgrades/domain"
)

// story is what the status page says happened, worded for whoever reads
// it: the buyer of their own upgrade, the giver of a gift, its recipient,
// or an admin looking on.
type story struct {
	Headline string
	Detail   string
	// TryAgain links to the upgrade page when the buyer can start over.
	TryAgain string
}

func tell(v application.UpgradeView, viewer *domain.User) story {
	u := v.Upgrade
	if u.IsCodes() {
		return tellCodes(v, viewer)
	}
	level := u.Type().Grants().Title()
	giver, recipient := v.PurchaserName, v.RecipientName
	var (
		buyer    = viewer != nil && viewer.ID() == u.PurchaserID()
		receiver = viewer != nil && viewer.ID() == u.RecipientID() && u.IsGifted()
		again    = fmt.Sprintf("/user_upgrades/new?user_id=%d", u.RecipientID())
	)
	pick := func(self, gift, got, other story) story {
		switch {
		case buyer && !u.IsGifted():
			return self
		case buyer:
			return gift
		case receiver:
			return got
		}
		return other
	}
	other := func(what string) story {
		who := fmt.Sprintf("%s bought %s for %s", giver, u.Type().Title(), recipient)
		if !u.IsGifted() {
			who = fmt.Sprintf("%s bought %s for themself", giver, u.Type().Title())
		}
		return story{Headline: fmt.Sprintf("Upgrade #%d %s.", u.ID(), what), Detail: who + "."}
	}

	switch u.Status() {
	case domain.StatusPending:
		return pick(
			story{Headline: "Waiting for your payment…", Detail: "This page updates itself as soon as the payment is confirmed."},
			story{Headline: "Waiting for your payment…", Detail: fmt.Sprintf("Once it is confirmed, %s becomes %s. This page updates itself.", recipient, level)},
			story{Headline: fmt.Sprintf("%s is buying you %s.", giver, level), Detail: "It is yours as soon as the payment is confirmed."},
			other("is waiting for payment"))
	case domain.StatusProcessing:
		wait := "Some payment methods take a few days to settle; the upgrade is applied the moment it does. This page updates itself."
		return pick(
			story{Headline: "Your payment is on its way.", Detail: wait},
			story{Headline: "Your payment is on its way.", Detail: wait},
			story{Headline: fmt.Sprintf("%s's payment for your %s upgrade is settling.", giver, level), Detail: "It is yours as soon as it does."},
			other("is waiting for the payment to settle"))
	case domain.StatusComplete:
		return pick(
			story{Headline: fmt.Sprintf("Your account is now %s!", level), Detail: "The payment is complete. Thank you!"},
			story{Headline: fmt.Sprintf("%s is now %s!", recipient, level), Detail: fmt.Sprintf("The payment is complete, and %s has been told the gift is from you. Thank you!", recipient)},
			story{Headline: fmt.Sprintf("%s gave you %s!", giver, level), Detail: "The upgrade is complete. Enjoy!"},
			other("is complete"))
	case domain.StatusFailed:
		return pick(
			story{Headline: "The payment failed.", Detail: "Your account was not upgraded. You can try again.", TryAgain: again},
			story{Headline: "The payment failed.", Detail: fmt.Sprintf("%s was not upgraded. You can try again.", recipient), TryAgain: again},
			story{Headline: fmt.Sprintf("The payment for %s's gift did not go through.", giver), Detail: "Your level is unchanged."},
			other("failed"))
	case domain.StatusExpired:
		return pick(
			story{Headline: "The checkout expired before it was paid.", Detail: "Nothing was charged. You can start again.", TryAgain: again},
			story{Headline: "The checkout expired before it was paid.", Detail: "Nothing was charged. You can start again.", TryAgain: again},
			story{Headline: fmt.Sprintf("%s's gift was not paid in time.", giver), Detail: "Your level is unchanged."},
			other("expired unpaid"))
	case domain.StatusRefunded:
		return pick(
			story{Headline: "This upgrade was refunded.", Detail: "The payment was returned."},
			story{Headline: "This gift was refunded.", Detail: "The payment was returned."},
			story{Headline: fmt.Sprintf("The %s upgrade from %s was refunded.", level, giver), Detail: "Your level went back to what it was, unless it has changed since."},
			other("was refunded"))
	}
	return other("is " + u.Status().String())
}

// tellCodes is the story of a purchase of codes, to its buyer or to an
// admin looking on.
func tellCodes(v application.UpgradeView, viewer *domain.User) story {
	u := v.Upgrade
	what, are := fmt.Sprintf("%d %s codes", u.Quantity(), u.Type().Grants().Title()), "are"
	if u.Quantity() == 1 {
		what, are = "Your "+u.Type().Grants().Title()+" code", "is"
	} else {
		what = "Your " + what
	}
	buyer := viewer != nil && viewer.ID() == u.PurchaserID()
	if !buyer {
		return story{Headline: fmt.Sprintf("Upgrade #%d: %s bought %d %s codes.", u.ID(), v.PurchaserName, u.Quantity(), u.Type().Grants().Title()),
			Detail: "Status: " + statusLabel(u.Status()) + "."}
	}
	switch u.Status() {
	case domain.StatusPending, domain.StatusProcessing:
		return story{Headline: "Waiting for your payment…", Detail: what + " will be under Codes as soon as the payment is confirmed. This page updates itself."}
	case domain.StatusComplete:
		return story{Headline: what + " " + are + " ready!", Detail: "Find them under Codes, to copy or print and give away. Thank you!"}
	case domain.StatusRefunded:
		return story{Headline: "This purchase was refunded.", Detail: "The payment was returned and its codes are void."}
	}
	return story{Headline: "The purchase was not paid.", Detail: "Nothing was charged; no codes were made.", TryAgain: "/user_upgrades/new"}
}
