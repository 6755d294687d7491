package e2e

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserOperations shows the owners' operations pages at each screen
// size, checked by axe: an anomaly (a second payment for a level already
// paid, left to the owners with AUTO_REFUND=false) with what can be done
// about it, a ban lifted and made again from a profile with its reason,
// and the audit trail that recorded both.
func TestBrowserOperations(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: builds the binary and starts a browser")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium is required in CI: %v", err)
		}
		t.Skipf("chromium is not installed at %s", chromiumPath)
	}
	base := startServer(t, "AUTO_REFUND=false")
	// alice buys Gold and bob gives her Gold; both pay: the second payment
	// raises nothing and waits for the owners.
	own := checkoutAs(t, base, "alice", url.Values{"upgrade_type": {"gold"}})
	gift := checkoutAs(t, base, "bob", url.Values{"upgrade_type": {"gold"}, "name": {"alice"}})
	pay(t, own)
	pay(t, gift)

	for _, sc := range screens {
		t.Run(sc.name, func(t *testing.T) {
			b := newBrowser(t, sc)
			b.do(t, chromedp.Navigate(base+"/login"))
			logIn(t, b, "owner")

			deadline := time.Now().Add(20 * time.Second)
			for b.do(t, chromedp.Navigate(base+"/anomalies")); !strings.Contains(b.page(), "Event that did not fit"); b.do(t, chromedp.Navigate(base+"/anomalies")) {
				if time.Now().After(deadline) {
					t.Fatalf("the anomaly never appeared:\n%s", b.page())
				}
				time.Sleep(200 * time.Millisecond)
			}
			b.loaded(t)
			if n := b.count(t, `a[href$="/refund"]`); n != 1 {
				t.Errorf("%d refund links on the anomaly, want 1", n)
			}
			if n := b.count(t, `form[action="/anomalies/resolve"] input[name="note"]`); n != 1 {
				t.Errorf("%d resolve forms, want 1", n)
			}
			b.check(t, "anomalies")

			// mallory is banned in the demo: lift the ban (phone) or
			// ban again (desktop), with a reason.
			action, reason := "Unban", "appeal accepted"
			mallory := run(t, b, chromedp.Evaluate[string](`fetch("/user_upgrades/new.json?name=mallory").then(r => r.json()).then(j => String(j.recipient.id))`, chromedp.EvalAwaitPromise))
			b.do(t, chromedp.Navigate(base+"/users/"+mallory))
			b.waitText(t, "mallory")
			if !strings.Contains(b.page(), "Lift the ban") {
				action, reason = "Ban", "chargebacks again"
			}
			b.check(t, "profile-owner-view")
			b.do(t,
				chromedp.SendKeys(chromedp.CSS(`main form[action$="ban"] input[name="reason"]`), reason),
				chromedp.Click(chromedp.CSS(`main form[action$="ban"] button`)),
			)
			b.waitText(t, map[string]string{"Unban": "mallory's sessions end", "Ban": "can log in and buy again"}[action])
			b.loaded(t)

			b.do(t, chromedp.Navigate(base+"/audit"))
			b.waitText(t, reason)
			b.loaded(t)
			b.check(t, "audit")
			b.do(t, chromedp.Navigate(base+"/audit?search%5Baction%5D=unban"))
			b.waitText(t, "appeal accepted")
			b.loaded(t)
			b.check(t, "audit-filtered")
		})
	}
}

// checkoutAs logs in as a demo user over HTTP and starts an upgrade; it
// returns the simulated Stripe's checkout page.
func checkoutAs(t *testing.T, base, name string, form url.Values) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	post := func(path string, v url.Values) *http.Response {
		t.Helper()
		resp, err := c.PostForm(base+path, v)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if r := post("/session", url.Values{"name": {name}, "password": {demoPassword}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("logging in %s: %s", name, r.Status)
	}
	r := post("/user_upgrades", form)
	if r.StatusCode != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "/pay/") {
		t.Fatalf("%s starting %v: %s to %q", name, form, r.Status, r.Header.Get("Location"))
	}
	return r.Header.Get("Location")
}

// pay pays a checkout by card on the simulated Stripe, as the buyer's
// button would.
func pay(t *testing.T, checkout string) {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(checkout, url.Values{"outcome": {"paid"}, "method": {"card"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 400 {
		t.Fatalf("paying %s: %s", checkout, resp.Status)
	}
}
