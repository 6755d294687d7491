// Package e2e drives the real upgrades binary with a real browser: the
// in-memory store and the simulated Stripe, as `go tool task run` starts it.
package e2e

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"upgrades/test/proc"
)

const chromiumPath = "/usr/bin/chromium"

// TestBrowserPurchases walks through the shop as a person would: sign up,
// log in, give bob Platinum paid by card, and buy Gold for oneself paid by
// a bank debit that settles later.
func TestBrowserPurchases(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: builds the binary and starts a browser")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium is required in CI: %v (apt-get install chromium chromium-driver)", err)
		}
		t.Skipf("chromium is not installed at %s", chromiumPath)
	}
	base := startServer(t)
	b := newBrowser(t)

	t.Run("sign up, log in and give bob Platinum", func(t *testing.T) {
		b.do(t,
			chromedp.Navigate(base+"/users/new"),
			chromedp.SendKeys(chromedp.CSS(`form[action="/users"] input[name="name"]`), "erin"),
			chromedp.SendKeys(chromedp.CSS(`form[action="/users"] input[name="password"]`), "erins password"),
			chromedp.SendKeys(chromedp.CSS(`form[action="/users"] input[name="email"]`), "erin@example.com"),
			chromedp.Click(chromedp.CSS(`form[action="/users"] button[type="submit"]`)),
		)
		b.waitText(t, "Your API key")

		b.do(t, chromedp.Click(chromedp.CSS(`form[action="/session/destroy"] button`)))
		b.waitText(t, "Log in")
		b.do(t,
			chromedp.SendKeys(chromedp.CSS(`main form[action="/session"] input[name="name"]`), "erin"),
			chromedp.SendKeys(chromedp.CSS(`main form[action="/session"] input[name="password"]`), "erins password"),
			chromedp.Click(chromedp.CSS(`main form[action="/session"] button[type="submit"]`)),
		)
		b.waitText(t, "Your API key")

		b.do(t,
			chromedp.Navigate(base+"/user_upgrades/new"),
			chromedp.SendKeys(chromedp.CSS(`form.recipient input[name="name"]`), "bob"),
			chromedp.Click(chromedp.CSS(`form.recipient button[type="submit"]`)),
		)
		b.waitText(t, "Give bob an upgrade")
		b.do(t, chromedp.Click(`//button[contains(., "Give Platinum for $40.00")]`))

		// The simulated Stripe's hosted page.
		b.waitText(t, "Simulated Stripe Checkout")
		b.waitText(t, "$40.00")
		b.do(t, chromedp.Click(chromedp.CSS(`button[value="paid"]`)))

		b.waitText(t, "bob is now Platinum!")
		b.waitText(t, "COMPLETE")
		b.do(t, chromedp.Click(`//dt[.="For"]/following-sibling::dd[1]/a`))
		b.waitText(t, "Level Platinum")
		if h1 := run(t, b, chromedp.Text(chromedp.CSS("main h1"))); h1 != "bob" {
			t.Fatalf("the recipient's profile is headed %q", h1)
		}
	})

	t.Run("buy Gold with a delayed payment that settles", func(t *testing.T) {
		b.do(t,
			chromedp.Navigate(base+"/user_upgrades/new"),
			chromedp.Click(`//button[contains(., "Buy Gold for $20.00")]`),
		)
		b.waitText(t, "Simulated Stripe Checkout")
		checkout := run(t, b, chromedp.Location())
		b.do(t, chromedp.Click(chromedp.CSS(`button[value="delayed"]`)))

		b.waitText(t, "Your payment is on its way.")
		b.waitText(t, "PROCESSING")

		// The bank settles: on the simulated page, which offers it now.
		b.do(t, chromedp.Navigate(checkout))
		b.waitText(t, "The payment is processing")
		b.do(t, chromedp.Click(chromedp.CSS(`button[value="succeeded"]`)))

		b.waitText(t, "Your account is now Gold!")
		b.waitText(t, "COMPLETE")
		b.do(t, chromedp.Navigate(base+"/messages"))
		b.waitText(t, "You have been upgraded to Gold!")
		b.waitText(t, "bob has been upgraded to Platinum!")
	})
}

// startServer runs `upgrades serve` as `go tool task run` does, on a free
// loopback port, until the test ends.
func startServer(t *testing.T) string {
	t.Helper()
	addr := proc.FreeAddr(t)
	base := "http://" + addr
	srv := proc.Start(t, "upgrades serve", proc.Binary(t), proc.Env("LISTEN_ADDR="+addr, "BASE_URL="+base), "serve")
	srv.WaitReady(t, base+"/readyz")
	t.Cleanup(func() { srv.Stop(t) })
	return base
}

// browser is one headless Chromium with a fresh profile.
type browser struct {
	ctx context.Context
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(390, 844), // a phone's screen
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first action starts the browser, for as long as ctx lives.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return &browser{ctx: ctx}
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

// waitText polls the page until its visible text holds want (ignoring
// case), across the reloads of the status page.
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
