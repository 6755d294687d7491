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
<title>{{if .Items}}{{(index .Items 0).Name}} – {{end}}Simulated Stripe Checkout</title>
<style>
body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#1a1f36}
.card{border:1px solid #e3e8ee;border-radius:8px;padding:1.5rem}
.amount{font-size:2rem;font-weight:600;margin:.5rem 0 1rem}
button{display:block;width:100%;margin:.5rem 0;padding:.75rem;font-size:1rem;border-radius:6px;border:1px solid #635bff;background:#fff;color:#635bff;cursor:pointer}
button.primary{background:#635bff;color:#fff}
.note{color:#697386;font-size:.9rem}
.test{display:inline-block;background:#ffde92;color:#9c3f0f;border-radius:4px;padding:0 .4rem;font-size:.8rem;font-weight:600}
</style>
</head>
<body>
<p><span class="test">TEST MODE</span> Simulated Stripe Checkout</p>
<div class="card">
{{range .Items}}<h1>{{.Name}}</h1>{{if .Description}}<p>{{.Description}}</p>{{end}}{{if gt .Quantity 1}}<p>Quantity {{.Quantity}}</p>{{end}}{{end}}
<p class="amount" id="amount">{{.Amount}}</p>
{{if .Email}}<p class="note">Receipt to {{.Email}}</p>{{end}}
{{if eq .State "open"}}
<form method="post">
<button class="primary" type="submit" name="outcome" value="paid">Pay {{.Amount}} by card</button>
<button type="submit" name="outcome" value="delayed">Pay by bank debit (settles later)</button>
<button type="submit" name="outcome" value="cancel">Cancel and go back</button>
</form>
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
</div>
</body>
</html>
`))

type pageData struct {
	ID, State, Amount, Email string
	SuccessURL, CancelURL    string
	Items                    []lineItem
}

// showPage is GET /pay/{id}, the hosted checkout page.
func (s *Simulator) showPage(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	cs, ok := s.sessions[r.PathValue("id")]
	var d pageData
	if ok {
		s.expireIfDue(cs)
		d = pageData{ID: cs.ID, State: s.pageState(cs), Amount: formatAmount(cs.AmountTotal, cs.Currency),
			SuccessURL: successURL(cs), Items: cs.lineItems}
		if cs.CustomerEmail != nil {
			d.Email = *cs.CustomerEmail
		}
		if cs.CancelURL != nil {
			d.CancelURL = *cs.CancelURL
		}
	}
	s.mu.Unlock()
	if !ok {
		http.Error(w, "No such checkout session.", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
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
	)
	s.mu.Lock()
	cs, found := s.sessions[r.PathValue("id")]
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
	default:
		s.expireIfDue(cs)
		if cs.Status != "open" {
			status, fail = http.StatusConflict, "This checkout session is "+cs.Status+"; it can no longer be paid."
			break
		}
		paid := outcome == "paid"
		s.intentFor(cs, paid)
		cs.Status, cs.URL = "complete", nil
		cs.PaymentStatus = "unpaid"
		if paid {
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
		ch := s.charges[*pi.LatestCharge]
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
