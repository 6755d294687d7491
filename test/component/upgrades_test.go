package component

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/fx"

	"upgrades/adapters/memory"
	"upgrades/application"
	"upgrades/domain"
)

func TestUpgradePageForSelfGiftAndVisitors(t *testing.T) {
	e := start(t, nil)
	alice := e.user("alice", domain.LevelMember)
	bob := e.user("bob", domain.LevelMember)
	goldie := e.user("goldie", domain.LevelGold)
	plato := e.user("plato", domain.LevelPlatinum)
	b := e.loggedIn(alice)

	b.get("/user_upgrades/new").status(http.StatusOK).
		contains("Upgrade your account", "$20.00", "$40.00", "Buy Gold for $20.00", "Buy Platinum for $40.00", `name="name"`).
		lacks("A gift for", "Gold to Platinum")
	// The same page at /upgrade, with the comparison and the questions.
	b.get("/upgrade").status(http.StatusOK).contains("Upgrade your account", "Buy Gold for $20.00",
		"What each level gets", `<th scope="row">Badge beside your name</th>`,
		`<tr><th scope="row">Price, paid once</th><td>Free</td><td>$20.00</td><td>$40.00</td></tr>`, "How can I pay?", "Is this a subscription?", "Can I get my money back?")
	// A Gold member sees one Platinum card at the step's price.
	b.get("/upgrade?currency=eur").status(http.StatusOK).contains(`<td>Free</td><td>€16.00</td><td>€32.00</td>`, `Member<span class="you"> (you)</span>`)
	b.get(fmt.Sprintf("/upgrade?user_id=%d", bob.ID)).status(http.StatusOK).lacks(`(you)`)
	e.loggedIn(goldie).get("/upgrade").status(http.StatusOK).
		contains("re Gold: get Platinum for the difference", "Buy Platinum for $20.00", `value="gold_to_platinum"`).
		lacks("Buy Gold for", "Buy Platinum for $40.00", "Gold to Platinum")

	gift := b.get(fmt.Sprintf("/user_upgrades/new?user_id=%d", bob.ID)).status(http.StatusOK)
	gift.contains("Give bob an upgrade", "A gift for", "Give Gold for $20.00", fmt.Sprintf(`name="user_id" value="%d"`, bob.ID))
	b.get("/user_upgrades/new?name=goldie").status(http.StatusOK).
		contains("Give goldie an upgrade", "Give Platinum for $20.00", "goldie is Gold: Platinum for the difference").
		lacks("Give Gold for", "Give Platinum for $40.00")
	b.get(fmt.Sprintf("/user_upgrades/new?user_id=%d", plato.ID)).status(http.StatusOK).
		contains("plato is already Platinum: nothing higher is on sale.").lacks("Give Gold for", "Give Platinum for")
	// A mistyped name stays a gift: the error at the field, nothing to buy.
	b.get("/user_upgrades/new?name=nobody").status(http.StatusNotFound).
		contains(`Nobody is called &#34;nobody&#34;`, "Give someone an upgrade", `value="nobody"`, `aria-invalid="true"`, "Choose who gets it first.").
		lacks(`action="/user_upgrades"`)
	// At the top: no offers, the gift form instead.
	e.loggedIn(plato).get("/user_upgrades/new").status(http.StatusOK).
		contains("your account is at the top", "Give an upgrade to someone else").lacks(`class="card offer"`)

	// Visitors: links to log in or sign up that come back here.
	e.browser().get("/user_upgrades/new").status(http.StatusOK).
		contains("Log in to buy", `href="/login?next=%2fuser_upgrades%2fnew"`, `href="/users/new?next=%2fuser_upgrades%2fnew"`).
		lacks(`action="/user_upgrades"`)

	var shop struct {
		Recipient *struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
		} `json:"recipient"`
		IsGift  bool `json:"is_gift"`
		Enabled bool `json:"enabled"`
		Offers  []struct {
			UpgradeType string `json:"upgrade_type"`
			Amount      int64  `json:"amount"`
			Available   bool   `json:"available"`
			Reason      string `json:"reason"`
		} `json:"offers"`
	}
	b.get(fmt.Sprintf("/user_upgrades/new.json?user_id=%d", goldie.ID)).status(http.StatusOK).decode(&shop)
	if !shop.IsGift || !shop.Enabled || shop.Recipient == nil || shop.Recipient.Name != "goldie" || len(shop.Offers) != 3 {
		t.Fatalf("gift options %+v", shop)
	}
	if o := shop.Offers[2]; o.UpgradeType != "gold_to_platinum" || !o.Available || o.Amount != 2000 {
		t.Errorf("gold_to_platinum offer %+v", o)
	}
	if o := shop.Offers[0]; o.Available || o.Reason == "" {
		t.Errorf("gold offer for a gold user %+v", o)
	}
	// The comparison and the questions, as on the page.
	var content struct {
		Comparison struct {
			Levels []string `json:"levels"`
			Prices []string `json:"prices"`
			Rows   []struct {
				Benefit string   `json:"benefit"`
				Values  []string `json:"values"`
			} `json:"rows"`
		} `json:"comparison"`
		FAQ []struct {
			Question string `json:"question"`
		} `json:"faq"`
	}
	e.browser().get("/upgrade.json?currency=eur").status(http.StatusOK).decode(&content)
	cmp := content.Comparison
	if strings.Join(cmp.Levels, ",") != "member,gold,platinum" || strings.Join(cmp.Prices, ",") != "Free,€16.00,€32.00" ||
		len(cmp.Rows) == 0 || len(cmp.Rows[0].Values) != 3 || len(content.FAQ) == 0 {
		t.Errorf("the page's content in JSON: %+v", content)
	}
	b.get("/user_upgrades/new.json?user_id=9999").apiError(http.StatusNotFound, "not_found")
	b.get("/upgrade.json?user_id=9999").apiError(http.StatusNotFound, "not_found")
	b.get("/upgrade.json?user_id=abc").apiError(http.StatusBadRequest, "invalid")
	b.get("/upgrade.json?currency=xyz").apiError(http.StatusUnprocessableEntity, "invalid")
	b.get("/upgrade?name=nobody").status(http.StatusNotFound).contains(`value="nobody"`, `aria-invalid="true"`)
	b.get("/user_upgrades/new.json?user_id=abc").apiError(http.StatusBadRequest, "invalid")
}

