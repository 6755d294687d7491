package stripesim

import (
	"fmt"
	"maps"
	"net/mail"
	"slices"
	"strconv"
	"time"
)

// Stripe's limits on a Checkout Session's lifetime; expires_at is given
// slack for the time the request took to arrive.
const (
	minSessionLife = 30 * time.Minute
	maxSessionLife = 24 * time.Hour
	lifeSlack      = time.Minute
	minAmount      = 50 // Stripe's minimum charge, in the smallest currency unit
)

// createSession is POST /v1/checkout/sessions.
func (s *Simulator) createSession(r apiRequest) apiResponse {
	f := r.form
	if k, bad := f.unknown(sessionParam); bad {
		return rejected(unknownParam(k))
	}
	mode, _ := f.get("mode")
	switch mode {
	case "":
		return rejected(missingParam("mode"))
	case "payment":
	default:
		return rejected(invalidParam("mode", "The simulated Stripe supports mode=payment only."))
	}
	successURL, ok := f.get("success_url")
	if !ok {
		return rejected(missingParam("success_url"))
	}
	if e := s.shopPage("success_url", successURL); e != nil {
		return rejected(e)
	}
	now := s.now()
	cs := &session{
		ID: newID("cs_test_"), Object: "checkout.session", Created: now.Unix(), Mode: mode,
		SuccessURL: successURL, Status: "open", PaymentStatus: "unpaid",
		Metadata: f.hash("metadata"), intentMeta: f.hash("payment_intent_data", "metadata"),
		ExpiresAt: now.Add(maxSessionLife).Unix(),
	}
	if v, ok := f.get("cancel_url"); ok {
		if e := s.shopPage("cancel_url", v); e != nil {
			return rejected(e)
		}
		cs.CancelURL = str(v)
	}
	if v, ok := f.get("client_reference_id"); ok {
		if len(v) > 200 {
			return rejected(invalidParam("client_reference_id", "client_reference_id must be at most 200 characters"))
		}
		cs.ClientReferenceID = str(v)
	}
	if v, ok := f.get("customer_email"); ok {
		if a, err := mail.ParseAddress(v); err != nil || a.Address != v {
			return rejected(invalidParam("customer_email", "Invalid email address: "+v))
		}
		cs.CustomerEmail = str(v)
	}
	for name, md := range map[string]map[string]string{"metadata": cs.Metadata, "payment_intent_data[metadata]": cs.intentMeta} {
		if e := checkMetadata(name, md); e != nil {
			return rejected(e)
		}
	}
	if at, sent, e := f.int("expires_at"); e != nil {
		return rejected(e)
	} else if sent {
		life := time.Unix(at, 0).Sub(now)
		switch {
		case life < minSessionLife-lifeSlack:
			return rejected(invalidParam("expires_at", "The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation."))
		case life > maxSessionLife+lifeSlack:
			return rejected(invalidParam("expires_at", "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation."))
		}
		cs.ExpiresAt = at
	}
	items, currency, e := lineItems(f)
	if e != nil {
		return rejected(e)
	}
	cs.lineItems, cs.Currency = items, currency
	for _, it := range items {
		cs.AmountSubtotal += it.UnitAmount * it.Quantity
	}
	cs.AmountTotal = cs.AmountSubtotal
	if v, sent := f.get("allow_promotion_codes"); sent {
		if v != "true" && v != "false" {
			return rejected(invalidParam("allow_promotion_codes", "Invalid boolean: "+v))
		}
		cs.promotions = v == "true"
	}
	if cs.AmountSubtotal < minAmount {
		return rejected(invalidParam("line_items", fmt.Sprintf("The Checkout Session's total amount due must add up to at least %d in the smallest unit of %s.", minAmount, currency)))
	}
	expand, e := expansions(f)
	if e != nil {
		return rejected(e)
	}
	cs.pageURL = s.cfg.PublicURL + "/pay/" + cs.ID
	cs.URL = str(cs.pageURL)
	s.sessions[cs.ID] = cs
	return answer(s.view(cs, expand))
}

