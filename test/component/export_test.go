package component

import (
	"context"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"upgrades/application"
	"upgrades/domain"
)

// /user_upgrades.csv holds every matching upgrade, not one page, read in
// batches; a name a spreadsheet would run as a formula stays text.
func TestUpgradesCSV(t *testing.T) {
	e := start(t, nil)
	owner := e.user("olive", domain.LevelOwner)
	alice := e.user("alice", domain.LevelMember)
	dash := e.user("-cmd", domain.LevelMember)
	paid := e.api(alice).buy("gold", 0)
	gift := e.api(dash).buy("gold", alice.ID) // left pending
	e.pay(paid.ID)

	// Enough upgrades for three batches, straight into the store.
	n := 2*application.ExportBatch + 1
	ctx := context.Background()
	err := e.db.Do(ctx, func(ctx context.Context, s application.Store) error {
		buyer, err := s.Users.ByID(ctx, dash.ID)
		if err != nil {
			return err
		}
		for range n {
			up, err := domain.NewUpgrade(buyer, buyer, domain.UpgradePlatinum, domain.DefaultPrices(), time.Now())
			if err != nil {
				return err
			}
			if err := s.Upgrades.Create(ctx, up); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	read := func(r *response) [][]string {
		t.Helper()
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Fatalf("%s: Content-Type %q", r.req, ct)
		}
		rows, err := csv.NewReader(strings.NewReader(r.Body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) == 0 || strings.Join(rows[0], ",") != "id,created_at,purchaser_name,recipient_name,upgrade_type,status,is_gifted,currency,price,amount_paid,paid_at" {
			t.Fatalf("%s: header %v", r.req, rows)
		}
		return rows[1:]
	}

	all := read(e.api(owner).get("/user_upgrades.csv").status(http.StatusOK))
	if len(all) != n+2 {
		t.Fatalf("%d rows, want %d", len(all), n+2)
	}
	seen := map[string]bool{}
	for i, r := range all {
		if seen[r[0]] {
			t.Fatalf("upgrade %s twice", r[0])
		}
		seen[r[0]] = true
		if i > 0 {
			prev, _ := strconv.Atoi(all[i-1][0])
			if id, _ := strconv.Atoi(r[0]); id >= prev {
				t.Fatalf("not newest first at row %d: %s after %d", i, r[0], prev)
			}
		}
	}
	last := all[len(all)-1] // the oldest: alice's paid Gold
	if last[0] != strconv.FormatInt(paid.ID, 10) || last[2] != "alice" || last[5] != "complete" || last[8] != "$20.00" || last[9] != "$20.00" || last[10] == "" {
		t.Fatalf("alice's Gold: %v", last)
	}
	if g := all[len(all)-2]; g[0] != strconv.FormatInt(gift.ID, 10) || g[2] != "'-cmd" || g[3] != "alice" || g[6] != "true" || g[9] != "" {
		t.Fatalf("the gift: %v", g)
	}

	// Filters as on the list; a member gets their own upgrades only.
	complete := read(e.api(owner).get("/user_upgrades.csv?search%5Bstatus%5D=complete").status(http.StatusOK))
	if len(complete) != 1 || complete[0][0] != strconv.FormatInt(paid.ID, 10) {
		t.Fatalf("complete: %v", complete)
	}
	mine := read(e.api(alice).get("/user_upgrades.csv").status(http.StatusOK))
	if len(mine) != 2 {
		t.Fatalf("alice sees %d upgrades, want her own and the gift to her", len(mine))
	}
	none := read(e.api(alice).get("/user_upgrades.csv?search%5Bupgrade_type%5D=gold_to_platinum").status(http.StatusOK))
	if len(none) != 0 {
		t.Fatalf("no match, yet %v", none)
	}
	e.loggedIn(owner).get("/user_upgrades").status(http.StatusOK).contains(`href="/user_upgrades.csv"`)

	e.api(owner).get("/user_upgrades.csv?search%5Bstatuss%5D=x").status(http.StatusUnprocessableEntity).contains("search[statuss]")
	e.api(owner).get("/user_upgrades.csv?search%5Bstatus%5D=lost").status(http.StatusBadRequest)
	e.browser().get("/user_upgrades.csv").status(http.StatusUnauthorized)
	e.ban("-cmd")
	e.api(dash).get("/user_upgrades.csv").status(http.StatusForbidden)
}
