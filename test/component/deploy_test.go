package component

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"go.uber.org/fx"
	"go.yaml.in/yaml/v3"

	"upgrades/application"
	"upgrades/cmd/upgrades/server"
	"upgrades/domain"
	"upgrades/test/dbtest"
	"upgrades/test/proc"
)

// metricName finds the series names in a PromQL expression: ours, the
// database pool's and Go's.
var metricName = regexp.MustCompile(`\b(?:upgrades|go|process)_[a-z0-9_]+\b`)

// TestDashboardAndAlertsNameScrapedMetrics reads deploy/'s Grafana
// dashboard and Prometheus rules and checks that every series they query
// is in a scrape of a server on PostgreSQL after a purchase, so that a
// renamed metric cannot leave a panel or an alert silently empty.
func TestDashboardAndAlertsNameScrapedMetrics(t *testing.T) {
	var dashboard struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	readInto(t, "../../deploy/grafana-dashboard.json", json.Unmarshal, &dashboard)
	var rules struct {
		Groups []struct {
			Rules []struct {
				Alert string
				Expr  string
			}
		}
	}
	readInto(t, "../../deploy/prometheus-alerts.yml", yaml.Unmarshal, &rules)

	exprs := map[string]string{} // expression → where it is
	for _, p := range dashboard.Panels {
		for _, tg := range p.Targets {
			exprs[tg.Expr] = "panel " + p.Title
		}
	}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			exprs[r.Expr] = "alert " + r.Alert
		}
	}
	if len(dashboard.Panels) < 5 || len(exprs) < 10 {
		t.Fatalf("read %d panels and %d expressions: the files were not understood", len(dashboard.Panels), len(exprs))
	}

	addr := proc.FreeAddr(t)
	e := start(t, map[string]string{"DATABASE_URL": dbtest.New(t), "STRIPE_SIMULATED": "true"}, server.Metrics(addr),
		fx.Decorate(func(application.WebhookVerifier) application.WebhookVerifier { return fakeVerifier{} }))
	alice := e.user("alice", domain.LevelMember)
	u := e.api(alice).buy("gold", 0)
	paid := fmt.Sprintf(`{"id":"evt_paid","kind":"checkout_paid","upgrade_id":%d,"session_id":%q,"amount":%d,"currency":%q}`,
		u.ID, u.CheckoutSessionID, u.Amount, u.Currency)
	e.browser().do("POST", "/webhooks/receive?source=stripe", strings.NewReader(paid), http.Header{"Stripe-Signature": {"good"}}).status(http.StatusOK)
	scraped := map[string]bool{}
	for _, line := range strings.Split(scrape(t, addr), "\n") {
		if name, _, _ := strings.Cut(strings.SplitN(line, " ", 2)[0], "{"); name != "" && !strings.HasPrefix(name, "#") {
			scraped[name] = true
		}
	}

	checked := 0
	for expr, where := range exprs {
		for _, name := range metricName.FindAllString(expr, -1) {
			checked++
			if !scraped[name] {
				t.Errorf("%s queries %s, which the server does not export", where, name)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no metric names found in the expressions")
	}
}

func readInto(t *testing.T, path string, unmarshal func([]byte, any) error, into any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := unmarshal(b, into); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
