// Package e2e drives the real upgrades binary with a real browser: the
// in-memory store and the simulated Stripe, as `go tool task run` starts it.
// Every page it visits, at a phone's width and at a laptop's, is checked
// with axe-core for WCAG 2.1 A and AA violations and for sideways
// scrolling; with SCREENSHOTS_DIR set, it also saves a PNG of each.
package e2e

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"upgrades/test/proc"
)

const chromiumPath = "/usr/bin/chromium"

// axeSource is axe-core's minified script, vendored with its licence
// (axe/): the check then needs neither node nor the network, and the
// rules only change when the file is updated on purpose.
//
//go:embed axe/axe.min.js
var axeSource string

// demoPassword is the password of the demo users `upgrades serve` seeds
// in memory (cmd/upgrades/server.DemoPassword).
const demoPassword = "upgrade-demo"

// screen is a browser window size the pages must work at.
type screen struct {
	name          string
	width, height int64
}

var screens = []screen{{"phone", 390, 844}, {"desktop", 1280, 900}}

// TestBrowser walks through the shop as people would, at each screen
// size: a visitor, a buyer who mistypes a gift's recipient and cancels a
// checkout before paying, a delayed bank debit watched on the status
// page, the owner's refund with its confirmation and the sales page, and
// the error pages.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: builds the binary and starts a browser")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium is required in CI: %v (apt-get install chromium chromium-driver)", err)
		}
		t.Skipf("chromium is not installed at %s", chromiumPath)
	}
	if !strings.Contains(axeSource, "axe v4") {
		t.Fatal("test/e2e/axe/axe.min.js is not axe-core 4")
	}
	base := startServer(t)
	for _, sc := range screens {
		t.Run(sc.name, func(t *testing.T) { walkThrough(t, base, sc) })
	}
}

