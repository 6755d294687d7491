package component

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"upgrades/domain"
)

// mint makes n codes of typ as the owner, through the API.
func (e *env) mint(owner account, typ string, n int) []string {
	e.t.Helper()
	var out struct {
		Codes []struct {
			Code string `json:"code"`
		} `json:"upgrade_codes"`
	}
	e.api(owner).json("POST", "/upgrade_codes/mint.json", map[string]any{"upgrade_type": typ, "quantity": n}).
		status(http.StatusCreated).decode(&out)
	codes := make([]string, len(out.Codes))
	for i, c := range out.Codes {
		codes[i] = c.Code
	}
	return codes
}

func TestRedeemAMintedCodeInHTML(t *testing.T) {
	e := start(t, nil)
	olivia, carol := e.user("olivia", domain.LevelOwner), e.user("carol", domain.LevelMember)
	code := e.mint(olivia, "gold", 1)[0]

	b := e.loggedIn(carol)
	b.get("/users/" + fmt.Sprint(carol.ID)).status(http.StatusOK).contains(`href="/upgrade_codes/redeem"`)
	b.get("/upgrade_codes/redeem").status(http.StatusOK).contains(`action="/upgrade_codes/redeem"`, `name="code"`)
	// As typed by hand: lower case, no dashes.
	typed := "  " + strings.ToLower(strings.ReplaceAll(code, "-", "")) + " "
	r := b.form("POST", "/upgrade_codes/redeem", url.Values{"code": {typed}}).status(http.StatusSeeOther)
	b.get(r.Header.Get("Location")).status(http.StatusOK).contains("You are now Gold, with a code from the site.")
	b.get("/messages").status(http.StatusOK).contains("You have been upgraded to Gold with a code from the site!")
	b.get("/upgrade_codes").status(http.StatusOK).contains(code, "redeemed")

	// A used code is refused on the form, with the code kept to correct.
	dave := e.user("dave", domain.LevelMember)
	e.loggedIn(dave).form("POST", "/upgrade_codes/redeem", url.Values{"code": {code}}).
		status(http.StatusUnprocessableEntity).contains("this code is not valid.", `value="`+code+`"`)
	// A forged notice says nothing.
	e.loggedIn(dave).get("/users/" + fmt.Sprint(dave.ID) + "?redeemed=" + url.QueryEscape(code)).status(http.StatusOK).lacks("You are now")
}

func TestRedeemInJSON(t *testing.T) {
	e := start(t, nil)
	olivia, carol := e.user("olivia", domain.LevelOwner), e.user("carol", domain.LevelMember)
	codes := e.mint(olivia, "platinum", 2)
	got := e.api(carol).json("POST", "/upgrade_codes/redeem.json", map[string]any{"code": codes[0]}).status(http.StatusOK).object()
	if got["level"] != "platinum" || got["giver"] != "the site" {
		t.Fatalf("redeemed: %v", got)
	}
	for _, bad := range []string{codes[0], "nope", "ABCD-EFGH-JKMN", ""} {
		e.api(carol).json("POST", "/upgrade_codes/redeem.json", map[string]any{"code": bad}).apiError(http.StatusUnprocessableEntity, "invalid")
	}
	// Platinum already: the second code is refused and stays unused.
	e.api(carol).json("POST", "/upgrade_codes/redeem.json", map[string]any{"code": codes[1]}).
		apiError(http.StatusUnprocessableEntity, "invalid").contains("already have Platinum")
	bruno := e.user("bruno", domain.LevelMember)
	e.ban("bruno")
	e.api(bruno).json("POST", "/upgrade_codes/redeem.json", map[string]any{"code": codes[1]}).apiError(http.StatusForbidden, "forbidden")
	e.browser().json("POST", "/upgrade_codes/redeem.json", map[string]any{"code": codes[1]}).apiError(http.StatusUnauthorized, "unauthenticated")
	e.api(carol).do("POST", "/upgrade_codes/redeem.json", strings.NewReader(`{"code": "\u0000"}`), http.Header{"Content-Type": {"application/json"}}).
		apiError(http.StatusBadRequest, "invalid")
	e.api(carol).do("POST", "/upgrade_codes/redeem.json", strings.NewReader(`{"code": `), http.Header{"Content-Type": {"application/json"}}).
		apiError(http.StatusBadRequest, "invalid")
	e.api(carol).do("POST", "/upgrade_codes/redeem.json", strings.NewReader(`{"code": "`+strings.Repeat("A", 2<<20)+`"}`), http.Header{"Content-Type": {"application/json"}}).
		status(http.StatusRequestEntityTooLarge)

	var list struct {
		Codes []map[string]any `json:"upgrade_codes"`
	}
	e.api(carol).get("/upgrade_codes.json").status(http.StatusOK).decode(&list)
	if len(list.Codes) != 1 || list.Codes[0]["status"] != "redeemed" {
		t.Fatalf("carol's codes: %v", list.Codes)
	}
	e.api(olivia).get("/upgrade_codes.json?search[status]=unused&search[buyer_name]=olivia").status(http.StatusOK).decode(&list)
	if len(list.Codes) != 1 || list.Codes[0]["code"] != codes[1] {
		t.Fatalf("olivia's unused codes: %v", list.Codes)
	}
	e.api(olivia).get("/upgrade_codes.json?search[nope]=1").apiError(http.StatusUnprocessableEntity, "invalid")
}

