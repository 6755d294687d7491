package faults

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"upgrades/test/dbtest"
	"upgrades/test/proc"
)

// codesOf lists the codes u sees, as the API shows them.
func codesOf(t *testing.T, s *shop, u *buyer, query string) []struct {
	Code       string `json:"code"`
	Status     string `json:"status"`
	RedeemerID *int64 `json:"redeemer_id"`
} {
	t.Helper()
	var list struct {
		Codes []struct {
			Code       string `json:"code"`
			Status     string `json:"status"`
			RedeemerID *int64 `json:"redeemer_id"`
		} `json:"upgrade_codes"`
	}
	call(t, s, u, "GET", "/upgrade_codes.json"+query, nil).decode(t, &list)
	return list.Codes
}

func levelOf(t *testing.T, s *shop, u *buyer) string {
	t.Helper()
	var me struct {
		Level string `json:"level"`
	}
	call(t, s, u, "GET", fmt.Sprintf("/users/%d.json", u.id), nil).decode(t, &me)
	return me.Level
}

// Two Gold codes bought on the simulated Stripe's page: one redeemed by
// carol, then the purchase refunded by an owner. The other code is void,
// carol is a member again, and the used one cannot be redeemed again. The
// real binary, PostgreSQL and `upgrades stripe-sim`, whose webhooks reach
// the shop.
func TestBoughtCodesRedeemedThenRefunded(t *testing.T) {
	skipShort(t)
	dbURL := dbtest.New(t)
	addr := proc.FreeAddr(t)
	sim := startStripeSim(t, "http://"+addr+"/webhooks/receive", false)
	s := startShop(t, addr, dbURL, sim)
	alice := newBuyer(t, s)
	carol := newAccount(t, s, "carol", "member")
	owner := newAccount(t, s, "olivia", "owner")

	res := call(t, s, alice, "POST", "/upgrade_codes.json", map[string]any{"upgrade_type": "gold", "quantity": 2})
	if res.status != http.StatusCreated {
		t.Fatalf("buying codes: %d %s", res.status, res.body)
	}
	var up checkout
	res.decode(t, &up)
	if cs := sim.session(t, up.SessionID); cs.AmountSubtotal != 4000 || cs.Metadata["quantity"] != "2" || cs.Metadata["recipient_id"] != "" {
		t.Fatalf("the checkout session is %+v", cs)
	}
	must(t, pay(up, "paid"))
	waitFor(t, 30*time.Second, "the codes", func() (bool, string) {
		codes := codesOf(t, s, alice, "")
		return len(codes) == 2, fmt.Sprint(codes)
	})
	codes := codesOf(t, s, alice, "")

	r := call(t, s, carol, "POST", "/upgrade_codes/redeem.json", map[string]any{"code": codes[0].Code})
	if r.status != http.StatusOK || levelOf(t, s, carol) != "gold" {
		t.Fatalf("carol redeeming: %d %s", r.status, r.body)
	}
	r = call(t, s, owner, "POST", fmt.Sprintf("/user_upgrades/%d/refund.json", up.ID), map[string]any{"reason": "bought by mistake"})
	if r.status != http.StatusOK {
		t.Fatalf("the refund: %d %s", r.status, r.body)
	}
	for _, c := range codesOf(t, s, alice, "") {
		if c.Status != "void" {
			t.Fatalf("after the refund %s is %s", c.Code, c.Status)
		}
	}
	if l := levelOf(t, s, carol); l != "member" {
		t.Fatalf("carol is %s after the refund", l)
	}
	dave := newAccount(t, s, "dave", "member")
	if r := call(t, s, dave, "POST", "/upgrade_codes/redeem.json", map[string]any{"code": codes[1].Code}); r.status != http.StatusUnprocessableEntity {
		t.Fatalf("a void code: %d %s", r.status, r.body)
	}
}

// Ten redeemers of one minted code at once, through three replicas: one
// is raised (200), nine are told the code is not valid (422).
func TestTenRedeemersOfOneCodeAcrossReplicas(t *testing.T) {
	skipShort(t)
	dbURL := dbtest.New(t)
	sim := startStripeSim(t, "", true)
	replicas := []*shop{startShop(t, "", dbURL, sim), startShop(t, "", dbURL, sim), startShop(t, "", dbURL, sim)}
	owner := newAccount(t, replicas[0], "olivia", "owner")
	out := proc.MustRun(t, proc.Binary(t), replicas[0].env, "codes", "mint", "--type", "platinum", "--quantity", "1")
	var minted []struct {
		Code string `json:"code"`
	}
	if err := json.Unmarshal([]byte(out), &minted); err != nil || len(minted) != 1 {
		t.Fatalf("codes mint printed %q: %v", out, err)
	}
	users := make([]*buyer, 10)
	for i := range users {
		users[i] = newAccount(t, replicas[0], fmt.Sprintf("redeemer%d", i), "member")
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		statuses = map[int]int{}
		start    = make(chan struct{})
	)
	for i, u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body, _ := json.Marshal(map[string]any{"code": minted[0].Code})
			req, _ := http.NewRequest("POST", replicas[i%3].base+"/upgrade_codes/redeem.json", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.SetBasicAuth(u.name, u.apiKey)
			<-start
			res, err := client.Do(req)
			status := 0
			if err == nil {
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				status = res.StatusCode
			}
			mu.Lock()
			statuses[status]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	if statuses[http.StatusOK] != 1 || statuses[http.StatusUnprocessableEntity] != 9 {
		t.Fatalf("answers by status: %v; want one 200 and nine 422", statuses)
	}
	platinum := 0
	for _, u := range users {
		if levelOf(t, replicas[0], u) == "platinum" {
			platinum++
		}
	}
	codes := codesOf(t, replicas[0], owner, "?search[status]=redeemed")
	if platinum != 1 || len(codes) != 1 {
		t.Fatalf("%d redeemers are platinum, %d codes redeemed", platinum, len(codes))
	}
}
