package e2e

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserSale shows the upgrade page in euros during a sale, at each
// screen size: the banner, the list price struck through beside the
// sale's, the currency switch; axe checks it, and the banner goes when
// dismissed.
func TestBrowserSale(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: builds the binary and starts a browser")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("chromium is not installed at %s", chromiumPath)
	}
	ends := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Hour).Format(time.RFC3339)
	base := startServer(t, "SALE_PERCENT=20", "SALE_ENDS="+ends, "SALE_NAME=Winter sale")
	for _, sc := range screens {
		t.Run(sc.name, func(t *testing.T) {
			b := newBrowser(t, sc)
			b.do(t, chromedp.Navigate(base+"/user_upgrades/new?country=DE"))
			b.waitText(t, "Winter sale")
			b.check(t, "shop-sale-eur")
			text := b.page()
			for _, want := range []string{"€16.00", "€12.80", "20% off every upgrade", "USD"} {
				if !strings.Contains(text, want) {
					t.Errorf("the page lacks %q:\n%s", want, text)
				}
			}
			if n := b.count(t, ".offer del"); n == 0 {
				t.Error("no list price is struck through")
			}
			b.do(t, chromedp.Click(chromedp.CSS(`.sale-banner button`)), chromedp.WaitNotPresent(`.sale-banner`))
			b.waitText(t, "€12.80")
			b.check(t, "shop-sale-dismissed")
		})
	}
}