func walkThrough(t *testing.T, base string, sc screen) {
	b := newBrowser(t, sc)
	buyer, friend := "erin-"+sc.name, "finn-"+sc.name
	signUp(t, base, friend)

	t.Run("a visitor is offered to log in or sign up, and comes back", func(t *testing.T) {
		b.do(t, chromedp.Navigate(base+"/user_upgrades/new"))
		b.check(t, "shop-visitor")
		// The check can fail: an image without a text alternative and a
		// field without a label are found.
		b.do(t, chromedp.Evaluate[chromedp.Void](`document.querySelector("main").insertAdjacentHTML("beforeend",
			'<img src="/assets/none.png" id="axe-probe-img"><input id="axe-probe-input">')`))
		found := map[string]bool{}
		for _, v := range b.axe(t) {
			found[v.ID] = true
		}
		if !found["image-alt"] || !found["label"] {
			t.Fatalf("axe missed planted violations: found %v", found)
		}
		if n := b.count(t, `form[action="/user_upgrades"] button`); n != 0 {
			t.Errorf("a visitor sees %d buy buttons", n)
		}
		b.do(t, chromedp.Click(`(//a[.="Sign up"])[last()]`))
		b.waitText(t, "8 to 72 characters")
		b.check(t, "signup")
		b.do(t,
			chromedp.SendKeys(chromedp.CSS(`main input[name="name"]`), buyer),
			chromedp.SendKeys(chromedp.CSS(`main input[name="password"]`), "erins password"),
			chromedp.SendKeys(chromedp.CSS(`main input[name="email"]`), buyer+"@example.com"),
			chromedp.Click(chromedp.CSS(`main button[type="submit"]`)),
		)
		b.waitText(t, "Upgrade your account")
		if loc := b.location(); !strings.HasSuffix(loc, "/user_upgrades/new") {
			t.Errorf("after signing up the visitor is at %s, not back at the offer", loc)
		}
		b.check(t, "shop")
		b.do(t, chromedp.Navigate(base+"/upgrade"))
		b.waitText(t, "What each level gets")
		b.waitText(t, "Is this a subscription?")
		b.check(t, "upgrade-compare")
		b.do(t, chromedp.Click(chromedp.CSS(`a.me`)))
		b.waitText(t, "Your API key")
		b.check(t, "profile")
	})

	var giftURL string // the status page of the gift, once paid
	const note = `Happy birthday! <b>Enjoy</b> & "shine"`
	t.Run("a mistyped recipient keeps the gift; a cancelled checkout says nothing was charged", func(t *testing.T) {
		b.do(t,
			chromedp.Navigate(base+"/user_upgrades/new"),
			chromedp.SendKeys(chromedp.CSS(`#recipient-name`), "nobody-"+sc.name),
			chromedp.Click(chromedp.CSS(`form.recipient button[type="submit"]`)),
		)
		b.waitText(t, "Nobody is called")
		b.check(t, "shop-gift-name-error")
		if h1 := run(t, b, chromedp.Text(chromedp.CSS("main h1"))); h1 != "Give someone an upgrade" {
			t.Errorf("after a mistyped name the page is headed %q", h1)
		}
		if n := b.count(t, `form[action="/user_upgrades"] button`); n != 0 {
			t.Errorf("%d buy buttons with no recipient chosen", n)
		}
		if d := b.eval(t, `document.getElementById("recipient-name").getAttribute("aria-describedby")`); d != "recipient-problem" {
			t.Errorf("the field is not described by its error: %q", d)
		}

		b.do(t,
			chromedp.Evaluate[chromedp.Void](`document.getElementById("recipient-name").value = ""`),
			chromedp.SendKeys(chromedp.CSS(`#recipient-name`), friend),
			chromedp.Click(chromedp.CSS(`form.recipient button[type="submit"]`)),
		)
		b.waitText(t, "Give "+friend+" an upgrade")
		// The note's counter says what is left as one types.
		b.do(t, chromedp.SendKeys(chromedp.CSS(`#gift-note`), note))
		b.waitText(t, fmt.Sprintf("%d characters left", 280-len(note)))
		b.check(t, "shop-gift")
		b.do(t, chromedp.Click(`//button[contains(., "Give Platinum for $40.00")]`))
		b.waitText(t, "Simulated Stripe Checkout")
		b.waitText(t, "$40.00")
		b.waitText(t, friend)
		b.check(t, "stripe-pay")
		b.do(t, chromedp.Click(chromedp.CSS(`button[value="cancel"]`)))
		b.waitText(t, "Checkout cancelled — you were not charged")
		b.check(t, "shop-cancelled")

		b.do(t, chromedp.Navigate(base+"/user_upgrades"))
		b.waitText(t, "Awaiting payment")
		b.check(t, "list")

		// Choosing it again goes back to the same checkout, and pays.
		b.do(t, chromedp.Navigate(base+"/user_upgrades/new?name="+friend))
		b.do(t, chromedp.Click(`//button[contains(., "Give Platinum for $40.00")]`))
		b.waitText(t, "Simulated Stripe Checkout")
		b.do(t, chromedp.Click(chromedp.CSS(`button[value="paid"]`)))
		b.waitText(t, friend+" is now Platinum!")
		giftURL = strings.SplitN(b.location(), "?", 2)[0]
		b.check(t, "status-complete")
	})

	t.Run("the recipient finds the gift's note and the unread count", func(t *testing.T) {
		b.logOut(t)
		logInWith(t, b, friend, friend+" password")
		if n := run(t, b, chromedp.Text(chromedp.CSS(`a[href="/messages"] .badge.count`))); !strings.HasPrefix(n, "1") {
			t.Errorf("the navigation counts %q unread", n)
		}
		b.check(t, "profile-unread")
		b.do(t, chromedp.Click(chromedp.CSS(`a[href="/messages"]`)))
		b.waitText(t, "who wrote: “"+note+"”")
		b.check(t, "messages-gift")
		if n := b.count(t, `a[href="/messages"] .badge.count`); n != 0 {
			t.Error("the count stays on the messages page")
		}
		b.do(t, chromedp.Click(chromedp.CSS(`.messages a[href^="/user_upgrades/"]`)))
		b.waitText(t, "A note from "+buyer)
		b.waitText(t, note)
		b.check(t, "status-gift-note")
		b.logOut(t)
		logInWith(t, b, buyer, "erins password")
	})

	t.Run("the status page follows a bank debit without reloading", func(t *testing.T) {
		b.do(t,
			chromedp.Navigate(base+"/user_upgrades/new"),
			chromedp.Click(`//button[contains(., "Buy Gold for $20.00")]`),
		)
		b.waitText(t, "Simulated Stripe Checkout")
		checkout := b.location()
		b.do(t, chromedp.Click(chromedp.CSS(`button[value="delayed"]`)))
		b.waitText(t, "Your payment is on its way.")
		b.check(t, "status-processing")
		if n := b.count(t, `meta[http-equiv="refresh"]`); n != 0 {
			t.Error("the status page still reloads itself")
		}
		if role := b.eval(t, `document.getElementById("poll-status").getAttribute("role")`); role != "status" {
			t.Errorf("the poll's news are not announced (role %q)", role)
		}
		b.do(t, chromedp.Evaluate[chromedp.Void](`window.sameDocument = true`))

		// After a while it stops asking and offers to check again; the
		// while is cut to nothing here.
		b.do(t, chromedp.Evaluate[chromedp.Void](`document.querySelector("[data-poll]").setAttribute("data-poll-for", "0")`))
		b.waitText(t, "Stopped checking")
		b.do(t, chromedp.WaitVisible(chromedp.CSS(`#check-again`)))
		b.do(t,
			chromedp.Evaluate[chromedp.Void](`document.querySelector("[data-poll]").setAttribute("data-poll-for", "600")`),
			chromedp.Click(chromedp.CSS(`#check-again`)),
		)
		b.waitText(t, "checks for news every few seconds")

		// The bank settles, as its webhook would say, while the page is open.
		settle(t, checkout, "succeeded")
		b.waitText(t, "Your account is now Gold!")
		if b.eval(t, `String(window.sameDocument === true)`) != "true" {
			t.Error("the status page reloaded instead of updating in place")
		}
		if news := b.eval(t, `document.getElementById("poll-status").textContent`); !strings.Contains(news, "Your account is now Gold!") {
			t.Errorf("the live region says %q", news)
		}

		b.do(t, chromedp.Navigate(base+"/messages"))
		b.waitText(t, "You have been upgraded to Gold!")
		b.check(t, "messages")
	})

	t.Run("a code bought, copied and redeemed by someone else", func(t *testing.T) {
		// The buyer is Gold now: the upgrade page offers Gold codes no
		// more, the codes page does.
		b.do(t,
			chromedp.Navigate(base+"/upgrade_codes"),
			chromedp.Click(`//button[.="Buy codes"]`),
		)
		b.waitText(t, "Simulated Stripe Checkout")
		b.do(t, chromedp.Click(chromedp.CSS(`button[value="paid"]`)))
		b.waitText(t, "Your Gold code is ready!")
		b.check(t, "status-codes")
		b.do(t, chromedp.Click(chromedp.CSS(`header.site a[href="/upgrade_codes"]`)))
		b.waitText(t, "Codes you bought or redeemed")
		b.do(t, chromedp.WaitVisible(chromedp.CSS(`button.copy`)))
		b.check(t, "codes")
		code := run(t, b, chromedp.Text(chromedp.CSS(`td code.code`)))
		b.do(t, chromedp.Click(chromedp.CSS(`button.copy`)))
		b.waitText(t, "Copied")
		b.do(t, chromedp.Navigate(base+"/upgrade_codes?view=print"))
		b.waitText(t, code)
		b.check(t, "codes-print")

		redeemer := "gina-" + sc.name
		signUp(t, base, redeemer)
		b.logOut(t)
		logInWith(t, b, redeemer, redeemer+" password")
		b.do(t, chromedp.Click(chromedp.CSS(`a.me`)))
		b.do(t, chromedp.Click(`//a[.="Redeem a code"]`))
		b.waitText(t, "Your code")
		b.check(t, "redeem")
		// A typo first: refused on the form, which keeps what was typed.
		b.do(t,
			chromedp.SendKeys(chromedp.CSS(`main input[name="code"]`), "nope"),
			chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		)
		b.waitText(t, "this code is not valid")
		b.check(t, "redeem-invalid")
		b.do(t,
			chromedp.Evaluate[chromedp.Void](`document.querySelector('main input[name="code"]').value = ""`),
			chromedp.SendKeys(chromedp.CSS(`main input[name="code"]`), strings.ToLower(code)),
			chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		)
		b.waitText(t, "You are now Gold, with a code from "+buyer+".")
		b.check(t, "profile-redeemed")
		b.logOut(t)
		logInWith(t, b, buyer, "erins password")
	})

	t.Run("the owner refunds after confirming", func(t *testing.T) {
		b.logOut(t)
		b.check(t, "login")
		logIn(t, b, "owner")
		b.do(t, chromedp.Navigate(base+"/user_upgrades"))
		b.waitText(t, "All upgrades")
		b.check(t, "list-owner")
		if n := b.count(t, `form[action$="/refund"]`); n != 0 {
			t.Errorf("the list refunds from a row (%d forms)", n)
		}

		b.do(t, chromedp.Navigate(giftURL))
		b.waitText(t, "History")
		b.check(t, "status-owner")
		b.do(t, chromedp.Click(`//a[contains(., "Refund $40.00")]`))
		b.waitText(t, "Refund $40.00 to "+buyer)
		b.waitText(t, friend+" goes back from Platinum to Member")
		b.check(t, "refund-confirm")
		b.do(t, chromedp.Click(`//button[contains(., "Refund $40.00")]`))
		b.waitText(t, "Refunded $40.00 to "+buyer)
		b.waitText(t, friend+" is back to Member")
		b.check(t, "refunded")

		// The sale and its refund are on today's row of the sales page.
		b.do(t, chromedp.Click(chromedp.CSS(`header.site a[href="/sales"]`)))
		b.waitText(t, "USD by day and type")
		if n := b.count(t, `figure.chart svg[role="img"] rect.bar-refunds`); n == 0 {
			t.Error("the chart shows no refund")
		}
		b.check(t, "sales")
	})

	t.Run("Gold and Platinum members are told what they can do", func(t *testing.T) {
		b.logOut(t)
		logIn(t, b, "goldie")
		b.do(t, chromedp.Navigate(base+"/user_upgrades/new"))
		b.waitText(t, "You're Gold: get Platinum for the difference")
		if n := b.count(t, `.offer`); n != 1 {
			t.Errorf("a Gold member sees %d offers, want the one Platinum card", n)
		}
		b.check(t, "shop-gold")

		b.logOut(t)
		logIn(t, b, "plato")
		b.do(t, chromedp.Navigate(base+"/user_upgrades/new"))
		b.waitText(t, "your account is at the top")
		if n := b.count(t, `.offer`); n != 0 {
			t.Errorf("a Platinum member sees %d offers they cannot buy", n)
		}
		b.check(t, "shop-platinum")
	})

	t.Run("error pages say what happened and where to go", func(t *testing.T) {
		b.do(t, chromedp.Navigate(giftURL))
		b.waitText(t, "isn't yours to see")
		b.check(t, "error-forbidden")
		b.do(t, chromedp.Navigate(base+"/user_upgrades/999999"))
		b.waitText(t, "Your upgrades")
		b.check(t, "error-not-found")
		b.logOut(t)
		b.do(t, chromedp.Navigate(base+"/messages"))
		b.waitText(t, "Please log in")
		b.check(t, "error-login")
	})
}