// shopPage checks that a URL the buyer is sent to is a page of the shop.
func (s *Simulator) shopPage(param, raw string) *apiError {
	if absoluteURL(raw) != nil {
		return invalidParam(param, "Not a valid URL")
	}
	if !s.shop.contains(raw) {
		return invalidParam(param, fmt.Sprintf("Invalid URL: %s must be a page of the shop, under %s. The simulated Stripe sends buyers back to its own shop only.", param, s.cfg.ShopURL))
	}
	return nil
}

// sessionParam lists the parameters of a session the simulation knows.
func sessionParam(segs []string) bool {
	switch segs[0] {
	case "mode", "success_url", "cancel_url", "client_reference_id", "customer_email", "expires_at", "allow_promotion_codes":
		return len(segs) == 1
	case "metadata", "expand":
		return len(segs) == 2
	case "payment_intent_data":
		return len(segs) == 3 && segs[1] == "metadata"
	case "line_items":
		if len(segs) < 3 {
			return false
		}
		if _, err := strconv.Atoi(segs[1]); err != nil {
			return false
		}
		switch key := segs[2:]; {
		case slices.Equal(key, []string{"quantity"}),
			slices.Equal(key, []string{"price_data", "currency"}),
			slices.Equal(key, []string{"price_data", "unit_amount"}),
			slices.Equal(key, []string{"price_data", "product_data", "name"}),
			slices.Equal(key, []string{"price_data", "product_data", "description"}):
			return true
		}
	}
	return false
}

