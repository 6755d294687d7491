package server

import (
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/fx"

	"upgrades/application"
)

func load(t *testing.T, vars map[string]string, args ...string) Config {
	t.Helper()
	c, err := Load(args, func(k string) string { return vars[k] })
	if err != nil {
		t.Fatalf("Load(%v, %v): %v", args, vars, err)
	}
	return c
}

func TestDefaultsAreThoseOfDefaults(t *testing.T) {
	c, d := load(t, nil), Defaults()
	if c.ListenAddr != d.ListenAddr || c.ReconcileInterval != d.ReconcileInterval || c.SessionTTL != d.SessionTTL ||
		c.BodyLimit != d.BodyLimit || c.WebhookBodyLimit != d.WebhookBodyLimit || c.App.CheckoutTTL != d.App.CheckoutTTL ||
		c.App.ReconcileAfter != d.App.ReconcileAfter || c.App.Prices.Of(platinumType) != d.App.Prices.Of(platinumType) || c.LogLevel != d.LogLevel || c.LogFormat != d.LogFormat || c.DrainDelay != d.DrainDelay {
		t.Errorf("loaded with nothing set:\n%+v\nwant the defaults:\n%+v", c, d)
	}
}

func TestFlagsWinOverTheEnvironment(t *testing.T) {
	vars := map[string]string{"PRICES": "usd 25.00/40.00/20.00", "CHECKOUT_TTL": "2h", "LOG_LEVEL": "warn"}
	c := load(t, vars, "--prices", "usd 30.00/40.00/20.00")
	if got := c.App.Prices.Of(goldType).Amount(); got != 3000 {
		t.Errorf("gold costs %d, want the flag's 3000", got)
	}
	if c.App.CheckoutTTL != 2*time.Hour || c.LogLevel != "warn" {
		t.Errorf("the environment was not read: ttl %v level %s", c.App.CheckoutTTL, c.LogLevel)
	}
	// An empty variable is unset: the default holds.
	if c := load(t, map[string]string{"PRICES": ""}); c.App.Prices.Of(goldType).Amount() != Defaults().App.Prices.Of(goldType).Amount() {
		t.Errorf("an empty PRICES changed the price")
	}
}

func TestBadConfigurationIsOneLineNamingTheVariable(t *testing.T) {
	for _, tc := range []struct{ env, value string }{
		{"LOG_LEVEL", "loud"}, {"LOG_FORMAT", "xml"}, {"PRICE_GOLD", "-1"}, {"CHECKOUT_TTL", "forever"},
		{"PRICES", "usd 20/40"}, {"PRICES", "eur 16.005/32.00/16.00"}, {"SALE_PERCENT", "95"}, {"SALE_ENDS", "tomorrow"},
		{"ALLOW_PROMOTION_CODES", "sometimes"},
		{"RECONCILE_INTERVAL", "-1m"}, {"LISTEN_ADDR", "3000"}, {"STRIPE_SIMULATED", "maybe"}, {"UPGRADES_ENABLED", "yes please"},
		{"METRICS_ADDR", "9090"}, {"METRICS_ADDR", "localhost:http-ish"}, {"METRICS_ADDR", "localhost:70000"}, {"METRICS_ADDR", "localhost:3000"},
		{"DRAIN_DELAY", "-1s"}, {"DRAIN_DELAY", "a while"}, {"DRAIN_DELAY", "1m"},
		{"WEBHOOK_CONCURRENCY", "0"}, {"WEBHOOK_CONCURRENCY", "21"}, {"WEBHOOK_CONCURRENCY", "eight"},
	} {
		_, err := Load(nil, func(k string) string { return map[string]string{tc.env: tc.value}[k] })
		if err == nil || !strings.Contains(err.Error(), tc.env) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s=%q: %v", tc.env, tc.value, err)
		}
	}
}

