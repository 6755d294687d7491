package bench_test

import (
	"fmt"
	"testing"
	"time"
)

// passwordHash has the shape and size of a bcrypt hash; nobody logs in
// with a password here.
const passwordHash = "$2a$10$benchbenchbenchbenchbuBzY3OuV2pAF7r1aM0PXVn3sWEc7jHm2"

// The list's people: listUsers members who buy and receive the seeded
// upgrades, and an owner, who sees them all.
const (
	listUsers = 2000
	ownerID   = listUsers + 1
)

// apiKey is the API key the seeds give the user called name; the table
// holds its SHA-256, as the server stores keys.
func apiKey(name string) string { return "k-" + name }

// seedListUsers adds user1 … user2000 and the owner, with ids 1 … 2001.
func (b *bench) seedListUsers() { seedPeople(b.t, b.db) }

// seedPeople adds user1 … user2000 and the owner, with ids 1 … 2001.
func seedPeople(t testing.TB, db *sqlDB) {
	db.exec(t, `INSERT INTO users (id, name, email, password_hash, api_key, level, created_at)
		SELECT g, 'user' || g, 'user' || g || '@example.com', $1, encode(sha256(convert_to('k-user' || g, 'UTF8')), 'hex'), 20, now()
		FROM generate_series(1, $2::int) g`, passwordHash, listUsers)
	db.exec(t, `INSERT INTO users (id, name, email, password_hash, api_key, level, created_at)
		VALUES ($1, 'owner', 'owner@example.com', $2, encode(sha256('k-owner'), 'hex'), 60, now())`, ownerID, passwordHash)
	db.exec(t, `SELECT setval('users_id_seq', $1)`, ownerID)
}

// listSeeded is how many list upgrades have been bulk-loaded so far.
var listSeeded int64

// fillTo bulk-loads upgrades until the table holds total of them, with
// generate_series rather than through the API: the list's people buy
// them, a fifth as gifts; most are complete, some open, a few failed,
// expired or refunded, and they are spread over the past like a shop's
// history. user1, the busiest customer, buys one in fifty for themselves,
// so that their pages are full at ten thousand upgrades as at a million
// and the two sizes compare the same page; user2 receives one in a
// hundred as a gift. Past a hundred thousand rows the indexes are dropped and built
// again after the load, as a bulk load would. Then the table is vacuumed
// and analysed, as autovacuum would have done by the time anyone lists a
// million upgrades, so that no run waits for it to kick in.
func (b *bench) fillTo(total int64) time.Duration {
	t := b.t
	start := time.Now()
	need := total - b.db.int(t, "SELECT count(*) FROM upgrades")
	if need <= 0 {
		return 0
	}
	var defs []string
	if need > 100_000 {
		rows, err := b.db.Query(`SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'upgrades' AND indexname <> 'upgrades_pkey'`)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for rows.Next() {
			var name, def string
			if err := rows.Scan(&name, &def); err != nil {
				t.Fatal(err)
			}
			names, defs = append(names, name), append(defs, def)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			b.db.exec(t, "DROP INDEX "+n)
		}
	}
	from, to := listSeeded+1, listSeeded+need
	b.db.exec(t, `
		INSERT INTO upgrades (purchaser_id, recipient_id, upgrade_type, status, amount, currency,
		                      checkout_session_id, checkout_url, session_expires_at, payment_intent_id, level_before,
		                      created_at, updated_at)
		SELECT p, CASE WHEN g % 100 = 3 THEN 2 WHEN g % 5 = 0 THEN p % $1 + 1 ELSE p END,
		       (ARRAY['gold', 'platinum', 'gold_to_platinum'])[1 + g % 3], s,
		       CASE g % 3 WHEN 1 THEN 4000 ELSE 2000 END, 'usd',
		       'cs_test_seed' || lpad(g::text, 20, '0'), $2 || '/pay/cs_test_seed' || lpad(g::text, 20, '0'),
		       at + interval '1 hour',
		       CASE WHEN s IN ('complete', 'refunded') THEN 'pi_seed' || lpad(g::text, 20, '0') END,
		       CASE WHEN s IN ('complete', 'refunded') THEN 20 END,
		       at, at + interval '1 minute'
		FROM (SELECT g, CASE WHEN g % 50 = 1 THEN 1 ELSE 1 + (g * 7919) % $1 END AS p,
		             CASE g % 100 WHEN 0 THEN 'pending' WHEN 1 THEN 'processing' WHEN 2 THEN 'expired'
		                          WHEN 5 THEN 'refunded' WHEN 6 THEN 'failed' ELSE 'complete' END AS s,
		             now() - interval '1 second' * ($4::bigint - g) AS at
		      FROM generate_series($3::bigint, $4::bigint) g) d`,
		listUsers, "http://"+b.simAddr, from, to)
	listSeeded = to
	for _, d := range defs {
		b.db.exec(t, d)
	}
	b.db.exec(t, "VACUUM ANALYZE")
	b.db.settle()
	return time.Since(start)
}

// age updates a share (-perf.age) of the table's list upgrades as a
// shop's history does (a late payment settled, a refund, a reconciler's
// touch), in batches, so that the table and its indexes carry the dead
// rows and the spread of a used one rather than a fresh load's order;
// then it is vacuumed and analysed as autovacuum would. It returns how
// many upgrades it updated.
func (b *bench) age(rows int64) int64 {
	t := b.t
	if *ageShare <= 0 {
		return 0
	}
	start := time.Now()
	every := max(int64(1 / *ageShare), 1)
	var aged int64
	const batch = 50_000
	last := b.db.int(t, "SELECT coalesce(max(id), 0) FROM upgrades")
	for from := int64(1); from <= last; from += batch {
		res, err := b.db.Exec(`UPDATE upgrades SET updated_at = updated_at + interval '1 day',
			status = CASE WHEN status = 'complete' AND id % 97 = 0 THEN 'refunded' ELSE status END
			WHERE id BETWEEN $1 AND $2 AND id % $3 = 0`, from, from+batch-1, every)
		if err != nil {
			t.Fatalf("aging the upgrades: %v", err)
		}
		n, _ := res.RowsAffected()
		aged += n
	}
	b.db.exec(t, "VACUUM ANALYZE upgrades")
	t.Logf("aged %d of %d upgrades in %v", aged, rows, time.Since(start).Round(time.Millisecond))
	return aged
}

