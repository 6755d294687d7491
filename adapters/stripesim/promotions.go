package stripesim

import (
	"net/http"
	"strings"
)

// testPromotionCodes are the codes the simulated account has, as percent
// off: TEST10 for a discount, TEST100 for an order with nothing to pay.
var testPromotionCodes = map[string]int64{"TEST10": 10, "TEST100": 100}

// applyPromotion is POST /pay/{id}/promotion: the buyer enters a code on a
// session created with allow_promotion_codes=true. As with Stripe,
// amount_subtotal stays what the shop asked for, amount_total is what is
// paid, and total_details.amount_discount is the difference.
func (s *Simulator) applyPromotion(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "The form could not be read.", http.StatusBadRequest)
		return
	}
	code := strings.ToUpper(strings.TrimSpace(r.PostForm.Get("promotion_code")))
	s.mu.Lock()
	cs, found := s.sessions[r.PathValue("id")]
	var (
		status = http.StatusSeeOther
		fail   string
		d      pageData
	)
	if found {
		s.expireIfDue(cs)
	}
	switch pct, known := testPromotionCodes[code]; {
	case !found:
		status, fail = http.StatusNotFound, "No such checkout session."
	case !cs.promotions:
		status, fail = http.StatusBadRequest, "This checkout session does not accept promotion codes."
	case cs.Status != "open":
		status, fail = http.StatusConflict, "This checkout session is "+cs.Status+"; its total can no longer change."
	case code == "" || !known:
		status, d = http.StatusBadRequest, s.pageData(cs)
		d.PromotionCode, d.PromotionError = r.PostForm.Get("promotion_code"), "This code is invalid."
		if code == "" {
			d.PromotionError = "Enter a promotion code."
		}
	default:
		// Half a unit rounds up, as Stripe rounds percentage discounts.
		discount := (cs.AmountSubtotal*pct + 50) / 100
		cs.promotionCode = code
		cs.TotalDetails.AmountDiscount = discount
		cs.AmountTotal = cs.AmountSubtotal - discount
	}
	var page string
	if found {
		page = cs.pageURL
	}
	s.mu.Unlock()
	switch {
	case fail != "":
		http.Error(w, fail, status)
	case d.ID != "":
		s.render(w, status, d)
	default:
		http.Redirect(w, r, page, status)
	}
}