func TestBuyingInHTMLGoesToTheCheckout(t *testing.T) {
	e := start(t, nil)
	alice := e.user("alice", domain.LevelMember)
	bob := e.user("bob", domain.LevelMember)
	b := e.loggedIn(alice)

	r := b.form("POST", "/user_upgrades", url.Values{"upgrade_type": {"platinum"}, "user_id": {fmt.Sprint(bob.ID)}}).status(http.StatusSeeOther)
	var list struct {
		UserUpgrades []upgrade `json:"user_upgrades"`
	}
	e.api(alice).get("/user_upgrades.json").status(http.StatusOK).decode(&list)
	if len(list.UserUpgrades) != 1 {
		t.Fatalf("upgrades after buying: %+v", list.UserUpgrades)
	}
	u := list.UserUpgrades[0]
	if r.Header.Get("Location") != u.CheckoutURL || u.CheckoutURL == "" {
		t.Fatalf("redirected to %q, the checkout is %q", r.Header.Get("Location"), u.CheckoutURL)
	}
	if u.RecipientID != int64(bob.ID) || !u.IsGifted || u.UpgradeType != "platinum" || u.Status != "pending" || u.Amount != 4000 {
		t.Errorf("gift %+v", u)
	}
	// By name, from the recipient form.
	b.form("POST", "/user_upgrades", url.Values{"upgrade_type": {"gold"}, "name": {"bob"}}).status(http.StatusSeeOther)
	// Not eligible: an error page that says why.
	b.form("POST", "/user_upgrades", url.Values{"upgrade_type": {"gold_to_platinum"}}).
		status(http.StatusUnprocessableEntity).contains("requires a Gold account", "<html")
}