// lineItems reads line_items[n][…]; every item has price_data in one
// currency and a quantity.
func lineItems(f form) ([]lineItem, string, *apiError) {
	var idx []int
	for _, k := range f.keys {
		if segs, ok := path(k); ok && segs[0] == "line_items" {
			n, _ := strconv.Atoi(segs[1])
			if !slices.Contains(idx, n) {
				idx = append(idx, n)
			}
		}
	}
	if len(idx) == 0 {
		return nil, "", missingParam("line_items")
	}
	slices.Sort(idx)
	var (
		items    []lineItem
		currency string
	)
	for _, n := range idx {
		p := fmt.Sprintf("line_items[%d]", n)
		cur, ok := f.get(p + "[price_data][currency]")
		if !ok {
			return nil, "", missingParam(p + "[price_data][currency]")
		}
		if len(cur) != 3 || cur != lower(cur) {
			return nil, "", invalidParam(p+"[price_data][currency]", "Invalid currency: "+cur)
		}
		if currency != "" && cur != currency {
			return nil, "", invalidParam(p+"[price_data][currency]", "All line items must use the same currency.")
		}
		currency = cur
		it := lineItem{}
		var sent bool
		var e *apiError
		if it.UnitAmount, sent, e = f.int(p + "[price_data][unit_amount]"); e != nil {
			return nil, "", e
		} else if !sent || it.UnitAmount < 0 {
			return nil, "", invalidParam(p+"[price_data][unit_amount]", "A non-negative unit_amount is required.")
		}
		if it.Quantity, sent, e = f.int(p + "[quantity]"); e != nil {
			return nil, "", e
		} else if !sent {
			return nil, "", missingParam(p + "[quantity]")
		} else if it.Quantity < 1 {
			return nil, "", invalidParam(p+"[quantity]", "Quantity must be at least 1.")
		}
		if it.Name, _ = f.get(p + "[price_data][product_data][name]"); it.Name == "" {
			return nil, "", missingParam(p + "[price_data][product_data][name]")
		}
		if d, sent := f.get(p + "[price_data][product_data][description]"); sent {
			if d == "" {
				return nil, "", invalidParam(p+"[price_data][product_data][description]", "You passed an empty string for '"+p+"[price_data][product_data][description]'. We assume empty values are an attempt to unset a parameter; however '"+p+"[price_data][product_data][description]' cannot be unset. You should remove it from your request or supply a non-empty value.")
			}
			it.Description = d
		}
		items = append(items, it)
	}
	return items, currency, nil
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

// checkMetadata applies Stripe's metadata limits.
func checkMetadata(param string, md map[string]string) *apiError {
	if len(md) > 50 {
		return invalidParam(param, "You can specify up to 50 keys.")
	}
	for k, v := range md {
		if len(k) > 40 {
			return invalidParam(param+"["+k+"]", "Keys for metadata must be at most 40 characters.")
		}
		if len(v) > 500 {
			return invalidParam(param+"["+k+"]", "Values for metadata must be at most 500 characters.")
		}
	}
	return nil
}

// expansions reads expand[]: the simulation can expand payment_intent.
func expansions(f form) (intent bool, _ *apiError) {
	for _, e := range f.list("expand") {
		if e != "payment_intent" {
			return false, invalidParam("expand", fmt.Sprintf("This property cannot be expanded (%s).", e))
		}
		intent = true
	}
	return intent, nil
}

// retrieveSession is GET /v1/checkout/sessions/{id}.
func (s *Simulator) retrieveSession(r apiRequest) apiResponse {
	if k, bad := r.form.unknown(func(segs []string) bool { return segs[0] == "expand" && len(segs) == 2 }); bad {
		return rejected(unknownParam(k))
	}
	expand, e := expansions(r.form)
	if e != nil {
		return rejected(e)
	}
	cs, ok := s.sessions[r.PathValue("id")]
	if !ok {
		return rejected(noSuch("checkout.session", r.PathValue("id"), ""))
	}
	s.expireIfDue(cs)
	return answer(s.view(cs, expand))
}

// expireSession is POST /v1/checkout/sessions/{id}/expire.
func (s *Simulator) expireSession(r apiRequest) apiResponse {
	if k, bad := r.form.unknown(func(segs []string) bool { return segs[0] == "expand" && len(segs) == 2 }); bad {
		return rejected(unknownParam(k))
	}
	expand, e := expansions(r.form)
	if e != nil {
		return rejected(e)
	}
	cs, ok := s.sessions[r.PathValue("id")]
	if !ok {
		return rejected(noSuch("checkout.session", r.PathValue("id"), ""))
	}
	s.expireIfDue(cs)
	if cs.Status != "open" {
		return failed(invalidRequest("checkout_session_not_open", `Only Checkout Sessions with a status in ["open"] can be expired.`))
	}
	s.expire(cs)
	return answer(s.view(cs, expand))
}

// expireIfDue expires an open session whose expires_at has passed, as
// Stripe does on its own; the simulation does it when the session is next
// looked at.
func (s *Simulator) expireIfDue(cs *session) {
	if cs.Status == "open" && !s.now().Before(time.Unix(cs.ExpiresAt, 0)) {
		s.expire(cs)
	}
}

func (s *Simulator) expire(cs *session) *eventRecord {
	cs.Status, cs.URL = "expired", nil
	return s.emit("checkout.session.expired", s.view(cs, false))
}

// intentFor creates the PaymentIntent and charge of a session being paid
// with method.
func (s *Simulator) intentFor(cs *session, method payMethod) (*paymentIntent, *charge) {
	now := s.now().Unix()
	pi := &paymentIntent{
		ID: newID("pi_"), Object: "payment_intent", Amount: cs.AmountTotal, CaptureMethod: "automatic",
		Created: now, Currency: cs.Currency, Metadata: maps.Clone(cs.intentMeta),
		PaymentMethodTypes: []string{method.Type}, Status: "succeeded",
	}
	// Stripe copies the PaymentIntent's metadata to its charges, which is
	// how a charge event names its upgrade.
	ch := &charge{
		ID: newID("ch_"), Object: "charge", Amount: pi.Amount, Created: now, Currency: pi.Currency,
		Metadata: maps.Clone(pi.Metadata), PaymentIntent: pi.ID, Status: "succeeded",
		PaymentMethodDetails: method.details(),
	}
	ch.ReceiptURL = s.cfg.PublicURL + "/receipts/" + ch.ID
	if method.Delayed {
		pi.Status, ch.Status = "processing", "pending"
	} else {
		pi.AmountReceived, ch.AmountCaptured, ch.Captured, ch.Paid = pi.Amount, ch.Amount, true, true
	}
	pi.LatestCharge, pi.chargeID, pi.sessionID = ch.ID, ch.ID, cs.ID
	s.intents[pi.ID], s.charges[ch.ID] = pi, ch
	cs.intentID = pi.ID
	return pi, ch
}