func TestDemoSecretsAreRandomForEachProcess(t *testing.T) {
	a, b := load(t, nil), load(t, nil)
	if a.Mode != ModeDemo {
		t.Fatalf("mode %s", a.Mode)
	}
	if err := a.CheckServe(); err != nil {
		t.Fatal(err)
	}
	for _, pair := range [][2]string{
		{a.SessionSecret, b.SessionSecret}, {a.StripeWebhookSecrets[0], b.StripeWebhookSecrets[0]}, {a.SimulatedKey, b.SimulatedKey},
	} {
		if pair[0] == pair[1] || len(pair[0]) < 32 {
			t.Errorf("two loads made %q and %q", pair[0], pair[1])
		}
	}
	if !strings.HasPrefix(a.StripeWebhookSecrets[0], "whsec_") || !strings.HasPrefix(a.SimulatedKey, "sk_test_") {
		t.Errorf("webhook secret %q, simulated key %q", a.StripeWebhookSecrets[0], a.SimulatedKey)
	}
	// Given secrets are kept.
	c := load(t, map[string]string{"SESSION_SECRET": strings.Repeat("s", 32), "STRIPE_WEBHOOK_SECRET": "whsec_given"})
	if c.SessionSecret != strings.Repeat("s", 32) || c.StripeWebhookSecrets[0] != "whsec_given" {
		t.Errorf("given secrets replaced: %q %v", c.SessionSecret, c.StripeWebhookSecrets)
	}
}

func TestLiveNamesWhatIsMissing(t *testing.T) {
	all := map[string]string{
		"STRIPE_SECRET_KEY": "sk_live_x", "DATABASE_URL": "postgres://db", "SESSION_SECRET": strings.Repeat("s", 32), "STRIPE_WEBHOOK_SECRET": "whsec_x",
	}
	c := load(t, all)
	if err := c.CheckServe(); err != nil || c.Mode != ModeLive || c.SimulatedKey != "" {
		t.Fatalf("live with everything: %v, mode %s, simulated key %q", err, c.Mode, c.SimulatedKey)
	}
	for _, missing := range [][]string{{"DATABASE_URL"}, {"SESSION_SECRET"}, {"STRIPE_WEBHOOK_SECRET"}, {"DATABASE_URL", "SESSION_SECRET", "STRIPE_WEBHOOK_SECRET"}} {
		vars := map[string]string{}
		for k, v := range all {
			vars[k] = v
		}
		for _, m := range missing {
			delete(vars, m)
		}
		err := load(t, vars).CheckServe()
		if err == nil {
			t.Errorf("live without %v started", missing)
			continue
		}
		for _, m := range missing {
			if !strings.Contains(err.Error(), m) {
				t.Errorf("live without %v: %q does not name %s", missing, err, m)
			}
		}
	}
	if _, err := Load(nil, func(k string) string {
		return map[string]string{"STRIPE_SECRET_KEY": "sk_live_x", "STRIPE_SIMULATED": "true"}[k]
	}); err == nil || !strings.Contains(err.Error(), "STRIPE_SIMULATED") {
		t.Errorf("a key and STRIPE_SIMULATED=true: %v", err)
	}
}

func TestStagingMustBeAskedFor(t *testing.T) {
	c := load(t, map[string]string{"DATABASE_URL": "postgres://db"})
	if err := c.CheckServe(); c.Mode != ModeStaging || err == nil || !strings.Contains(err.Error(), "STRIPE_SIMULATED=true") {
		t.Errorf("a database without a key: mode %s, %v", c.Mode, err)
	}
	c = load(t, map[string]string{"DATABASE_URL": "postgres://db", "STRIPE_SIMULATED": "true"})
	if err := c.CheckServe(); err != nil || c.SimulatedKey == "" {
		t.Errorf("staging asked for: %v, simulated key %q", err, c.SimulatedKey)
	}
}