func TestBuyingInJSONReturnsTheUpgradeAndReusesAnOpenCheckout(t *testing.T) {
	e := start(t, nil)
	alice := e.user("alice", domain.LevelMember)
	api := e.api(alice)

	first := api.json("POST", "/user_upgrades.json", map[string]any{"upgrade_type": "gold"}).status(http.StatusCreated)
	var u upgrade
	first.decode(&u)
	if u.ID == 0 || u.PurchaserID != int64(alice.ID) || u.RecipientID != int64(alice.ID) || u.IsGifted ||
		u.PurchaserName != "alice" || u.RecipientName != "alice" || u.UpgradeType != "gold" || u.Status != "pending" ||
		u.Amount != 2000 || u.Currency != "usd" || u.CheckoutSessionID == "" || u.CheckoutURL == "" || u.History != nil {
		t.Fatalf("new upgrade %+v", u)
	}
	for _, ts := range []string{u.CreatedAt, u.UpdatedAt} {
		if _, err := timeOf(ts); err != nil {
			t.Error(err)
		}
	}
	if loc := first.Header.Get("Location"); loc != fmt.Sprintf("/user_upgrades/%d", u.ID) {
		t.Errorf("Location %q", loc)
	}
	// A double click returns the same checkout, with 200.
	var again upgrade
	api.json("POST", "/user_upgrades.json", map[string]any{"upgrade_type": "gold"}).status(http.StatusOK).decode(&again)
	if again.ID != u.ID || again.CheckoutURL != u.CheckoutURL {
		t.Errorf("second click made %+v, want #%d again", again, u.ID)
	}
	// Accept: application/json works without the suffix.
	r := api.do("POST", "/user_upgrades", strings.NewReader("upgrade_type=platinum"),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Accept": {"application/json"}})
	r.status(http.StatusCreated).contains(`"upgrade_type":"platinum"`)
}

func TestTheClientSentAmountIsIgnored(t *testing.T) {
	e := start(t, nil)
	alice := e.user("alice", domain.LevelMember)
	var u upgrade
	e.api(alice).json("POST", "/user_upgrades.json", map[string]any{
		"upgrade_type": "platinum", "amount": 1, "price": 1, "unknown": map[string]any{"x": 1},
	}).status(http.StatusCreated).decode(&u)
	if u.Amount != 4000 || u.Currency != "usd" {
		t.Fatalf("amount %d %s, want the server's 4000 usd", u.Amount, u.Currency)
	}
	e.loggedIn(alice).form("POST", "/user_upgrades", url.Values{"upgrade_type": {"gold"}, "amount": {"1"}}).status(http.StatusSeeOther)
	var list struct {
		UserUpgrades []upgrade `json:"user_upgrades"`
	}
	e.api(alice).get("/user_upgrades.json?search[upgrade_type]=gold").status(http.StatusOK).decode(&list)
	if len(list.UserUpgrades) != 1 || list.UserUpgrades[0].Amount != 2000 {
		t.Fatalf("form purchase %+v", list.UserUpgrades)
	}
}

func TestStatusPageForEachReader(t *testing.T) {
	e := start(t, nil)
	alice := e.user("alice", domain.LevelMember)
	bob := e.user("bob", domain.LevelMember)
	carol := e.user("carol", domain.LevelMember)
	admin := e.user("admin", domain.LevelAdmin)
	owner := e.user("owner", domain.LevelOwner)
	gift := e.api(alice).buy("platinum", bob.ID)
	path := fmt.Sprintf("/user_upgrades/%d", gift.ID)

	// Pending: the page asks for news by script (never a reload), and the
	// buyer can go back to pay.
	e.loggedIn(alice).get(path).status(http.StatusOK).
		contains(`src="/assets/status.js"`, `data-poll="/user_upgrades/`, `role="status"`, "Check again", "Waiting for your payment", "Continue to payment", "Awaiting payment").
		lacks(`http-equiv="refresh"`)
	e.loggedIn(bob).get(path).status(http.StatusOK).contains("alice is buying you Platinum").lacks("Continue to payment")
	e.loggedIn(carol).get(path).status(http.StatusForbidden)
	e.api(carol).get(path+".json").apiError(http.StatusForbidden, "forbidden")
	e.browser().get(path+".json").apiError(http.StatusUnauthorized, "unauthenticated")
	e.api(alice).get("/user_upgrades/9999.json").apiError(http.StatusNotFound, "not_found")

	e.pay(gift.ID)

	e.loggedIn(alice).get(path).status(http.StatusOK).lacks("status.js", "Refund").
		contains("bob is now Platinum!", "Complete")
	e.loggedIn(bob).get(path).status(http.StatusOK).contains("alice gave you Platinum!")
	e.loggedIn(admin).get(path).status(http.StatusOK).contains("Upgrade #", "is complete", "History", "checkout started").lacks("Refund")
	e.loggedIn(owner).get(path).status(http.StatusOK).contains("History", fmt.Sprintf(`href="%s/refund"`, path), "Refund $40.00")

	var seen upgrade
	e.api(alice).get(path + ".json").status(http.StatusOK).decode(&seen)
	if seen.Status != "complete" || seen.CheckoutURL != "" || seen.History != nil || seen.CanRefund {
		t.Errorf("buyer's view %+v", seen)
	}
	e.api(admin).get(path + ".json").status(http.StatusOK).decode(&seen)
	if len(seen.History) < 2 || seen.History[0].To != "pending" || seen.History[len(seen.History)-1].To != "complete" || seen.CanRefund {
		t.Errorf("admin's view %+v", seen)
	}
	e.api(owner).get(path + ".json").status(http.StatusOK).decode(&seen)
	if !seen.CanRefund {
		t.Errorf("owner's view %+v", seen)
	}
	e.loggedIn(bob).get(fmt.Sprintf("/users/%d", bob.ID)).contains("Platinum")
}

func TestStatusPageAfterCheckoutAsksTheProvider(t *testing.T) {
	// The page asks the provider at most every 5 seconds per upgrade: the
	// test moves the clock past that between reloads.
	clock := memory.NewClock(time.Now())
	e := start(t, nil, fx.Decorate(func(application.Clock) application.Clock { return clock }))
	alice := e.user("alice", domain.LevelMember)
	u := e.api(alice).buy("gold", 0)
	b := e.loggedIn(alice)
	path := fmt.Sprintf("/user_upgrades/%d?session_id=%s", u.ID, u.CheckoutSessionID)

	// Still open at the provider: pending, and the polling keeps asking.
	poll := fmt.Sprintf(`data-poll="/user_upgrades/%d.json?session_id=%s"`, u.ID, u.CheckoutSessionID)
	b.get(path).status(http.StatusOK).contains("Waiting for your payment", poll)

	// Paid with a delayed method: processing, still polling, but no
	// longer asking the provider on each poll.
	clock.Advance(5 * time.Second)
	e.gw.finish(application.CheckoutState{Type: "checkout.session.complete", Payment: domain.Payment{
		Kind: domain.EventCheckoutUnpaid, SessionID: u.CheckoutSessionID, PaymentIntentID: "pi_delayed", Amount: 2000, Currency: "usd",
	}})
	b.get(path).status(http.StatusOK).contains("Your payment is on its way", fmt.Sprintf(`data-poll="/user_upgrades/%d.json"`, u.ID))

	clock.Advance(5 * time.Second)
	e.gw.finish(application.CheckoutState{Type: "checkout.session.complete", Payment: domain.Payment{
		Kind: domain.EventCheckoutPaid, SessionID: u.CheckoutSessionID, PaymentIntentID: "pi_delayed", Amount: 2000, Currency: "usd",
	}})
	var got upgrade
	b.get(path + "&x=.json").status(http.StatusOK) // a stray suffix in the query is not a format
	e.api(alice).get(fmt.Sprintf("/user_upgrades/%d.json?session_id=%s", u.ID, u.CheckoutSessionID)).status(http.StatusOK).decode(&got)
	if got.Status != "complete" {
		t.Fatalf("after the provider says paid: %+v", got)
	}
	b.get(path).contains("Your account is now Gold!").lacks("data-poll", "status.js")
}

func TestStatusPageWordsFailureAndExpiry(t *testing.T) {
	e := start(t, nil)
	alice := e.user("alice", domain.LevelMember)
	bob := e.user("bob", domain.LevelMember)
	failed := e.api(alice).buy("gold", 0)
	e.applyCheckout(failed.ID, domain.EventAsyncFailed, "checkout.session.async_payment_failed")
	e.loggedIn(alice).get(fmt.Sprintf("/user_upgrades/%d", failed.ID)).status(http.StatusOK).
		contains("The payment failed.", "Try again", "Payment failed").lacks("data-poll")

	expired := e.api(alice).buy("gold", bob.ID)
	e.applyCheckout(expired.ID, domain.EventSessionExpired, "checkout.session.expired")
	e.loggedIn(bob).get(fmt.Sprintf("/user_upgrades/%d", expired.ID)).status(http.StatusOK).
		contains("alice&#39;s gift was not paid in time.")
}

func TestRefund(t *testing.T) {
	e := start(t, nil)
	alice := e.user("alice", domain.LevelMember)
	admin := e.user("admin", domain.LevelAdmin)
	owner := e.user("owner", domain.LevelOwner)
	u := e.api(alice).buy("gold", 0)
	path := fmt.Sprintf("/user_upgrades/%d", u.ID)

	e.api(owner).json("POST", path+"/refund.json", nil).apiError(http.StatusConflict, "conflict")
	e.pay(u.ID)
	// The owners' list links to the upgrade, whose page offers the refund
	// behind a confirmation; no row refunds.
	refundForm, refundLink := fmt.Sprintf(`action="%s/refund"`, path), fmt.Sprintf(`href="%s/refund"`, path)
	e.loggedIn(owner).get("/user_upgrades").status(http.StatusOK).contains(fmt.Sprintf(`href="%s"`, path)).lacks(refundForm, refundLink)
	e.loggedIn(owner).get(path).status(http.StatusOK).contains(refundLink).lacks(refundForm)
	e.loggedIn(admin).get(path).status(http.StatusOK).lacks(refundLink)
	// The confirmation names the amount, who gets it back and the level.
	e.loggedIn(owner).get(path+"/refund").status(http.StatusOK).
		contains("Refund <strong>$20.00</strong> to <strong>alice</strong>", "alice goes back from Gold to Member", refundForm, "Keep it, go back")
	e.api(owner).get(path + "/refund.json").status(http.StatusOK).contains(`"method":"POST"`)
	e.loggedIn(admin).get(path + "/refund").status(http.StatusForbidden)
	e.loggedIn(alice).get(path + "/refund").status(http.StatusForbidden)
	e.loggedIn(alice).form("POST", path+"/refund", nil).status(http.StatusForbidden)
	e.api(admin).json("POST", path+"/refund.json", nil).apiError(http.StatusForbidden, "forbidden")
	e.browser().form("POST", path+"/refund", nil).status(http.StatusUnauthorized)

	e.loggedIn(owner).form("POST", path+"/refund", nil).status(http.StatusSeeOther).location(path + "?refunded=1")
	e.loggedIn(owner).get(path+"?refunded=1").contains("Refunded $20.00 to alice.", "alice is back to Member")
	var got upgrade
	e.api(owner).get(path + ".json").decode(&got)
	if got.Status != "refunded" {
		t.Fatalf("after the refund: %+v", got)
	}
	e.loggedIn(alice).get(path).contains("This upgrade was refunded.")
	e.loggedIn(owner).get("/user_upgrades").status(http.StatusOK).lacks(refundLink)
	e.loggedIn(owner).get(path + "/refund").status(http.StatusUnprocessableEntity).contains("only a complete upgrade can be refunded")
	if me := e.api(alice).get(fmt.Sprintf("/users/%d.json", alice.ID)).object(); me["level"] != "member" {
		t.Errorf("alice after the refund: %v", me)
	}
	e.api(owner).json("POST", path+"/refund.json", nil).apiError(http.StatusConflict, "conflict")

	second := e.api(alice).buy("gold", 0)
	e.pay(second.ID)
	e.api(owner).json("POST", fmt.Sprintf("/user_upgrades/%d/refund.json", second.ID), nil).status(http.StatusOK).contains(`"status":"refunded"`)
}

func TestListPagesAndFilters(t *testing.T) {
	e := start(t, nil)
	alice := e.user("alice", domain.LevelMember)
	bob := e.user("bob", domain.LevelMember)
	carol := e.user("carol", domain.LevelMember)
	admin := e.user("admin", domain.LevelAdmin)
	a1 := e.api(alice).buy("gold", bob.ID)
	a2 := e.api(alice).buy("platinum", 0)
	c1 := e.api(carol).buy("gold", 0)
	e.pay(a1.ID)

	type list struct {
		UserUpgrades []upgrade `json:"user_upgrades"`
		Page         any       `json:"page"`
		Limit        int       `json:"limit"`
		HasMore      bool      `json:"has_more"`
		Prev, Next   *string
	}
	ids := func(l list) (out []int64) {
		for _, u := range l.UserUpgrades {
			out = append(out, u.ID)
		}
		return out
	}
	var l list
	e.api(alice).get("/user_upgrades.json").status(http.StatusOK).decode(&l)
	if fmt.Sprint(ids(l)) != fmt.Sprint([]int64{a2.ID, a1.ID}) || l.Page != 1.0 || l.Limit != 20 || l.HasMore || l.Prev != nil || l.Next != nil {
		t.Errorf("alice's list %+v", l)
	}
	e.api(bob).get("/user_upgrades.json").decode(&l)
	if fmt.Sprint(ids(l)) != fmt.Sprint([]int64{a1.ID}) {
		t.Errorf("bob sees %v, want the gift he received", ids(l))
	}
	e.api(admin).get("/user_upgrades.json").decode(&l)
	if fmt.Sprint(ids(l)) != fmt.Sprint([]int64{c1.ID, a2.ID, a1.ID}) {
		t.Errorf("the admin sees %v", ids(l))
	}
	e.api(admin).get("/user_upgrades.json?limit=1&page=2").decode(&l)
	if fmt.Sprint(ids(l)) != fmt.Sprint([]int64{a2.ID}) || !l.HasMore || l.Page != 2.0 || l.Limit != 1 || str(l.Prev) != "1" || str(l.Next) != "3" {
		t.Errorf("page 2 of 1: %+v", l)
	}
	for query, want := range map[string][]int64{
		"search[recipient_name]=BOB":                     {a1.ID},
		"search[purchaser_name]=carol":                   {c1.ID},
		"search[upgrade_type]=gold":                      {c1.ID, a1.ID},
		"search[status]=complete":                        {a1.ID},
		"search[is_gifted]=true":                         {a1.ID},
		"search[is_gifted]=false&search[status]=pending": {c1.ID, a2.ID},
	} {
		e.api(admin).get("/user_upgrades.json?" + query).status(http.StatusOK).decode(&l)
		if fmt.Sprint(ids(l)) != fmt.Sprint(want) {
			t.Errorf("%s: %v, want %v", query, ids(l), want)
		}
	}
	e.api(admin).get("/user_upgrades.json?limit=101").apiError(http.StatusBadRequest, "invalid")
	e.api(admin).get("/user_upgrades.json?page=abc").apiError(http.StatusBadRequest, "invalid")
	e.api(admin).get("/user_upgrades.json?search[status]=lost").apiError(http.StatusBadRequest, "invalid")
	e.browser().get("/user_upgrades.json").apiError(http.StatusUnauthorized, "unauthenticated")

	page := e.loggedIn(admin).get("/user_upgrades?limit=1&page=2&search[upgrade_type]=").status(http.StatusOK)
	page.contains("Everyone's upgrades", fmt.Sprintf(`href="/user_upgrades/%d"`, a2.ID), "Page 2",
		`href="/user_upgrades?limit=1&amp;page=1"`, `href="/user_upgrades?limit=1&amp;page=3"`)
	e.loggedIn(alice).get("/user_upgrades?search[recipient_name]=bob").status(http.StatusOK).
		contains("Upgrades you bought or received", fmt.Sprintf(`href="/user_upgrades/%d"`, a1.ID), `value="bob"`).
		lacks(fmt.Sprintf(`href="/user_upgrades/%d"`, a2.ID))
}

// An operator's CONTENT_FILE replaces the page's words, escaped.
func TestUpgradePageContentFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "content.json")
	if err := os.WriteFile(path, []byte(`{"offers": {"gold": "Shiny <b>things</b>", "platinum": "Shinier", "gold_to_platinum": "The step"},
		"comparison": {"levels": ["member", "gold", "platinum"], "rows": [{"benefit": "Hats", "values": {"member": "0", "gold": "1", "platinum": "2"}}]},
		"faq": [{"question": "Why hats?", "answer": "Because."}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	e := start(t, map[string]string{"CONTENT_FILE": path})
	e.browser().get("/upgrade").status(http.StatusOK).
		contains("Shiny &lt;b&gt;things&lt;/b&gt;", `<th scope="row">Hats</th>`, "Why hats?").
		lacks("Shiny <b>", "Is this a subscription?")
}

// str reads an optional string of a JSON answer; null is "<null>".
func str(s *string) string {
	if s == nil {
		return "<null>"
	}
	return *s
}

// Deep pages are read by id: b<id> lists the upgrades older than id, a<id>
// the newer ones; numbered pages stop at 1,000.
func TestListKeysetPages(t *testing.T) {
	e := start(t, nil)
	alice := e.user("alice", domain.LevelMember)
	carol := e.user("carol", domain.LevelMember)
	admin := e.user("admin", domain.LevelAdmin)
	a1 := e.api(alice).buy("gold", 0)
	c1 := e.api(carol).buy("gold", 0)
	a2 := e.api(alice).buy("platinum", 0)

	type list struct {
		UserUpgrades []upgrade `json:"user_upgrades"`
		Page         any       `json:"page"`
		HasMore      bool      `json:"has_more"`
		Prev, Next   *string
	}
	for _, c := range []struct {
		who        account
		query      string
		want       []int64
		prev, next string
	}{
		{admin, fmt.Sprintf("page=b%d&limit=1", a2.ID), []int64{c1.ID}, fmt.Sprintf("a%d", c1.ID), fmt.Sprintf("b%d", c1.ID)},
		{admin, fmt.Sprintf("page=b%d&limit=1", c1.ID), []int64{a1.ID}, fmt.Sprintf("a%d", a1.ID), "<null>"},
		{admin, fmt.Sprintf("page=a%d&limit=1", a1.ID), []int64{c1.ID}, fmt.Sprintf("a%d", c1.ID), fmt.Sprintf("b%d", c1.ID)},
		{admin, fmt.Sprintf("page=a%d&limit=5", a1.ID), []int64{a2.ID, c1.ID}, "<null>", fmt.Sprintf("b%d", c1.ID)},
		// A stranger's id only says where to start: alice still sees only hers.
		{alice, fmt.Sprintf("page=b%d", c1.ID), []int64{a1.ID}, fmt.Sprintf("a%d", a1.ID), "<null>"},
		{alice, fmt.Sprintf("page=a%d", a1.ID), []int64{a2.ID}, "<null>", fmt.Sprintf("b%d", a2.ID)},
		{admin, "page=b1&search[upgrade_type]=gold", nil, "1", "<null>"},
	} {
		var l list
		e.api(c.who).get("/user_upgrades.json?" + c.query).status(http.StatusOK).decode(&l)
		var got []int64
		for _, u := range l.UserUpgrades {
			got = append(got, u.ID)
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) || str(l.Prev) != c.prev || str(l.Next) != c.next || l.HasMore != (c.next != "<null>") {
			t.Errorf("%s as %s: %v prev %s next %s more %t; want %v prev %s next %s", c.query, c.who.Name, got, str(l.Prev), str(l.Next), l.HasMore, c.want, c.prev, c.next)
		}
		if want := strings.SplitN(strings.TrimPrefix(c.query, "page="), "&", 2)[0]; l.Page != want {
			t.Errorf("%s: page %v, want %q", c.query, l.Page, want)
		}
	}

	e.api(admin).get("/user_upgrades.json?page=1000").status(http.StatusOK)
	e.api(admin).get("/user_upgrades.json?page=1001").apiError(http.StatusUnprocessableEntity, "invalid").contains(`page=b\u003cid\u003e`)
	for _, bad := range []string{"b", "b0", "a-1", "x1", "0", "1e3"} {
		e.api(admin).get("/user_upgrades.json?page="+bad).apiError(http.StatusBadRequest, "invalid")
	}
	e.loggedIn(admin).get("/user_upgrades?page=1001").status(http.StatusUnprocessableEntity).contains("page=b&lt;id&gt;")

	page := e.loggedIn(admin).get(fmt.Sprintf("/user_upgrades?limit=1&page=b%d", a2.ID)).status(http.StatusOK)
	page.contains(fmt.Sprintf(`href="/user_upgrades/%d"`, c1.ID),
		fmt.Sprintf(`href="/user_upgrades?limit=1&amp;page=a%d" rel="prev"`, c1.ID),
		fmt.Sprintf(`href="/user_upgrades?limit=1&amp;page=b%d" rel="next"`, c1.ID)).
		lacks("<span>Page")
}