// pool is a run of fresh pending upgrades, one per member, as the server
// leaves them once their checkout is created: upgrade firstUpgrade+i is a
// gold upgrade that user firstUser+i, called prefix<id>, is paying for,
// for themselves or, in a pool of gifts, for the next member of the pool.
type pool struct {
	prefix                  string
	firstUser, firstUpgrade int64
	n                       int
	gifts                   bool
}

// poolKind is what seedPool adds beside the members.
type poolKind int

const (
	buyersOnly   poolKind = iota // members, no upgrades
	ownUpgrades                  // each member buys Gold for themselves
	giftUpgrades                 // each member buys Gold for the next
)

func (p pool) user(i int) int64 { return p.firstUser + int64(i) }
func (p pool) recipient(i int) int64 {
	if p.gifts {
		return p.firstUser + int64((i+1)%p.n)
	}
	return p.user(i)
}

// first is the pool of p's first n upgrades.
func (p pool) first(n int) pool { p.n = n; return p }

func (p pool) upgrade(i int) int64 { return p.firstUpgrade + int64(i) }
func (p pool) name(i int) string   { return fmt.Sprintf("%s%d", p.prefix, p.user(i)) }

// tag makes an upgrade's Stripe ids (cs_test_b<tag>, pi_b<tag>,
// evt_b<tag>) as long as Stripe's, in a way pgbench can compute too.
func tag(upgrade int64) int64 { return tagBase + upgrade }

const tagBase = 100_000_000_000_000_000

func sessionID(upgrade int64) string { return fmt.Sprintf("cs_test_b%d", tag(upgrade)) }

// seedPool adds n members called prefix<id> and, unless kind is
// buyersOnly, a pending gold upgrade bought by each with its checkout and
// the history entry that started it.
func (b *bench) seedPool(prefix string, n int, kind poolKind) pool {
	t := b.t
	tx, err := b.db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	exec := func(q string, args ...any) {
		if _, err := tx.Exec(q, args...); err != nil {
			t.Fatalf("seeding %s: %v\n%s", prefix, err, q)
		}
	}
	next := func(table string) int64 {
		var id int64
		if err := tx.QueryRow("SELECT coalesce(max(id), 0) + 1 FROM " + table).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	exec("LOCK TABLE users, upgrades IN SHARE ROW EXCLUSIVE MODE")
	p := pool{prefix: prefix, firstUser: next("users"), firstUpgrade: next("upgrades"), n: n, gifts: kind == giftUpgrades}
	exec(`INSERT INTO users (id, name, email, password_hash, api_key, level, created_at)
		SELECT $1 + g, $2 || ($1 + g), $2 || ($1 + g) || '@example.com', $3, encode(sha256(convert_to('k-' || $2 || ($1 + g), 'UTF8')), 'hex'), 20, now()
		FROM generate_series(0, $4::int - 1) g`, p.firstUser, prefix, passwordHash, n)
	exec(`SELECT setval('users_id_seq', $1)`, p.user(n-1))
	if kind != buyersOnly {
		shift := 0
		if kind == giftUpgrades {
			shift = 1
		}
		exec(`INSERT INTO upgrades (id, purchaser_id, recipient_id, upgrade_type, status, amount, currency,
		                            checkout_session_id, checkout_url, session_expires_at, created_at, updated_at)
			SELECT $1 + g, $2 + g, $2 + (g + $6) % $4, 'gold', 'pending', 2000, 'usd',
			       'cs_test_b' || ($5::bigint + $1 + g), $3 || '/pay/cs_test_b' || ($5::bigint + $1 + g),
			       now() + interval '1 hour', now(), now()
			FROM generate_series(0, $4::int - 1) g`, p.firstUpgrade, p.firstUser, "http://"+b.simAddr, n, int64(tagBase), shift)
		exec(`INSERT INTO upgrade_history (upgrade_id, seq, at, to_status, outcome, cause, note)
			SELECT $1 + g, 1, now(), 'pending', 'applied', 'user ' || $3 || ($2 + g), 'checkout started'
			FROM generate_series(0, $4::int - 1) g`, p.firstUpgrade, p.firstUser, prefix, n)
		exec(`SELECT setval('upgrades_id_seq', $1)`, p.upgrade(n-1))
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	b.db.exec(t, "ANALYZE users, upgrades, upgrade_history")
	return p
}

// completed counts the pool's upgrades that are complete, with their
// recipient at gold, their history entry and their message.
func (b *bench) completed(p pool) int64 {
	return b.db.int(b.t, `
		SELECT count(*) FROM upgrades u
		JOIN users r ON r.id = u.recipient_id AND r.level = 30
		WHERE u.id BETWEEN $1 AND $2 AND u.status = 'complete'
		  AND EXISTS (SELECT 1 FROM upgrade_history h WHERE h.upgrade_id = u.id AND h.seq = 2 AND h.to_status = 'complete')
		  AND EXISTS (SELECT 1 FROM messages m WHERE m.user_id = r.id)`,
		p.upgrade(0), p.upgrade(p.n-1))
}
