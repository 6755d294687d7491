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
	PriceCurrency       string `name:"price-currency" envvar:"PRICE_CURRENCY" default:"${price_currency}" placeholder:"CODE" help:"Currency of the prices."`
	PriceGold           string `name:"price-gold" envvar:"PRICE_GOLD" default:"${price_gold}" placeholder:"CENTS" help:"Price of gold, in cents."`
	PricePlatinum       string `name:"price-platinum" envvar:"PRICE_PLATINUM" default:"${price_platinum}" placeholder:"CENTS" help:"Price of platinum, in cents."`
	PriceGoldToPlatinum string `name:"price-gold-to-platinum" envvar:"PRICE_GOLD_TO_PLATINUM" default:"${price_gold_to_platinum}" placeholder:"CENTS" help:"Price of gold to platinum, in cents."`
	CheckoutTTL         string `name:"checkout-ttl" envvar:"CHECKOUT_TTL" default:"${checkout_ttl}" placeholder:"DURATION" help:"How long a checkout page stays open (30m to 24h)."`
	ReconcileInterval   string `name:"reconcile-interval" envvar:"RECONCILE_INTERVAL" default:"${reconcile_interval}" placeholder:"DURATION" help:"How often the reconciler runs, and how long it holds what it checks; 0 disables it."`
	ReconcileAfter      string `name:"reconcile-after" envvar:"RECONCILE_AFTER" default:"${reconcile_after}" placeholder:"DURATION" help:"How long an upgrade stays open before the reconciler checks it."`

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
		"listen_addr":            d.ListenAddr,
		"price_currency":         d.App.Prices.Of(goldType).Currency(),
		"price_gold":             fmt.Sprint(d.App.Prices.Of(goldType).Amount()),
		"price_platinum":         fmt.Sprint(d.App.Prices.Of(platinumType).Amount()),
		"price_gold_to_platinum": fmt.Sprint(d.App.Prices.Of(goldToPlatinumType).Amount()),
		"checkout_ttl":           shortDuration(d.App.CheckoutTTL),
		"reconcile_interval":     shortDuration(d.ReconcileInterval),
		"reconcile_after":        shortDuration(d.App.ReconcileAfter),
		"log_level":              d.LogLevel,
		"log_format":             d.LogFormat,
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