func TestMintingIsForOwners(t *testing.T) {
	e := start(t, nil)
	olivia, alice := e.user("olivia", domain.LevelOwner), e.user("alice", domain.LevelAdmin)
	e.api(alice).json("POST", "/upgrade_codes/mint.json", map[string]any{"upgrade_type": "gold", "quantity": 1}).apiError(http.StatusForbidden, "forbidden")
	for _, q := range []any{0, 101, "many"} {
		e.api(olivia).json("POST", "/upgrade_codes/mint.json", map[string]any{"upgrade_type": "gold", "quantity": q}).apiError(http.StatusUnprocessableEntity, "invalid")
	}
	e.api(olivia).json("POST", "/upgrade_codes/mint.json", map[string]any{"upgrade_type": "gold_to_platinum", "quantity": 1}).apiError(http.StatusUnprocessableEntity, "invalid")
	b := e.loggedIn(olivia)
	b.get("/upgrade_codes").status(http.StatusOK).contains(`action="/upgrade_codes/mint"`, "Everyone's codes")
	r := b.form("POST", "/upgrade_codes/mint", url.Values{"upgrade_type": {"gold"}, "quantity": {"3"}, "note": {"spring raffle"}}).status(http.StatusSeeOther)
	page := b.get(r.Header.Get("Location")).status(http.StatusOK)
	if n := strings.Count(page.Body, `class="copy"`); n != 3 {
		t.Fatalf("the page shows %d codes to copy, want 3", n)
	}
	b.get("/upgrade_codes?view=print").status(http.StatusOK).contains(`class="code-sheet"`)
	e.loggedIn(alice).get("/upgrade_codes").status(http.StatusOK).lacks(`action="/upgrade_codes/mint"`)
}

func TestBuyCodesPayRedeemAndList(t *testing.T) {
	e := start(t, nil)
	alice, carol := e.user("alice", domain.LevelMember), e.user("carol", domain.LevelMember)
	var u struct {
		upgrade
		Quantity    int    `json:"quantity"`
		RecipientID *int64 `json:"recipient_id"`
	}
	e.api(alice).json("POST", "/upgrade_codes.json", map[string]any{"upgrade_type": "gold", "quantity": 2}).status(http.StatusCreated).decode(&u)
	if u.Quantity != 2 || u.RecipientID != nil || u.IsGifted || u.Amount != 2*2000 || u.CheckoutURL == "" {
		t.Fatalf("the purchase: %+v", u)
	}
	e.pay(u.ID)
	e.loggedIn(alice).get(fmt.Sprintf("/user_upgrades/%d", u.ID)).status(http.StatusOK).contains("Your 2 Gold codes are ready!")
	var list struct {
		Codes []struct {
			Code      string `json:"code"`
			Status    string `json:"status"`
			UpgradeID *int64 `json:"upgrade_id"`
		} `json:"upgrade_codes"`
	}
	e.api(alice).get("/upgrade_codes.json").status(http.StatusOK).decode(&list)
	if len(list.Codes) != 2 || list.Codes[0].Status != "unused" || list.Codes[0].UpgradeID == nil || *list.Codes[0].UpgradeID != u.ID {
		t.Fatalf("alice's codes: %+v", list.Codes)
	}
	got := e.api(carol).json("POST", "/upgrade_codes/redeem.json", map[string]any{"code": list.Codes[0].Code}).status(http.StatusOK).object()
	if got["giver"] != "alice" || got["level"] != "gold" {
		t.Fatalf("carol redeemed %v", got)
	}
	var inbox struct {
		Messages []struct {
			Body      string `json:"body"`
			UpgradeID *int64 `json:"upgrade_id"`
		} `json:"messages"`
	}
	e.api(alice).get("/messages.json").status(http.StatusOK).decode(&inbox)
	if m := inbox.Messages[0]; !strings.HasPrefix(m.Body, "carol redeemed your Gold code") || m.UpgradeID == nil || *m.UpgradeID != u.ID {
		t.Fatalf("alice's newest message: %+v", m)
	}
	// Another's purchase and codes are not carol's to see.
	e.api(carol).get(fmt.Sprintf("/user_upgrades/%d.json", u.ID)).apiError(http.StatusForbidden, "forbidden")
	e.api(carol).get("/upgrade_codes.json").status(http.StatusOK).decode(&list)
	if len(list.Codes) != 1 || list.Codes[0].Status != "redeemed" {
		t.Fatalf("carol sees %+v", list.Codes)
	}
}

func TestBuyCodesInHTMLAndBadInput(t *testing.T) {
	e := start(t, nil)
	alice := e.user("alice", domain.LevelMember)
	b := e.loggedIn(alice)
	b.get("/user_upgrades/new").status(http.StatusOK).contains(`action="/upgrade_codes"`, "Buy as a code")
	b.form("POST", "/upgrade_codes", url.Values{"upgrade_type": {"platinum"}, "quantity": {"3"}}).status(http.StatusSeeOther)
	for _, body := range []map[string]any{
		{"upgrade_type": "gold", "quantity": 11}, {"upgrade_type": "gold", "quantity": 0}, {"upgrade_type": "gold", "quantity": "many"},
		{"upgrade_type": "gold_to_platinum", "quantity": 1}, {"upgrade_type": "gold"},
	} {
		e.api(alice).json("POST", "/upgrade_codes.json", body).apiError(http.StatusUnprocessableEntity, "invalid")
	}
	e.browser().json("POST", "/upgrade_codes.json", map[string]any{"upgrade_type": "gold", "quantity": 1}).apiError(http.StatusUnauthorized, "unauthenticated")
	e.api(alice).json("POST", "/upgrade_codes.json", map[string]any{"upgrade_type": []string{"gold"}, "quantity": 1}).apiError(http.StatusBadRequest, "invalid")
	e.api(alice).do("POST", "/upgrade_codes.json", strings.NewReader(`{"quantity": 1, "upgrade_type": "gold"`), http.Header{"Content-Type": {"application/json"}}).
		apiError(http.StatusBadRequest, "invalid")
}
