package http

import (
	"time"

	"upgrades/application"
	"upgrades/domain"
)

// The JSON shapes of SPEC section 5. Times are RFC 3339 in UTC.

type userJSON struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Level     string `json:"level"`
	IsBanned  bool   `json:"is_banned"`
	CreatedAt string `json:"created_at"`
	Email     string `json:"email,omitempty"`   // its owner only
	APIKey    string `json:"api_key,omitempty"` // its owner only
}

func userOut(u *domain.User, own bool) *userJSON {
	if u == nil {
		return nil
	}
	out := &userJSON{
		ID: int64(u.ID()), Name: u.Name(), Level: u.Level().String(), IsBanned: u.IsBanned(),
		CreatedAt: rfc3339(u.CreatedAt()),
	}
	if own {
		out.Email, out.APIKey = u.Email(), u.APIKey()
	}
	return out
}

type offerJSON struct {
	UpgradeType string    `json:"upgrade_type"`
	Title       string    `json:"title"`
	Grants      string    `json:"grants"`
	Amount      int64     `json:"amount"`
	Currency    string    `json:"currency"`
	Price       string    `json:"price"`
	ListAmount  int64     `json:"list_amount"` // the price before a sale
	ListPrice   string    `json:"list_price"`
	Sale        *saleJSON `json:"sale,omitempty"`
	Available   bool      `json:"available"`
	Reason      string    `json:"reason,omitempty"`
}

func offersOut(offers []application.Offer) []offerJSON {
	out := make([]offerJSON, len(offers))
	for i, o := range offers {
		out[i] = offerJSON{
			UpgradeType: o.Type.String(), Title: o.Type.Title(), Grants: o.Type.Grants().String(),
			Amount: o.Price.Amount(), Currency: o.Price.Currency(), Price: FormatMoney(o.Price),
			ListAmount: o.Quote.List.Amount(), ListPrice: FormatMoney(o.Quote.List),
			Available: o.Refusal == "", Reason: o.Refusal,
		}
		if s := o.Quote.Sale; !s.IsZero() {
			out[i].Sale = &saleJSON{Name: s.Name(), Percent: s.Percent(), Ends: rfc3339(s.Ends())}
		}
	}
	return out
}

type saleJSON struct {
	Name    string `json:"name"`
	Percent int    `json:"percent"`
	Ends    string `json:"ends"`
}

type upgradeJSON struct {
	ID                int64         `json:"id"`
	PurchaserID       int64         `json:"purchaser_id"`
	RecipientID       *int64        `json:"recipient_id"` // null for a purchase of codes
	PurchaserName     string        `json:"purchaser_name"`
	RecipientName     string        `json:"recipient_name"`
	UpgradeType       string        `json:"upgrade_type"`
	Status            string        `json:"status"`
	IsGifted          bool          `json:"is_gifted"`
	Quantity          int           `json:"quantity"` // codes bought; 0 for an upgrade
	Amount            int64         `json:"amount"`
	Currency          string        `json:"currency"`
	Price             string        `json:"price"`                     // amount, formatted
	AmountPaid        *int64        `json:"amount_paid,omitempty"`     // after promotion codes; absent until paid
	AmountDiscount    *int64        `json:"amount_discount,omitempty"` // what promotion codes took off; absent until paid
	CheckoutSessionID string        `json:"checkout_session_id"`
	CheckoutURL       string        `json:"checkout_url,omitempty"` // to the purchaser, while pending
	CanRefund         bool          `json:"can_refund"`
	GiftNote          string        `json:"gift_note,omitempty"` // a gift's note; to its recipient only once paid
	CreatedAt         string        `json:"created_at"`
	UpdatedAt         string        `json:"updated_at"`
	History           []historyJSON `json:"history,omitzero"` // admins and owners
}

type historyJSON struct {
	At      string `json:"at"`
	From    string `json:"from"`
	To      string `json:"to"`
	Event   string `json:"event"`
	Outcome string `json:"outcome"`
	Cause   string `json:"cause"`
	Note    string `json:"note"`
}

// upgradeOut is an upgrade as viewer sees it in JSON. The checkout page is
// the purchaser's alone: anyone holding its URL can pay or cancel it.
func upgradeOut(v application.UpgradeView, viewer domain.UserID) upgradeJSON {
	u := v.Upgrade
	out := upgradeJSON{
		ID: int64(u.ID()), PurchaserID: int64(u.PurchaserID()), Quantity: u.Quantity(),
		PurchaserName: v.PurchaserName, RecipientName: v.RecipientName,
		UpgradeType: u.Type().String(), Status: u.Status().String(), IsGifted: u.IsGifted(),
		Amount: u.Price().Amount(), Currency: u.Price().Currency(), Price: FormatMoney(u.Price()), CheckoutSessionID: u.SessionID(),
		CanRefund: v.CanRefund, GiftNote: v.GiftNote, CreatedAt: rfc3339(u.CreatedAt()), UpdatedAt: rfc3339(u.UpdatedAt()),
	}
	if id := int64(u.RecipientID()); id != 0 {
		out.RecipientID = &id
	}
	if paid := u.Paid(); paid.Known {
		out.AmountPaid, out.AmountDiscount = &paid.Amount, &paid.Discount
	}
	if u.Status() == domain.StatusPending && viewer == u.PurchaserID() {
		out.CheckoutURL = u.CheckoutURL()
	}
	if v.ShowHistory {
		out.History = make([]historyJSON, 0, len(u.History()))
		for _, e := range u.History() {
			out.History = append(out.History, historyJSON{
				At: rfc3339(e.At), From: e.From.String(), To: e.To.String(), Event: e.Event.String(),
				Outcome: e.Outcome.String(), Cause: e.Cause, Note: e.Note,
			})
		}
	}
	return out
}

type upgradeListJSON struct {
	UserUpgrades []upgradeJSON `json:"user_upgrades"`
	pageJSON
}

// pageJSON is where a list's page stands: the page as asked (a number, or
// "b<id>" / "a<id>"), and the page parameter of the newer (prev) and older
// (next) pages, null when there is none.
type pageJSON struct {
	Page    any     `json:"page"`
	Limit   int     `json:"limit"`
	HasMore bool    `json:"has_more"`
	Prev    *string `json:"prev"`
	Next    *string `json:"next"`
}

func pageOut[T any](l application.Paged[T]) pageJSON {
	out := pageJSON{Page: l.Page.String(), Limit: l.Limit, HasMore: l.HasMore(), Prev: pageParam(l.Prev), Next: pageParam(l.Next)}
	if l.Page.Number > 0 {
		out.Page = l.Page.Number
	}
	return out
}

func pageParam(p application.Page) *string {
	if p.IsZero() {
		return nil
	}
	s := p.String()
	return &s
}

type messageJSON struct {
	ID        int64  `json:"id"`
	Body      string `json:"body"`
	UpgradeID *int64 `json:"upgrade_id"` // null for a message about no upgrade
	// Read is false for a message this answer shows for the first time.
	Read      bool   `json:"read"`
	CreatedAt string `json:"created_at"`
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