// The reconciler's lease follows RECONCILE_INTERVAL, in the configuration
// and in what the graph hands the use cases.
func TestReconcileLeaseFollowsTheInterval(t *testing.T) {
	for _, tc := range []struct {
		interval string
		lease    time.Duration
	}{{"1m", 2 * time.Minute}, {"1h", 2 * time.Hour}, {"10s", minReconcileLease}, {"200ms", minReconcileLease}, {"0", Defaults().App.ReconcileLease}} {
		c := load(t, map[string]string{"RECONCILE_INTERVAL": tc.interval})
		if c.App.ReconcileLease != tc.lease {
			t.Errorf("RECONCILE_INTERVAL=%s: lease %v, want %v", tc.interval, c.App.ReconcileLease, tc.lease)
		}
	}
	var got application.Config
	app := fx.New(Core(load(t, map[string]string{"RECONCILE_INTERVAL": "5m"}), slog.New(slog.DiscardHandler)), fx.Populate(&got))
	if err := app.Err(); err != nil {
		t.Fatal(err)
	}
	if got.ReconcileLease != 10*time.Minute {
		t.Errorf("the use cases were given a lease of %v, want 10m", got.ReconcileLease)
	}
}

// A constructor that fails is named in the error, which stays one line.
func TestAFailedConstructorIsNamed(t *testing.T) {
	c := load(t, nil)
	c.SessionSecret = "short"
	var h http.Handler
	err := fx.New(Web(c, slog.New(slog.DiscardHandler)), fx.Populate(&h)).Err()
	if err == nil || !strings.Contains(err.Error(), "upgrades/adapters/http") || !strings.Contains(err.Error(), "session secret must be at least 32 characters") ||
		strings.Contains(err.Error(), "\n") {
		t.Errorf("a web edge with a short session secret: %v", err)
	}
}

// AUTO_REFUND defaults to true; false leaves redundant payments to the
// owners; anything else stops the server. The reconciler's lease follows
// RECONCILE_INTERVAL.
func TestAutoRefundAndTheReconcilersLease(t *testing.T) {
	for value, want := range map[string]string{"": "true", "true": "true", "false": "false", "maybe": "error"} {
		env := map[string]string{"AUTO_REFUND": value, "RECONCILE_INTERVAL": "30s"}
		cfg, err := Load(nil, func(k string) string { return env[k] })
		got := "error"
		if err == nil {
			got = map[bool]string{true: "true", false: "false"}[cfg.App.AutoRefund]
			if cfg.App.ReconcileLease != time.Minute {
				t.Errorf("lease %s with RECONCILE_INTERVAL=30s, want 1m", cfg.App.ReconcileLease)
			}
		}
		if got != want {
			t.Errorf("AUTO_REFUND=%q: %s (%v), want %s", value, got, err, want)
		}
	}
}

// CONTENT_FILE replaces the upgrade page's text; one that cannot be read
// or shown stops the start with one line naming it.
func TestContentFileIsCheckedAtStart(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	if err := os.WriteFile(good, []byte(`{"offers": {"gold": "Shiny", "platinum": "Shinier", "gold_to_platinum": "The step"},
		"comparison": {"levels": ["member", "gold"], "rows": [{"benefit": "Badge", "values": {"member": "No", "gold": "Yes"}}]},
		"faq": [{"question": "Why?", "answer": "Because."}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	c := load(t, map[string]string{"CONTENT_FILE": good})
	if c.Content == nil || c.Content.Offers[goldType] != "Shiny" || webConfig(c).Content != c.Content {
		t.Fatalf("CONTENT_FILE was not read: %+v", c.Content)
	}
	if c := load(t, nil); c.Content != nil {
		t.Errorf("without CONTENT_FILE, content %+v: want the built-in one", c.Content)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"offers": {"gold": "Shiny"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{bad, filepath.Join(dir, "missing.json")} {
		_, err := Load(nil, func(k string) string { return map[string]string{"CONTENT_FILE": path}[k] })
		if err == nil || !strings.Contains(err.Error(), "CONTENT_FILE") || strings.Contains(err.Error(), "\n") {
			t.Errorf("CONTENT_FILE=%s: %v", path, err)
		}
	}
}
