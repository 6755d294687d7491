package postgres_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"upgrades/adapters/postgres"
	"upgrades/application"
	"upgrades/domain"
	"upgrades/test/dbtest"
)

// seedMillion fills the database with 2,000 users and 1,000,000 upgrades
// spread over them (a fifth are gifts; most complete, a few open), plus
// "lonely", whose only upgrade is the oldest of all, and "busy", who buys
// one in fifty for themselves and is never given one. The indexes are built
// after the rows, as a bulk load would, and then everything is analysed.
func seedMillion(t *testing.T, url string) {
	t.Helper()
	conn := dbtest.SQL(t, url)
	var defs []string
	rows, err := conn.Query(`SELECT indexdef FROM pg_indexes WHERE tablename = 'upgrades' AND indexname <> 'upgrades_pkey'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			t.Fatal(err)
		}
		defs = append(defs, d)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	steps := []string{`
		DO $$ DECLARE i record; BEGIN
			FOR i IN SELECT indexname FROM pg_indexes WHERE tablename = 'upgrades' AND indexname <> 'upgrades_pkey' LOOP
				EXECUTE 'DROP INDEX ' || quote_ident(i.indexname);
			END LOOP;
		END $$`,
		`INSERT INTO users (id, name, password_hash, api_key, level)
		 SELECT g, 'user' || g, 'h', 'k' || g, 20 FROM generate_series(1, 2000) g`,
		`INSERT INTO users (id, name, password_hash, api_key, level) VALUES (2001, 'lonely', 'h', 'k-lonely', 20)`,
		`INSERT INTO users (id, name, password_hash, api_key, level) VALUES (2002, 'busy', 'h', 'k-busy', 20)`,
		`SELECT setval('users_id_seq', 2002)`,
		`INSERT INTO upgrades (id, purchaser_id, recipient_id, upgrade_type, status, amount, currency, created_at, updated_at, level_before)
		 VALUES (1, 2001, 2001, 'gold', 'complete', 2000, 'usd', now(), now(), 20)`,
		`INSERT INTO upgrades (id, purchaser_id, recipient_id, upgrade_type, status, amount, currency, created_at, updated_at, level_before)
		 SELECT g, p, CASE WHEN g % 5 = 0 THEN p % 2000 + 1 ELSE p END,
		        (ARRAY['gold', 'platinum', 'gold_to_platinum'])[1 + g % 3], s, 2000, 'usd', now(), now(),
		        CASE WHEN s IN ('complete', 'refunded') THEN 20 END
		 FROM (SELECT g, CASE WHEN g % 50 = 1 THEN 2002 ELSE 1 + (g::bigint * 7919) % 2000 END AS p,
		              CASE g % 100 WHEN 0 THEN 'pending' WHEN 1 THEN 'processing' WHEN 2 THEN 'expired'
		                           WHEN 5 THEN 'refunded' WHEN 6 THEN 'failed' ELSE 'complete' END AS s
		       FROM generate_series(2, 1000000) g) d`,
		`SELECT setval('upgrades_id_seq', 1000000)`,
	}
	steps = append(steps, defs...)
	steps = append(steps, `ANALYZE`)
	for _, q := range steps {
		if _, err := conn.Exec(q); err != nil {
			t.Fatalf("seeding: %v\n%s", err, q)
		}
	}
	t.Logf("seeded 1,000,000 upgrades in %v", time.Since(start).Round(time.Millisecond))
}

// explain runs query under EXPLAIN ANALYZE and returns how many pages it
// read (a measure of work that, unlike time, does not depend on the
// machine) and the tables it read whole.
func explain(t *testing.T, url, query string) (pages int, seqScans []string) {
	t.Helper()
	var raw string
	if err := dbtest.SQL(t, url).QueryRow("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + query).Scan(&raw); err != nil {
		t.Fatalf("explaining %s: %v", query, err)
	}
	var plans []struct{ Plan planNode }
	if err := json.Unmarshal([]byte(raw), &plans); err != nil || len(plans) != 1 {
		t.Fatalf("reading the plan: %v", err)
	}
	var walk func(n planNode)
	walk = func(n planNode) {
		if n.NodeType == "Seq Scan" {
			seqScans = append(seqScans, n.Relation)
		}
		for _, c := range n.Plans {
			walk(c)
		}
	}
	walk(plans[0].Plan)
	return plans[0].Plan.Hit + plans[0].Plan.Read, seqScans
}

type planNode struct {
	NodeType string     `json:"Node Type"`
	Relation string     `json:"Relation Name"`
	Hit      int        `json:"Shared Hit Blocks"`
	Read     int        `json:"Shared Read Blocks"`
	Plans    []planNode `json:"Plans"`
}

func TestListStaysFastOnAMillionUpgrades(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds a million rows")
	}
	url := dbtest.New(t)
	seedMillion(t, url)
	db := open(t, url)
	recorded := postgres.RecordQueries(db)

	yes := true
	const heavy, lonely, busy = domain.UserID(42), domain.UserID(2001), domain.UserID(2002)
	for _, c := range []struct {
		name string
		q    application.UpgradeQuery
		rows int
	}{
		{"admin, first page", application.UpgradeQuery{Window: application.Window{Limit: 21}}, 21},
		{"admin, page 100", application.UpgradeQuery{Window: application.Window{Offset: 2000, Limit: 21}}, 21},
		{"admin, a keyset page deep in the table", application.UpgradeQuery{Window: application.Window{Before: 5000, Limit: 21}}, 21},
		{"admin, a keyset page newer than a deep id", application.UpgradeQuery{Window: application.Window{After: 5000, Limit: 21}}, 21},
		{"admin, rare status, keyset page", application.UpgradeQuery{Status: domain.StatusFailed, Window: application.Window{Before: 100000, Limit: 21}}, 21},
		{"a regular buyer's own, keyset page", application.UpgradeQuery{VisibleTo: heavy, Window: application.Window{Before: 200000, Limit: 21}}, 21},
		{"a regular buyer's own, newer keyset page", application.UpgradeQuery{VisibleTo: heavy, Window: application.Window{After: 200000, Limit: 21}}, 21},
		{"admin, by status", application.UpgradeQuery{Status: domain.StatusPending, Window: application.Window{Limit: 21}}, 21},
		{"admin, rare status, deep page", application.UpgradeQuery{Status: domain.StatusFailed, Window: application.Window{Offset: 1000, Limit: 21}}, 21},
		{"admin, by type", application.UpgradeQuery{Type: domain.UpgradeGoldToPlatinum, Window: application.Window{Limit: 21}}, 21},
		{"admin, gifted", application.UpgradeQuery{IsGifted: &yes, Window: application.Window{Limit: 21}}, 21},
		{"admin, by recipient name", application.UpgradeQuery{RecipientName: "USER42", Window: application.Window{Limit: 21}}, 21},
		{"admin, by purchaser name", application.UpgradeQuery{PurchaserName: "user42", Status: domain.StatusComplete, Window: application.Window{Limit: 21}}, 21},
		{"a regular buyer's own", application.UpgradeQuery{VisibleTo: heavy, Window: application.Window{Limit: 21}}, 21},
		{"a regular buyer's own, page 10", application.UpgradeQuery{VisibleTo: heavy, Window: application.Window{Offset: 200, Limit: 21}}, 21},
		{"a regular buyer's gifts", application.UpgradeQuery{VisibleTo: heavy, IsGifted: &yes, Window: application.Window{Limit: 21}}, 21},
		{"a regular buyer's open ones", application.UpgradeQuery{VisibleTo: heavy, Status: domain.StatusPending, Window: application.Window{Limit: 21}}, 0},
		{"someone whose only upgrade is the oldest", application.UpgradeQuery{VisibleTo: lonely, Window: application.Window{Limit: 21}}, 1},
		{"someone who buys for themselves all the time", application.UpgradeQuery{VisibleTo: busy, Window: application.Window{Limit: 21}}, 21},
	} {
		recorded()
		start := time.Now()
		var rows []application.UpgradeRow
		err := db.Do(context.Background(), func(ctx context.Context, st application.Store) (err error) {
			rows, err = st.Upgrades.List(ctx, c.q)
			return err
		})
		took := time.Since(start)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if c.rows > 0 && len(rows) != c.rows || c.rows == 0 && len(rows) > 21 {
			t.Errorf("%s: %d rows, want %d", c.name, len(rows), c.rows)
		}
		for i := 1; i < len(rows); i++ {
			if newer := rows[i].Upgrade.ID() > rows[i-1].Upgrade.ID(); newer != (c.q.After > 0) {
				t.Fatalf("%s: not in order (newest first, or oldest first above After)", c.name)
			}
		}
		total := 0
		for _, q := range recorded() {
			if !strings.HasPrefix(q, "SELECT") {
				continue
			}
			pages, seqScans := explain(t, url, q)
			total += pages
			if slices.Contains(seqScans, "upgrades") {
				t.Errorf("%s: reads all of upgrades:\n%s", c.name, q)
			}
		}
		// The table has over 10,000 pages; a page of the list, even deep
		// or for a rare filter, reads some hundreds.
		if total > 2000 {
			t.Errorf("%s: reads %d pages", c.name, total)
		}
		t.Logf("%-45s %3d rows  %5d pages  %v", c.name, len(rows), total, took.Round(time.Microsecond))
	}
}
