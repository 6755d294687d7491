package server

import (
	"fmt"
	"strings"
	"time"

	"github.com/alecthomas/kong"
)

// How a command is written: a struct whose fields are its flags and
// arguments, described by kong tags, and a Run method. A flag that an
// environment variable can set names it with envvar:"NAME"; its --help line
// then shows the variable, and a flag given on the command line wins over
// it. Adding a subcommand is adding a field of such a struct to its parent
// command (see cmd/upgrades/users.go).
//
// The environment is read through the getenv given to NewParser rather
// than kong's own env tag, so that tests pass a map and nothing of the
// developer's environment leaks into them. An empty variable counts as
// unset, as it always has here.

// Store is where the data lives.
type Store struct {
	DatabaseURL string `name:"database-url" envvar:"DATABASE_URL" placeholder:"URL" help:"PostgreSQL URL; without it the server keeps its data in memory (the demo)."`
	SlowQuery   string `name:"slow-query" envvar:"SLOW_QUERY" default:"200ms" placeholder:"DURATION" help:"Queries that take this long or longer are logged at warn; 0 logs none."`
}

// Logging is how the process logs.
type Logging struct {
	LogLevel  string `name:"log-level" envvar:"LOG_LEVEL" default:"${log_level}" placeholder:"LEVEL" help:"Least important level logged: debug, info, warn or error."`
	LogFormat string `name:"log-format" envvar:"LOG_FORMAT" default:"${log_format}" placeholder:"FORMAT" help:"json (one object a line) or text."`
}

// Flags are the server's settings, each from a flag or its environment
// variable. The defaults come from Defaults.
type Flags struct {
	ListenAddr string `name:"listen-addr" envvar:"LISTEN_ADDR" default:"${listen_addr}" placeholder:"HOST:PORT" help:"Address to listen on."`
	BaseURL    string `name:"base-url" envvar:"BASE_URL" placeholder:"URL" help:"Public URL of the server; default http://localhost:<port>."`
	Store      `embed:""`

	StripeSecretKey     string `name:"stripe-secret-key" envvar:"STRIPE_SECRET_KEY" placeholder:"KEY" help:"Stripe secret key; set, the server runs live (see README: modes)."`
	StripeWebhookSecret string `name:"stripe-webhook-secret" envvar:"STRIPE_WEBHOOK_SECRET" placeholder:"WHSEC,..." help:"Webhook signing secrets, comma-separated; random when simulated."`
	StripeAPIBase       string `name:"stripe-api-base" envvar:"STRIPE_API_BASE" placeholder:"URL" help:"Stripe API base URL (stripe-mock, a separate simulated Stripe)."`
	StripeSimulated     string `name:"stripe-simulated" envvar:"STRIPE_SIMULATED" default:"false" placeholder:"BOOL" help:"true: run on PostgreSQL with the simulated Stripe (staging)."`
	SessionSecret       string `name:"session-secret" envvar:"SESSION_SECRET" placeholder:"SECRET" help:"Signs session cookies (32+ characters); random in the demo."`
	TrustedProxies      string `name:"trusted-proxies" envvar:"TRUSTED_PROXIES" placeholder:"ADDR,..." help:"Proxy addresses whose X-Forwarded-For is trusted, comma-separated."`

	UpgradesEnabled     string `name:"upgrades-enabled" envvar:"UPGRADES_ENABLED" default:"true" placeholder:"BOOL" help:"Whether upgrades can be bought."`
	Prices              string `name:"prices" envvar:"PRICES" default:"${prices}" placeholder:"LIST" help:"Prices per currency: code and gold/platinum/gold-to-platinum in major units, comma-separated; the first currency is the default."`
	AllowPromotionCodes string `name:"allow-promotion-codes" envvar:"ALLOW_PROMOTION_CODES" default:"false" placeholder:"BOOL" help:"true: Stripe Checkout shows its promotion-code field."`
	SalePercent         string `name:"sale-percent" envvar:"SALE_PERCENT" placeholder:"1-90" help:"A sale: this percentage off every price until SALE_ENDS."`
	SaleEnds            string `name:"sale-ends" envvar:"SALE_ENDS" placeholder:"RFC3339" help:"When the sale ends, e.g. 2026-12-31T23:59:59Z."`
	SaleName            string `name:"sale-name" envvar:"SALE_NAME" placeholder:"TEXT" help:"The sale's name on the upgrade page."`
	CountryHeader       string `name:"country-header" envvar:"COUNTRY_HEADER" placeholder:"HEADER" help:"Header in which a trusted proxy names the buyer's country (e.g. CF-IPCountry); unset, none is read."`
	ContentFile         string `name:"content-file" envvar:"CONTENT_FILE" placeholder:"PATH" help:"JSON file with the upgrade page's benefits, comparison and questions, in place of the built-in one (adapters/http/content.json)."`
	// The settings PRICES replaced: refused at start with what to write.
	PriceCurrency       string `name:"price-currency" envvar:"PRICE_CURRENCY" hidden:""`
	PriceGold           string `name:"price-gold" envvar:"PRICE_GOLD" hidden:""`
	PricePlatinum       string `name:"price-platinum" envvar:"PRICE_PLATINUM" hidden:""`
	PriceGoldToPlatinum string `name:"price-gold-to-platinum" envvar:"PRICE_GOLD_TO_PLATINUM" hidden:""`
	CheckoutTTL         string `name:"checkout-ttl" envvar:"CHECKOUT_TTL" default:"${checkout_ttl}" placeholder:"DURATION" help:"How long a checkout page stays open (30m to 24h)."`
	ReconcileInterval   string `name:"reconcile-interval" envvar:"RECONCILE_INTERVAL" default:"${reconcile_interval}" placeholder:"DURATION" help:"How often the reconciler runs, and how long it holds what it checks; 0 disables it."`
	ReconcileAfter      string `name:"reconcile-after" envvar:"RECONCILE_AFTER" default:"${reconcile_after}" placeholder:"DURATION" help:"How long an upgrade stays open before the reconciler checks it."`
	AutoRefund          string `name:"auto-refund" envvar:"AUTO_REFUND" default:"${auto_refund}" placeholder:"BOOL" help:"Whether redundant payments are refunded through Stripe; false leaves them to the owners."`
	DrainDelay          string `name:"drain-delay" envvar:"DRAIN_DELAY" default:"${drain_delay}" placeholder:"DURATION" help:"On SIGTERM, how long /readyz answers 503 while requests are still served, before the server stops (0 to 20s)."`
	WebhookConcurrency  string `name:"webhook-concurrency" envvar:"WEBHOOK_CONCURRENCY" default:"${webhook_concurrency}" placeholder:"N" help:"Webhooks handled at once (1 to 20); more wait their turn, and past 50 waiting for each the rest are answered 503 for Stripe to retry."`
	MaxOpenCheckouts    string `name:"max-open-checkouts" envvar:"MAX_OPEN_CHECKOUTS" default:"${max_open_checkouts}" placeholder:"N" help:"Checkouts one buyer may have open at once; 0 for no limit."`

	MetricsAddr string `name:"metrics-addr" envvar:"METRICS_ADDR" placeholder:"HOST:PORT" help:"Serve Prometheus metrics at /metrics on this address, apart from the public one; off when empty."`

	Logging `embed:""`
}

