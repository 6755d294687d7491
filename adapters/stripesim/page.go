package stripesim

import (
	"html/template"
	"net/http"
	"strings"
)

var pageTemplate = template.Must(template.New("pay").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} – Simulated Stripe Checkout</title>
<style>` + pageCSS + `</style>
</head>
<body>
<header><p><span class="test">TEST MODE</span> Simulated Stripe Checkout</p></header>
<main class="card">
<h1>{{.Title}}</h1>
<ul class="items">{{range .Items}}<li>{{.Name}}{{if gt .Quantity 1}} × {{.Quantity}}{{end}}{{if .Description}}<br><span class="note">{{.Description}}</span>{{end}}</li>{{end}}</ul>
<dl class="totals">
{{- if .Discount}}
<div><dt>Subtotal</dt><dd>{{.Subtotal}}</dd></div>
<div><dt>Promotion {{.PromotionCode}}</dt><dd>−{{.Discount}}</dd></div>
{{- end}}
<div class="total"><dt>Total due</dt><dd class="amount" id="amount">{{.Amount}}</dd></div>
</dl>
{{if .Promotions -}}
<form method="post" action="{{.ID}}/promotion" class="promo">
<label for="promotion_code">Promotion code</label>
<input id="promotion_code" name="promotion_code" autocomplete="off" value="{{.PromotionCode}}"{{if .PromotionError}} aria-invalid="true" aria-describedby="promotion-error"{{end}}>
{{if .PromotionError}}<p id="promotion-error" class="error" role="alert">{{.PromotionError}}</p>{{end}}
<button type="submit">Apply the code</button>
</form>
{{- end}}
{{if .Email}}<p class="note">Receipt to {{.Email}}</p>{{end}}
{{if eq .State "open"}}
{{- if .Free}}
<form method="post"><button class="primary" type="submit" name="outcome" value="paid">Complete the order: nothing to pay</button></form>
{{- else}}
<section aria-labelledby="pay-now">
<h2 id="pay-now">Pay now</h2>
{{range .Now}}<form method="post"><input type="hidden" name="method" value="{{.ID}}"><button{{if eq .ID "card"}} class="primary"{{end}} type="submit" name="outcome" value="paid">Pay {{$.Amount}} with {{.Label}}</button></form>
{{end -}}
</section>
{{- if .Later}}
<section aria-labelledby="pay-later">
<h2 id="pay-later">Pay by bank debit</h2>
<p class="note">A bank debit settles days later; here you settle it yourself, on this page.</p>
{{range .Later}}<form method="post"><input type="hidden" name="method" value="{{.ID}}"><button type="submit" name="outcome" value="delayed">Pay {{$.Amount}} with {{.Label}}</button></form>
{{end -}}
</section>
{{- end}}
{{- end}}
<form method="post"><button type="submit" name="outcome" value="cancel">Cancel and go back</button></form>
{{else if eq .State "processing"}}
<p>The payment is processing. A real bank debit settles days later; settle it now:</p>
<form method="post" action="{{.ID}}/settle">
<button class="primary" type="submit" name="outcome" value="succeeded">Settle: the payment succeeds</button>
<button type="submit" name="outcome" value="failed">Settle: the payment fails</button>
</form>
{{else if eq .State "complete"}}
<p>This checkout is complete.{{if .SuccessURL}} <a href="{{.SuccessURL}}">Return to the shop</a>.{{end}}</p>
{{else}}
<p>This checkout session has {{.State}}.{{if .CancelURL}} <a href="{{.CancelURL}}">Return to the shop</a>.{{end}}</p>
{{end}}
{{- if .ReceiptURL}}<p><a href="{{.ReceiptURL}}">View the receipt</a></p>{{end}}
</main>
</body>
</html>
`))

type pageData struct {
	ID, State, Title, Email       string
	Amount, Subtotal, Discount    string
	SuccessURL, CancelURL         string
	ReceiptURL                    string
	Items                         []lineItem
	Free                          bool // nothing to pay after the promotion
	Now, Later                    []payMethod
	Promotions                    bool
	PromotionCode, PromotionError string
}

// pageData is what the page shows of a session. Called with the mutex
// held.
func (s *Simulator) pageData(cs *session) pageData {
	s.expireIfDue(cs)
	d := pageData{ID: cs.ID, State: s.pageState(cs), Title: "Your order", Amount: formatAmount(cs.AmountTotal, cs.Currency),
		SuccessURL: successURL(cs), Items: cs.lineItems, Free: cs.AmountTotal == 0,
		Promotions: cs.promotions && cs.Status == "open", PromotionCode: cs.promotionCode}
	if len(cs.lineItems) == 1 {
		d.Title = cs.lineItems[0].Name
	}
	if cs.TotalDetails.AmountDiscount > 0 {
		d.Subtotal = formatAmount(cs.AmountSubtotal, cs.Currency)
		d.Discount = formatAmount(cs.TotalDetails.AmountDiscount, cs.Currency)
	}
	for _, m := range methodsFor(cs.Currency) {
		if m.Delayed {
			d.Later = append(d.Later, m)
		} else {
			d.Now = append(d.Now, m)
		}
	}
	if cs.CustomerEmail != nil {
		d.Email = *cs.CustomerEmail
	}
	if cs.CancelURL != nil {
		d.CancelURL = *cs.CancelURL
	}
	if pi := s.intents[cs.intentID]; pi != nil {
		d.ReceiptURL = s.charges[pi.chargeID].ReceiptURL
	}
	return d
}

// showPage is GET /pay/{id}, the hosted checkout page.
func (s *Simulator) showPage(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	cs, ok := s.sessions[r.PathValue("id")]
	var d pageData
	if ok {
		d = s.pageData(cs)
	}
	s.mu.Unlock()
	if !ok {
		http.Error(w, "No such checkout session.", http.StatusNotFound)
		return
	}
	s.render(w, http.StatusOK, d)
}

func (s *Simulator) render(w http.ResponseWriter, status int, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := pageTemplate.Execute(w, d); err != nil {
		s.cfg.Logger.Warn("rendering the checkout page", "session", d.ID, "err", err)
	}
}

// pageState is open, processing (a delayed payment to settle), complete,
// or expired.
func (s *Simulator) pageState(cs *session) string {
	if cs.Status == "complete" && cs.PaymentStatus == "unpaid" {
		if pi := s.intents[cs.intentID]; pi != nil && pi.Status == "processing" {
			return "processing"
		}
		return "failed"
	}
	return cs.Status
}

func successURL(cs *session) string {
	return strings.ReplaceAll(cs.SuccessURL, "{CHECKOUT_SESSION_ID}", cs.ID)
}

// pay is POST /pay/{id}: the buyer's choice on the checkout page.
func (s *Simulator) pay(w http.ResponseWriter, r *http.Request) {
	outcome, ok := readOutcome(w, r)
	if !ok {
		return
	}
	var (
		ev     *eventRecord
		target string
		status = http.StatusSeeOther
		fail   string
		method payMethod
		known  bool // method is one the session offers for outcome
	)
	s.mu.Lock()
	cs, found := s.sessions[r.PathValue("id")]
	if found {
		method, known = chooseMethod(cs.Currency, outcome, r.PostForm.Get("method"))
	}
	switch {
	case !found:
		status, fail = http.StatusNotFound, "No such checkout session."
	case outcome == "cancel":
		// The session stays open: the buyer may come back to it.
		target = cs.pageURL
		if cs.CancelURL != nil {
			target = *cs.CancelURL
		}
	case outcome != "paid" && outcome != "delayed":
		status, fail = http.StatusBadRequest, "outcome must be paid, delayed or cancel."
	case !known && cs.AmountTotal > 0:
		status, fail = http.StatusBadRequest, "This checkout offers no such payment method for "+outcome+" payments in "+cs.Currency+"."
	default:
		s.expireIfDue(cs)
		if cs.Status != "open" {
			status, fail = http.StatusConflict, "This checkout session is "+cs.Status+"; it can no longer be paid."
			break
		}
		cs.Status, cs.URL = "complete", nil
		switch {
		case cs.AmountTotal == 0:
			// Like Checkout, a promotion that leaves nothing to pay
			// completes the session without a PaymentIntent.
			cs.PaymentStatus = "no_payment_required"
		case method.Delayed:
			s.intentFor(cs, method)
			cs.PaymentStatus = "unpaid"
		default:
			s.intentFor(cs, method)
			cs.PaymentStatus = "paid"
		}
		cs.CustomerDetails = &customerDetails{Email: cs.CustomerEmail}
		ev = s.emit("checkout.session.completed", s.view(cs, false))
		target = successURL(cs)
	}
	s.mu.Unlock()
	if fail != "" {
		http.Error(w, fail, status)
		return
	}
	// Like Checkout, give the shop's webhook a moment so that the success
	// page already shows the result.
	s.waitAnswered(r.Context(), ev)
	http.Redirect(w, r, target, status)
}

// settle is POST /pay/{id}/settle: a delayed payment succeeds or fails.
func (s *Simulator) settle(w http.ResponseWriter, r *http.Request) {
	outcome, ok := readOutcome(w, r)
	if !ok {
		return
	}
	var (
		ev     *eventRecord
		target string
		status = http.StatusSeeOther
		fail   string
	)
	s.mu.Lock()
	cs, found := s.sessions[r.PathValue("id")]
	var pi *paymentIntent
	if found {
		pi = s.intents[cs.intentID]
	}
	switch {
	case !found:
		status, fail = http.StatusNotFound, "No such checkout session."
	case outcome != "succeeded" && outcome != "failed":
		status, fail = http.StatusBadRequest, "outcome must be succeeded or failed."
	case pi == nil || pi.Status != "processing":
		status, fail = http.StatusConflict, "This checkout session has no payment waiting to settle."
	default:
		ch := s.charges[pi.chargeID]
		if outcome == "succeeded" {
			pi.Status, pi.AmountReceived = "succeeded", pi.Amount
			ch.Status, ch.Paid, ch.Captured, ch.AmountCaptured = "succeeded", true, true, ch.Amount
			cs.PaymentStatus = "paid"
			ev = s.emit("checkout.session.async_payment_succeeded", s.view(cs, false))
		} else {
			// The session stays complete and unpaid; the intent wants
			// another payment method, which is how a failure reads back.
			pi.Status = "requires_payment_method"
			ch.Status = "failed"
			ev = s.emit("checkout.session.async_payment_failed", s.view(cs, false))
		}
		target = successURL(cs)
	}
	s.mu.Unlock()
	if fail != "" {
		http.Error(w, fail, status)
		return
	}
	s.waitAnswered(r.Context(), ev)
	http.Redirect(w, r, target, status)
}

func readOutcome(w http.ResponseWriter, r *http.Request) (string, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "The form could not be read.", http.StatusBadRequest)
		return "", false
	}
	return r.PostForm.Get("outcome"), true
}
