package stripesim_test

import (
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func wantPageHeaders(t *testing.T, what string, h http.Header) {
	t.Helper()
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self' https://shop.example;"} {
		if !strings.Contains(csp, want) {
			t.Errorf("%s: Content-Security-Policy %q lacks %q", what, csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "script-src") {
		t.Errorf("%s: Content-Security-Policy %q allows more than the page's style", what, csp)
	}
	for k, want := range map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"} {
		if got := h.Get(k); got != want {
			t.Errorf("%s: %s is %q, want %q", what, k, got, want)
		}
	}
}

// The hosted page cannot be framed and runs nothing but its own style,
// which its policy allows by hash (a policy that did not match would
// leave the page unstyled).
func TestHostedPageSendsSecurityHeaders(t *testing.T) {
	h := newHarness(t)
	s := h.createSession()
	resp, err := http.Get(s["url"].(string))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	wantPageHeaders(t, "the pay page", resp.Header)
	styles := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindAllStringSubmatch(string(body), -1)
	if len(styles) != 1 {
		t.Fatalf("the page has %d style elements, want 1", len(styles))
	}
	sum := sha256.Sum256([]byte(styles[0][1]))
	if hash := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(resp.Header.Get("Content-Security-Policy"), "style-src "+hash) {
		t.Errorf("the policy does not allow the page's style %s", hash)
	}
	if strings.Contains(string(body), "<script") || strings.Contains(string(body), " style=") {
		t.Error("the page has a script or an inline style attribute the policy would block")
	}

	resp, err = http.Get(h.url + "/pay/cs_test_nope")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	wantPageHeaders(t, "an unknown session's page", resp.Header)
}

// A form on another site that posts to the pay page, as a forged payment,
// cancellation or settlement would, is refused with 403 and changes
// nothing; the page's own forms work.
func TestHostedPageRefusesCrossOriginPosts(t *testing.T) {
	h := newHarness(t)
	open := h.createSession()["id"].(string)
	delayed := h.createSession()["id"].(string)
	if resp := h.press("/pay/"+delayed, "delayed"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delayed payment: %d", resp.StatusCode)
	}
	before := len(h.sim.Events())

	post := func(path, outcome string, headers map[string]string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("POST", h.url+path, strings.NewReader(url.Values{"outcome": {outcome}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		resp, err := browser.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	forged := map[string]map[string]string{
		"a modern browser": {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
		"a same-site page": {"Sec-Fetch-Site": "same-site", "Origin": "https://other.shop.example"},
		"an older browser": {"Origin": "https://evil.example"},
		"a null origin":    {"Origin": "null"},
	}
	for name, headers := range forged {
		for _, c := range []struct{ path, outcome string }{
			{"/pay/" + open, "paid"}, {"/pay/" + open, "cancel"}, {"/pay/" + delayed + "/settle", "succeeded"},
		} {
			resp := post(c.path, c.outcome, headers)
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s posting %s to %s: %d", name, c.outcome, c.path, resp.StatusCode)
			}
			wantPageHeaders(t, "a refusal", resp.Header)
		}
	}
	if n := len(h.sim.Events()) - before; n != 0 {
		t.Errorf("forged posts emitted %d events", n)
	}
	if s := h.session(open); s["status"] != "open" {
		t.Errorf("a forged post changed the session: %v", s["status"])
	}
	if pi := intent(h.session(delayed)); pi["status"] != "processing" {
		t.Errorf("a forged post settled the payment: %v", pi["status"])
	}

	// The page's own buttons.
	if resp := post("/pay/"+open, "paid", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": h.url}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("paying from the page: %d", resp.StatusCode)
	}
	if resp := post("/pay/"+delayed+"/settle", "succeeded", map[string]string{"Origin": h.url}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("settling from the page (origin only): %d", resp.StatusCode)
	}
}
