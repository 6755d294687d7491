package component

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"go.uber.org/fx"

	"upgrades/application"
	"upgrades/cmd/upgrades/server"
	"upgrades/domain"
	"upgrades/test/proc"
)

// scrape reads the metrics served on addr.
func scrape(t *testing.T, addr string) string {
	t.Helper()
	res, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d\n%s", res.StatusCode, body)
	}
	return string(body)
}

// sample is the value of the series name with (at least) labels in a
// scrape, and whether there is one.
func sample(scraped, name string, labels ...string) (float64, bool) {
	for _, line := range strings.Split(scraped, "\n") {
		series, value, ok := strings.Cut(line, " ")
		if !ok || (series != name && !strings.HasPrefix(series, name+"{")) {
			continue
		}
		match := true
		for i := 0; i+1 < len(labels); i += 2 {
			match = match && strings.Contains(series, fmt.Sprintf("%s=%q", labels[i], labels[i+1]))
		}
		if match {
			v, err := strconv.ParseFloat(value, 64)
			return v, err == nil
		}
	}
	return 0, false
}

func wantSample(t *testing.T, scraped string, want float64, name string, labels ...string) {
	t.Helper()
	if got, ok := sample(scraped, name, labels...); !ok || got != want {
		t.Errorf("%s%v = %v (present %t), want %v", name, labels, got, ok, want)
	}
}

func TestMetricsMoveWithAPurchase(t *testing.T) {
	addr := proc.FreeAddr(t)
	e := start(t, nil, server.Metrics(addr),
		fx.Decorate(func(application.WebhookVerifier) application.WebhookVerifier { return fakeVerifier{} }))
	before := scrape(t, addr)
	wantSample(t, before, 0, "upgrades_open_upgrades", "status", "pending")
	wantSample(t, before, 0, "upgrades_unprocessed_events")
	wantSample(t, before, 0, "upgrades_automatic_refunds_total")
	wantSample(t, before, 0, "upgrades_code_redemptions_total")
	wantSample(t, before, 0, "upgrades_reconciler_runs_total", "result", "failed")

	alice := e.user("alice", domain.LevelMember)
	u := e.api(alice).buy("gold", 0)
	wantSample(t, scrape(t, addr), 1, "upgrades_open_upgrades", "status", "pending")

	post := func(body, sig string) *response {
		return e.browser().do("POST", "/webhooks/receive?source=stripe", strings.NewReader(body), http.Header{"Stripe-Signature": {sig}, "Content-Type": {"application/json"}})
	}
	paid := fmt.Sprintf(`{"id":"evt_paid","kind":"checkout_paid","upgrade_id":%d,"session_id":%q,"amount":%d,"currency":%q}`,
		u.ID, u.CheckoutSessionID, u.Amount, u.Currency)
	post(paid, "good").status(http.StatusOK)
	post(paid, "good").status(http.StatusOK)
	post(paid, "forged").status(http.StatusBadRequest)
	post(`{"id":"evt_odd"}`, "good").status(http.StatusOK)
	e.api(alice).get(fmt.Sprintf("/user_upgrades/%d.json", u.ID)).contains(`"status":"complete"`)

	after := scrape(t, addr)
	wantSample(t, after, 1, "upgrades_webhooks_total", "type", "checkout.session.completed", "outcome", "applied")
	wantSample(t, after, 1, "upgrades_webhooks_total", "type", "checkout.session.completed", "outcome", "duplicate")
	wantSample(t, after, 1, "upgrades_webhooks_total", "type", "other", "outcome", "rejected")
	wantSample(t, after, 1, "upgrades_webhooks_total", "type", "other", "outcome", "unhandled")
	wantSample(t, after, 1, "upgrades_fulfilments_total")
	wantSample(t, after, 1, "upgrades_fulfilment_duration_seconds_count")
	wantSample(t, after, 1, "upgrades_stripe_request_duration_seconds_count", "operation", "create_checkout", "outcome", "ok")
	wantSample(t, after, 3, "upgrades_http_request_duration_seconds_count", "method", "POST", "route", "/webhooks/receive", "status", "200")
	wantSample(t, after, 1, "upgrades_http_request_duration_seconds_count", "method", "POST", "route", "/webhooks/receive", "status", "400")
	wantSample(t, after, 0, "upgrades_open_upgrades", "status", "pending")
	if _, ok := sample(after, "go_goroutines"); !ok {
		t.Error("Go's runtime is not in the scrape")
	}
	// The route template, never the path: one series for every upgrade.
	if strings.Contains(after, fmt.Sprintf(`route="/user_upgrades/%d`, u.ID)) {
		t.Errorf("a raw path is a label:\n%s", after)
	}
	if _, ok := sample(after, "upgrades_http_request_duration_seconds_count", "method", "GET", "status", "200", "route", "/user_upgrades/:id"); !ok {
		t.Errorf("no series for the upgrade page's route template:\n%s", grep(after, "upgrades_http_request_duration_seconds_count"))
	}
}

func TestThePublicListenerDoesNotServeMetrics(t *testing.T) {
	addr := proc.FreeAddr(t)
	e := start(t, nil, server.Metrics(addr))
	scrape(t, addr)
	for _, path := range []string{"/metrics", "/metrics/", "/_stripe/metrics"} {
		r := e.browser().get(path)
		if r.Status == http.StatusOK || strings.Contains(r.Body, "upgrades_http_request_duration_seconds") {
			t.Errorf("the public listener answers %s with %d:\n%s", path, r.Status, r.Body)
		}
	}
}

func grep(s, prefix string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestMetricsCountCodeRedemptions(t *testing.T) {
	addr := proc.FreeAddr(t)
	e := start(t, nil, server.Metrics(addr))
	olivia, carol := e.user("olivia", domain.LevelOwner), e.user("carol", domain.LevelMember)
	code := e.mint(olivia, "gold", 1)[0]
	e.api(carol).json("POST", "/upgrade_codes/redeem.json", map[string]any{"code": code}).status(http.StatusOK)
	e.api(carol).json("POST", "/upgrade_codes/redeem.json", map[string]any{"code": code}).status(http.StatusUnprocessableEntity)
	wantSample(t, scrape(t, addr), 1, "upgrades_code_redemptions_total")
}
