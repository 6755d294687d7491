// Package faults runs the real upgrades binary, several replicas of it,
// against real PostgreSQL and the simulated Stripe in a process of its
// own, and breaks things while payments flow: the database goes away, a
// server is killed, webhooks never come. Every paid upgrade must end
// complete, once.
package faults

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"upgrades/test/proc"
)

const (
	webhookSecret = "whsec_faults_test_secret"
	stripeKey     = "sk_test_faults"
)

// client makes the test's own requests; redirects are looked at, not
// followed.
var client = &http.Client{
	Timeout:       30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// stripeSim is `upgrades stripe-sim` in its own process. shop is the
// public URL of the shop it serves (its replicas' BASE_URL): checkout
// sessions may send buyers back only there.
type stripeSim struct {
	*proc.Process
	base, shop string
}

// startStripeSim starts the simulated Stripe. It retries failed webhooks
// quickly (100 ms, doubling to 1 s), so that a test sees the retries
// through, and redirects a payment without waiting for the webhook.
func startStripeSim(t *testing.T, webhookURL string, drop bool) *stripeSim {
	t.Helper()
	addr := proc.FreeAddr(t)
	// The shop lives where the webhooks go; when the test delivers them
	// itself, its replicas share a public URL nobody listens on, as they
	// would behind a load balancer.
	shop := "http://" + proc.FreeAddr(t)
	if webhookURL != "" {
		shop = strings.TrimSuffix(webhookURL, "/webhooks/receive")
	}
	env := proc.Env(
		"LISTEN_ADDR="+addr,
		"STRIPE_SIM_SECRET_KEY="+stripeKey,
		"STRIPE_SIM_SHOP_URL="+shop,
		"STRIPE_WEBHOOK_SECRET="+webhookSecret,
		"STRIPE_SIM_WEBHOOK_URL="+webhookURL,
		fmt.Sprintf("STRIPE_SIM_DROP_WEBHOOKS=%t", drop),
		"STRIPE_SIM_RETRY_INITIAL=100ms",
		"STRIPE_SIM_RETRY_MAX=1s",
		"STRIPE_SIM_RETRY_FOR=5m",
		"STRIPE_SIM_REDIRECT_WAIT=0",
	)
	s := &stripeSim{proc.Start(t, "stripe-sim", proc.Binary(t), env, "stripe-sim"), "http://" + addr, shop}
	s.WaitListening(t, addr)
	return s
}

// shop is one replica of `upgrades serve`.
type shop struct {
	*proc.Process
	addr, base string
	env        []string
}

// startShop starts a replica on addr (a fresh port when empty) against the
// database and the simulated Stripe, with extra environment.
func startShop(t *testing.T, addr, dbURL string, sim *stripeSim, extra ...string) *shop {
	t.Helper()
	if addr == "" {
		addr = proc.FreeAddr(t)
	}
	env := proc.Env(append([]string{
		"LISTEN_ADDR=" + addr,
		"BASE_URL=" + sim.shop,
		"DATABASE_URL=" + dbURL,
		"STRIPE_SECRET_KEY=" + stripeKey,
		"STRIPE_API_BASE=" + sim.base,
		"STRIPE_WEBHOOK_SECRET=" + webhookSecret,
		"SESSION_SECRET=a-session-secret-of-at-least-32-characters",
		"RECONCILE_INTERVAL=0",
		// One buyer starts hundreds of gifts here; the limit has its own test.
		"MAX_OPEN_CHECKOUTS=0",
	}, extra...)...)
	s := &shop{addr: addr, base: "http://" + addr, env: env}
	s.Process = proc.Start(t, "upgrades serve on "+addr, proc.Binary(t), env, "serve")
	s.WaitReady(t, s.base+"/readyz")
	return s
}

// restart starts the replica again on the same address, after a stop or a
// kill.
func (s *shop) restart(t *testing.T) {
	t.Helper()
	s.Process = proc.Start(t, "upgrades serve on "+s.addr, proc.Binary(t), s.env, "serve")
	s.WaitReady(t, s.base+"/readyz")
}

// webhookAnswers counts the shop's answers to webhooks with the status.
func (s *shop) webhookAnswers(status int) int {
	return strings.Count(s.Logs(), fmt.Sprintf(`"path":"/webhooks/receive","status":%d`, status))
}

// buyer is an account with an API key, which buys gifts.
type buyer struct {
	id     int64
	name   string
	apiKey string
}

// migrate applies the migrations with the binary, as an operator would.
func migrate(t *testing.T, dbURL string) {
	t.Helper()
	proc.MustRun(t, proc.Binary(t), proc.Env("DATABASE_URL="+dbURL), "migrate", "up")
}

// newBuyer creates the member who buys the gifts.
func newBuyer(t *testing.T, s *shop) *buyer {
	t.Helper()
	return newAccount(t, s, "buyer", "member", "--email", "buyer@example.com")
}

// newAccount creates a user at a level with `upgrades users create`, in
// the shop's configuration.
func newAccount(t *testing.T, s *shop, name, level string, flags ...string) *buyer {
	t.Helper()
	args := append([]string{"users", "create", name, "--password", "password of " + name, "--level", level}, flags...)
	out := proc.MustRun(t, proc.Binary(t), s.env, args...)
	var u struct {
		ID     int64  `json:"id"`
		APIKey string `json:"api_key"`
	}
	if err := json.Unmarshal([]byte(out), &u); err != nil || u.APIKey == "" {
		t.Fatalf("users create printed %q: %v", out, err)
	}
	return &buyer{id: u.ID, name: name, apiKey: u.APIKey}
}

// newRecipients creates n members straight in the database: hashing n
// passwords through the front door would only measure bcrypt.
func newRecipients(t *testing.T, db *sql.DB, n int) []int64 {
	t.Helper()
	rows, err := db.Query(`INSERT INTO users (name, password_hash, api_key, level)
		SELECT 'recipient' || g, 'not a hash', 'key-recipient-' || g, 20 FROM generate_series(1, $1) g
		RETURNING id`, n)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return ids
}

// checkout is a started upgrade as the API returns it.
type checkout struct {
	ID          int64  `json:"id"`
	RecipientID int64  `json:"recipient_id"`
	SessionID   string `json:"checkout_session_id"`
	URL         string `json:"checkout_url"`
	Status      string `json:"status"`
}

// giftGold starts a Gold gift for each recipient through the API of the
// replicas in turn, eight at a time.
func giftGold(t *testing.T, b *buyer, recipients []int64, replicas ...*shop) []checkout {
	t.Helper()
	out := make([]checkout, len(recipients))
	parallel(t, len(recipients), 8, func(i int) error {
		body, _ := json.Marshal(map[string]any{"user_id": recipients[i], "upgrade_type": "gold"})
		req, _ := http.NewRequest("POST", replicas[i%len(replicas)].base+"/user_upgrades.json", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.SetBasicAuth(b.name, b.apiKey)
		res, err := client.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusCreated {
			return fmt.Errorf("POST /user_upgrades.json for user %d: %d %s", recipients[i], res.StatusCode, raw)
		}
		if err := json.Unmarshal(raw, &out[i]); err != nil {
			return err
		}
		if out[i].Status != "pending" || out[i].SessionID == "" || out[i].URL == "" {
			return fmt.Errorf("a new upgrade is %s", raw)
		}
		return nil
	})
	return out
}

// pay presses a button on the simulated Stripe's checkout page: paid or
// delayed. The page answers with the way to the success URL.
func pay(c checkout, outcome string) error {
	return press(c.URL, outcome)
}

// settle settles a delayed payment: succeeded or failed.
func settle(c checkout, outcome string) error {
	return press(c.URL+"/settle", outcome)
}

func press(pageURL, outcome string) error {
	res, err := client.PostForm(pageURL, url.Values{"outcome": {outcome}})
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		raw, _ := io.ReadAll(res.Body)
		return fmt.Errorf("POST %s outcome=%s: %d %s", pageURL, outcome, res.StatusCode, raw)
	}
	return nil
}

// payAll pays every checkout by card, four at a time.
func payAll(t *testing.T, cs []checkout) {
	t.Helper()
	parallel(t, len(cs), 4, func(i int) error { return pay(cs[i], "paid") })
}

// payAllBreaking pays every checkout by card, four at a time, and calls
// breakIt once the first n payments are made. The payments under way then
// go on meanwhile; those not yet begun wait until breakIt has returned, so
// that some surely meet what it broke (however long breaking takes).
func payAllBreaking(t *testing.T, cs []checkout, n int, breakIt func()) {
	t.Helper()
	var paid atomic.Int32
	broken := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- each(len(cs), 4, func(i int) error {
			if paid.Load() >= int32(n) {
				<-broken
			}
			defer paid.Add(1)
			return pay(cs[i], "paid")
		})
	}()
	waitFor(t, 30*time.Second, fmt.Sprintf("%d payments", n), func() (bool, string) { return paid.Load() >= int32(n), "" })
	breakIt()
	close(broken)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// events reads every event of a type the simulated Stripe emitted, page
// by page, as raw JSON.
func (s *stripeSim) events(t *testing.T, typ string) [][]byte {
	t.Helper()
	var all [][]byte
	q := url.Values{"type": {typ}, "limit": {"100"}}
	for {
		req, _ := http.NewRequest("GET", s.base+"/v1/events?"+q.Encode(), nil)
		req.Header.Set("Authorization", "Bearer "+stripeKey)
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var page struct {
			Data    []json.RawMessage `json:"data"`
			HasMore bool              `json:"has_more"`
		}
		err = json.NewDecoder(res.Body).Decode(&page)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("GET /v1/events: %d %v", res.StatusCode, err)
		}
		for _, e := range page.Data {
			all = append(all, e)
		}
		if !page.HasMore {
			return all
		}
		var last struct{ ID string }
		json.Unmarshal(page.Data[len(page.Data)-1], &last)
		q.Set("starting_after", last.ID)
	}
}