// NewParser is kong for grammar with the environment read through getenv,
// the defaults of Defaults, and --help lines that name each flag's
// environment variable and default.
func NewParser(grammar any, getenv func(string) string, options ...kong.Option) (*kong.Kong, error) {
	return kong.New(grammar, append([]kong.Option{
		kong.Resolvers(envResolver(getenv)),
		kong.ValueFormatter(helpLine),
		kong.Vars(defaultVars()),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true, NoExpandSubcommands: false}),
	}, options...)...)
}

func envResolver(getenv func(string) string) kong.Resolver {
	return kong.ResolverFunc(func(_ *kong.Context, _ *kong.Path, f *kong.Flag) (any, error) {
		if name := f.Tag.Get("envvar"); name != "" {
			if v := getenv(name); v != "" {
				return v, nil
			}
		}
		return nil, nil
	})
}

func helpLine(v *kong.Value) string {
	h := strings.TrimSuffix(v.Help, ".")
	var notes []string
	if env := v.Tag.Get("envvar"); env != "" {
		notes = append(notes, "$"+env)
	}
	if v.HasDefault && v.Default != "" {
		notes = append(notes, "default "+v.Default)
	}
	if len(notes) > 0 {
		h += " (" + strings.Join(notes, ", ") + ")"
	}
	return h
}

// defaultVars are the defaults as kong's ${…} variables, so that no flag
// restates a value Defaults holds.
func defaultVars() kong.Vars {
	d := Defaults()
	return kong.Vars{
		"listen_addr":         d.ListenAddr,
		"prices":              formatPrices(d.App.Prices),
		"checkout_ttl":        shortDuration(d.App.CheckoutTTL),
		"reconcile_interval":  shortDuration(d.ReconcileInterval),
		"reconcile_after":     shortDuration(d.App.ReconcileAfter),
		"drain_delay":         shortDuration(d.DrainDelay),
		"auto_refund":         fmt.Sprint(d.App.AutoRefund),
		"max_open_checkouts":  fmt.Sprint(d.App.MaxOpenCheckouts),
		"webhook_concurrency": fmt.Sprint(d.WebhookConcurrency),
		"log_level":           d.LogLevel,
		"log_format":          d.LogFormat,
	}
}

// shortDuration writes 1h rather than Go's 1h0m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