// startServer runs `upgrades serve` as `go tool task run` does, on a free
// loopback port, until the test ends.
func startServer(t *testing.T, extra ...string) string {
	t.Helper()
	addr := proc.FreeAddr(t)
	base := "http://" + addr
	srv := proc.Start(t, "upgrades serve", proc.Binary(t), proc.Env(append([]string{"LISTEN_ADDR=" + addr, "BASE_URL=" + base}, extra...)...), "serve")
	srv.WaitReady(t, base+"/readyz")
	t.Cleanup(func() { srv.Stop(t) })
	return base
}

// signUp creates an account through the JSON API.
func signUp(t *testing.T, base, name string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"name": name, "password": name + " password"})
	resp, err := http.Post(base+"/users.json", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("signing up %s: %s", name, resp.Status)
	}
}

// settle decides a delayed payment on the simulated Stripe, as the
// person's bank would, without the browser.
func settle(t *testing.T, checkout, outcome string) {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm(checkout+"/settle", url.Values{"outcome": {outcome}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 400 {
		t.Fatalf("settling %s: %s", checkout, resp.Status)
	}
}

// logIn fills in the login form of the current page as a demo user.
func logIn(t *testing.T, b *browser, name string) {
	t.Helper()
	logInWith(t, b, name, demoPassword)
}

func logInWith(t *testing.T, b *browser, name, password string) {
	t.Helper()
	b.do(t,
		chromedp.SendKeys(chromedp.CSS(`main form[action="/session"] input[name="name"]`), name),
		chromedp.SendKeys(chromedp.CSS(`main form[action="/session"] input[name="password"]`), password),
		chromedp.Click(chromedp.CSS(`main form[action="/session"] button[type="submit"]`)),
	)
	b.waitText(t, "Log out")
	b.loaded(t)
}

// loaded waits until the current page has finished loading, so that the
// next navigation does not cut a redirect short.
func (b *browser) loaded(t *testing.T) {
	t.Helper()
	run(t, b, chromedp.Poll[bool](`document.readyState === "complete"`, chromedp.WithPollingTimeout(20*time.Second)))
}

// logOut presses "Log out" and waits for the login page it leads to.
func (b *browser) logOut(t *testing.T) {
	t.Helper()
	b.do(t, chromedp.Click(chromedp.CSS(`form[action="/session/destroy"] button`)))
	deadline := time.Now().Add(20 * time.Second)
	for !strings.HasSuffix(b.location(), "/login") || !strings.Contains(b.page(), "Sign up") {
		if time.Now().After(deadline) {
			t.Fatalf("logging out ended at %s", b.location())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// browser is one headless Chromium with a fresh profile, at one screen
// size.
type browser struct {
	ctx    context.Context
	screen screen
}

func newBrowser(t *testing.T, sc screen) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(int(sc.width), int(sc.height)),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first action starts the browser, for as long as ctx lives.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(sc.width, sc.height)); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return &browser{ctx: ctx, screen: sc}
}

// do performs actions in order, each given at most 20 seconds.
func (b *browser) do(t *testing.T, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	for _, step := range steps {
		run(t, b, step)
	}
}

// run performs one action within 20 seconds and returns its value.
func run[T any](t *testing.T, b *browser, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("browser: %v\nat %s; page:\n%s", err, b.location(), b.page())
	}
	return v
}

func (b *browser) eval(t *testing.T, js string) string {
	t.Helper()
	return run(t, b, chromedp.Evaluate[string](js))
}

func (b *browser) count(t *testing.T, css string) int {
	t.Helper()
	return run(t, b, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%q).length`, css)))
}

// waitText polls the page until its visible text holds want (ignoring
// case), across navigations.
func (b *browser) waitText(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if strings.Contains(strings.ToLower(b.page()), strings.ToLower(want)) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%q never appeared at %s; page:\n%s", want, b.location(), b.page())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// violation is one axe-core rule a page breaks, with the elements.
type violation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// axeRun runs the WCAG 2.1 A and AA rules on the loaded page; the script
// is injected first when the page does not have it yet.
const axeRun = `(async () => {
  const r = await axe.run(document, {
    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
    resultTypes: ['violations'],
  });
  return r.violations.map(v => ({id: v.id, impact: v.impact || '', help: v.help,
    nodes: v.nodes.map(n => n.target.join(' ') + ' — ' + (n.failureSummary || '').replace(/\s+/g, ' '))}));
})()`

// check is run on every page the walk reaches: once it has loaded, axe
// must find no WCAG 2.1 A or AA violation, and nothing may stick out
// sideways. With SCREENSHOTS_DIR set, the page is saved there as
// <name>-<screen>.png.
func (b *browser) check(t *testing.T, name string) {
	t.Helper()
	for _, v := range b.axe(t) {
		t.Errorf("%s (%s): axe %s (%s): %s\n\t%s", name, b.location(), v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n\t"))
	}
	if wide := b.eval(t, `String(document.documentElement.scrollWidth - document.documentElement.clientWidth)`); wide != "0" {
		t.Errorf("%s (%s): the page is %s px wider than the %d px screen", name, b.location(), wide, b.screen.width)
	}
	if dir := os.Getenv("SCREENSHOTS_DIR"); dir != "" {
		png := run(t, b, chromedp.FullScreenshot(100))
		file := filepath.Join(dir, name+"-"+b.screen.name+".png")
		if err := os.WriteFile(file, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// axe runs axe-core's WCAG 2.1 A and AA rules on the loaded page.
func (b *browser) axe(t *testing.T) []violation {
	t.Helper()
	b.loaded(t)
	if run(t, b, chromedp.Evaluate[bool](`typeof window.axe === "undefined"`)) {
		run(t, b, chromedp.Evaluate[chromedp.Void](axeSource))
	}
	return run(t, b, chromedp.Evaluate[[]violation](axeRun, chromedp.EvalAwaitPromise))
}

// page is the visible text of the current page, or "" mid-navigation.
func (b *browser) page() string {
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
	defer cancel()
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	return text
}

func (b *browser) location() string {
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	return loc
}