// deliver posts an event to a replica's webhook, signed now as Stripe
// signs each attempt, and returns the status.
func deliver(s *shop, payload []byte) (int, error) {
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: webhookSecret, Timestamp: time.Now()})
	req, _ := http.NewRequest("POST", s.base+"/webhooks/receive", bytes.NewReader(payload))
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Stripe-Signature", signed.Header)
	res, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, nil
}

// parallel runs fn(0) … fn(n-1) on workers goroutines and fails the test
// with the first error.
func parallel(t *testing.T, n, workers int, fn func(i int) error) {
	t.Helper()
	if err := each(n, workers, fn); err != nil {
		t.Fatal(err)
	}
}

// each runs fn(0) … fn(n-1) on workers goroutines and returns the first
// error, with how many more there were.
func each(n, workers int, fn func(i int) error) error {
	next := make(chan int)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				if err := fn(i); err != nil {
					errs <- err
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return fmt.Errorf("%w (and %d more errors)", err, len(errs))
	}
	return nil
}

// waitFor polls cond every 100 ms until it holds or the deadline passes.
func waitFor(t *testing.T, within time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not happen within %s: %s", what, within, state)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitComplete waits until every upgrade of cs is complete.
func waitComplete(t *testing.T, db *sql.DB, cs []checkout, within time.Duration) {
	t.Helper()
	ids := upgradeIDs(cs)
	waitFor(t, within, fmt.Sprintf("completing %d upgrades", len(cs)), func() (bool, string) {
		var done int
		err := db.QueryRow(`SELECT count(*) FROM upgrades WHERE id = ANY($1) AND status = 'complete'`, ids).Scan(&done)
		if err != nil {
			return false, err.Error()
		}
		return done == len(cs), fmt.Sprintf("%d of %d complete", done, len(cs))
	})
}

func upgradeIDs(cs []checkout) []int64 {
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	return ids
}

// checkFulfilledOnce checks that every upgrade of cs was fulfilled exactly
// once: complete, one applied transition to complete in its history, its
// recipient at Gold with one message saying so, the buyer told once per
// gift, and every Stripe event stored and processed.
func checkFulfilledOnce(t *testing.T, db *sql.DB, b *buyer, cs []checkout) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ids := upgradeIDs(cs)
	count := func(query string, args ...any) int {
		t.Helper()
		var n int
		if err := db.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return n
	}
	n := len(cs)
	checks := []struct {
		what string
		got  int
	}{
		{"complete upgrades", count(`SELECT count(*) FROM upgrades WHERE id = ANY($1) AND status = 'complete'`, ids)},
		{"upgrades with exactly one fulfilment in their history", count(`
			SELECT count(*) FROM (
				SELECT upgrade_id FROM upgrade_history
				WHERE upgrade_id = ANY($1) AND to_status = 'complete' AND from_status <> 'complete' AND outcome = 'applied'
				GROUP BY upgrade_id HAVING count(*) = 1) once`, ids)},
		{"recipients at gold", count(`SELECT count(*) FROM users WHERE id IN (SELECT recipient_id FROM upgrades WHERE id = ANY($1)) AND level = 30`, ids)},
		{"recipients with exactly one upgrade message", count(`
			SELECT count(*) FROM (
				SELECT m.user_id FROM messages m JOIN upgrades u ON u.recipient_id = m.user_id
				WHERE u.id = ANY($1) AND m.body LIKE 'You have been upgraded to Gold!%'
				GROUP BY m.user_id HAVING count(*) = 1) once`, ids)},
		{"messages to the buyer", count(`SELECT count(*) FROM messages WHERE user_id = $1 AND body LIKE '% has been upgraded to Gold!%'`, b.id)},
	}
	for _, c := range checks {
		if c.got != n {
			t.Errorf("%s: %d, want %d", c.what, c.got, n)
		}
	}
	if left := count(`SELECT count(*) FROM stripe_events WHERE processed_at IS NULL`); left != 0 {
		t.Errorf("%d Stripe events were never processed", left)
	}
}
