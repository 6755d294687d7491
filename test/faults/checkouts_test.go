package faults

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"testing"

	"upgrades/test/dbtest"
)

// Issue 11 item 21, through the real server: a buyer with five checkouts
// open gets 429 with a Retry-After for the sixth, and nothing is stored
// for it.
func TestOpenCheckoutsArePerBuyerThrottled(t *testing.T) {
	skipShort(t)
	dbURL := dbtest.New(t)
	db := dbtest.SQL(t, dbURL)
	sim := startStripeSim(t, "", true)
	s := startShop(t, "", dbURL, sim, "MAX_OPEN_CHECKOUTS=5")
	b := newBuyer(t, s)
	recipients := newRecipients(t, db, 6)
	for _, r := range recipients[:5] {
		giftGold(t, b, []int64{r}, s)
	}

	body, _ := json.Marshal(map[string]any{"user_id": recipients[5], "upgrade_type": "gold"})
	req, _ := http.NewRequest("POST", s.base+"/user_upgrades.json", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(b.name, b.apiKey)
	res, err := client.Do(req)
	must(t, err)
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	wait, _ := strconv.Atoi(res.Header.Get("Retry-After"))
	if res.StatusCode != http.StatusTooManyRequests || wait <= 0 || wait > 3600 {
		t.Fatalf("the sixth checkout: %d %s, Retry-After %q", res.StatusCode, raw, res.Header.Get("Retry-After"))
	}
	var n int
	must(t, db.QueryRow(`SELECT count(*) FROM upgrades WHERE purchaser_id = $1`, b.id).Scan(&n))
	if n != 5 {
		t.Fatalf("%d upgrades stored, want 5", n)
	}
}
