package stripesim

import (
	"html/template"
	"maps"
	"net/http"
	"time"
)

var receiptTemplate = template.Must(template.New("receipt").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Receipt {{.Number}} – Simulated Stripe</title>
<style>` + pageCSS + `</style>
</head>
<body>
<header><p><span class="test">TEST MODE</span> Simulated Stripe receipt</p></header>
<main class="card">
<h1>Receipt {{.Number}}</h1>
<dl class="totals">
<div><dt>Amount paid</dt><dd>{{.Paid}}</dd></div>
<div><dt>Date</dt><dd>{{.Date}}</dd></div>
<div><dt>Payment method</dt><dd>{{.Method}}</dd></div>
<div><dt>Status</dt><dd>{{.Status}}</dd></div>
{{- if .Refunded}}
<div><dt>Refunded</dt><dd>{{.Refunded}}</dd></div>
{{- end}}
</dl>
<h2>Summary</h2>
<ul class="items">{{range .Items}}<li>{{.Name}}{{if gt .Quantity 1}} × {{.Quantity}}{{end}}</li>{{end}}</ul>
<dl class="totals">
{{- if .Discount}}
<div><dt>Subtotal</dt><dd>{{.Subtotal}}</dd></div>
<div><dt>Promotion {{.PromotionCode}}</dt><dd>−{{.Discount}}</dd></div>
{{- end}}
<div class="total"><dt>Amount charged</dt><dd>{{.Paid}}</dd></div>
</dl>
{{if .Email}}<p class="note">Sent to {{.Email}}</p>{{end}}
</main>
</body>
</html>
`))

type receiptData struct {
	Number, Paid, Date, Method, Status, Refunded string
	Subtotal, Discount, PromotionCode, Email     string
	Items                                        []lineItem
}

// showReceipt is GET /receipts/{charge}: the page a charge's receipt_url
// points at. Like Stripe's, the link is the credential: charge ids are
// random and unguessable.
func (s *Simulator) showReceipt(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	ch, ok := s.charges[r.PathValue("id")]
	var d receiptData
	if ok {
		d = receiptData{
			Number: ch.ID[len(ch.ID)-8:], Paid: formatAmount(ch.Amount, ch.Currency), Status: ch.Status,
			Date:   time.Unix(ch.Created, 0).UTC().Format("2 January 2006, 15:04 MST"),
			Method: methodLabel(ch.PaymentMethodDetails),
		}
		if ch.AmountRefunded > 0 {
			d.Refunded = formatAmount(ch.AmountRefunded, ch.Currency)
		}
		if cs := s.sessions[s.intents[ch.PaymentIntent].sessionID]; cs != nil {
			d.Items = cs.lineItems
			if cs.CustomerEmail != nil {
				d.Email = *cs.CustomerEmail
			}
			if cs.TotalDetails.AmountDiscount > 0 {
				d.Subtotal = formatAmount(cs.AmountSubtotal, cs.Currency)
				d.Discount = formatAmount(cs.TotalDetails.AmountDiscount, cs.Currency)
				d.PromotionCode = cs.promotionCode
			}
		}
	}
	s.mu.Unlock()
	if !ok {
		http.Error(w, "No such receipt.", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := receiptTemplate.Execute(w, d); err != nil {
		s.cfg.Logger.Warn("rendering a receipt", "charge", ch.ID, "err", err)
	}
}

// methodLabel names how a charge was paid, as a receipt does.
func methodLabel(details map[string]any) string {
	typ, _ := details["type"].(string)
	if c, ok := details["card"].(map[string]any); ok {
		label := "Visa •••• " + c["last4"].(string)
		if wallet, ok := c["wallet"].(map[string]any); ok {
			for _, m := range []payMethod{applePay, googlePay} {
				if m.Wallet == wallet["type"] {
					label += " (" + m.Label + ")"
				}
			}
		}
		return label
	}
	for _, ms := range methodsByCurrency {
		for _, m := range ms {
			if m.Type == typ {
				return m.Label
			}
		}
	}
	return typ
}

// retrieveIntent is GET /v1/payment_intents/{id}; expand[]=latest_charge
// puts the charge, with its receipt_url, in place of its id.
func (s *Simulator) retrieveIntent(r apiRequest) apiResponse {
	if k, bad := r.form.unknown(func(segs []string) bool { return segs[0] == "expand" && len(segs) == 2 }); bad {
		return rejected(unknownParam(k))
	}
	expandCharge := false
	for _, e := range r.form.list("expand") {
		if e != "latest_charge" {
			return rejected(invalidParam("expand", "This property cannot be expanded ("+e+")."))
		}
		expandCharge = true
	}
	pi, ok := s.intents[r.PathValue("id")]
	if !ok {
		return rejected(noSuch("payment_intent", r.PathValue("id"), ""))
	}
	v := *pi
	v.Metadata = maps.Clone(pi.Metadata)
	if ch := s.charges[pi.chargeID]; ch != nil && expandCharge {
		c := *ch
		c.Metadata = maps.Clone(ch.Metadata)
		v.LatestCharge = &c
	}
	return answer(v)
}
