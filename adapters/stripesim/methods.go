package stripesim

// payMethod is a way to pay that the hosted page offers. Checkout without
// payment_method_types offers what the account enables for the currency;
// the simulation enables a plausible set.
type payMethod struct {
	// ID is what the page posts as method; Type is Stripe's payment
	// method type (a wallet pays with a card).
	ID, Type, Label string
	// Wallet is the wallet a card is paid from.
	Wallet string
	// Delayed methods complete the session unpaid and settle later.
	Delayed bool
}

var (
	card      = payMethod{ID: "card", Type: "card", Label: "Card"}
	applePay  = payMethod{ID: "apple_pay", Type: "card", Wallet: "apple_pay", Label: "Apple Pay"}
	googlePay = payMethod{ID: "google_pay", Type: "card", Wallet: "google_pay", Label: "Google Pay"}
)

// methodsByCurrency lists, first, what pays at once, then what settles
// later; card comes first, as the page's first button.
var methodsByCurrency = map[string][]payMethod{
	"usd": {card, applePay, googlePay,
		{ID: "us_bank_account", Type: "us_bank_account", Label: "US bank account (ACH Direct Debit)", Delayed: true}},
	"eur": {card, applePay, googlePay,
		{ID: "ideal", Type: "ideal", Label: "iDEAL"},
		{ID: "bancontact", Type: "bancontact", Label: "Bancontact"},
		{ID: "eps", Type: "eps", Label: "EPS"},
		{ID: "p24", Type: "p24", Label: "Przelewy24"},
		{ID: "sepa_debit", Type: "sepa_debit", Label: "SEPA Direct Debit", Delayed: true}},
}

// methodsFor is what the page offers in a currency: a card and wallets
// everywhere, local methods where they exist.
func methodsFor(currency string) []payMethod {
	if ms, ok := methodsByCurrency[currency]; ok {
		return ms
	}
	return []payMethod{card, applePay, googlePay}
}

// chooseMethod reads the buyer's choice: a method of the currency whose
// timing fits the outcome. Without a method, paid is a card and delayed the
// currency's bank debit, as the page's first buttons of each kind.
func chooseMethod(currency, outcome, id string) (payMethod, bool) {
	delayed := outcome == "delayed"
	for _, m := range methodsFor(currency) {
		if (id == "" || m.ID == id) && m.Delayed == delayed {
			return m, true
		}
	}
	return payMethod{}, false
}

// details is the charge's payment_method_details for the method.
func (m payMethod) details() map[string]any {
	d := map[string]any{"type": m.Type}
	if m.Type == "card" {
		c := map[string]any{"brand": "visa", "last4": "4242", "wallet": nil}
		if m.Wallet != "" {
			c["wallet"] = map[string]any{"type": m.Wallet}
		}
		d["card"] = c
	}
	return d
}
