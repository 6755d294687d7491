package server

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"go.uber.org/fx"
	"go.uber.org/fx/fxevent"

	httpadapter "upgrades/adapters/http"
	"upgrades/adapters/memory"
	"upgrades/adapters/metrics"
	"upgrades/adapters/postgres"
	"upgrades/adapters/secure"
	stripeadapter "upgrades/adapters/stripe"
	"upgrades/adapters/stripesim"
	"upgrades/application"
	"upgrades/domain"
)

// Core is the graph every command needs: configuration, logging, storage,
// the payment provider and the use cases. Each adapter is one fx.Module;
// which module serves a port is decided here, by the configuration.
func Core(cfg Config, logger *slog.Logger) fx.Option {
	return fx.Options(
		fx.Supply(cfg, cfg.App, logger),
		fx.WithLogger(fxLogger),
		storage(cfg),
		payments(cfg),
		secure.Module(),
		fx.Provide(newDeps, application.New),
	)
}

// Web is the core and the web edge, without a listener: its graph
// provides the root http.Handler (the component tests serve it).
func Web(cfg Config, logger *slog.Logger) fx.Option {
	return fx.Options(
		Core(cfg, logger),
		httpadapter.Module(webConfig(cfg)),
		fx.Provide(rootHandler),
	)
}

// Serve is the whole server: the core, the web edge, the reconciler and
// the listener.
// The demo users' logins are printed to out.
func Serve(cfg Config, logger *slog.Logger, out io.Writer) fx.Option {
	return fx.Options(
		Web(cfg, logger),
		Metrics(cfg.MetricsAddr),
		// Seeded before listening: ready means the demo users exist.
		demoSeed(cfg, out),
		fx.Invoke(startReconciler),
		// Last: the server answers once everything else has started, and
		// on stop it drains first.
		httpadapter.Listen(cfg.ListenAddr, cfg.DrainDelay),
	)
}

// fxLogger logs fx's own account of the graph (what it provided, invoked
// and started) at debug level, errors included: a failed start reaches the
// operator once, as the command's one-line error.
func fxLogger(l *slog.Logger) fxevent.Logger {
	fl := &fxevent.SlogLogger{Logger: l.With("component", "fx")}
	fl.UseLogLevel(slog.LevelDebug)
	fl.UseErrorLevel(slog.LevelDebug)
	return fl
}

func webConfig(cfg Config) httpadapter.Config {
	return httpadapter.Config{
		BaseURL:            cfg.App.BaseURL,
		SessionSecret:      cfg.SessionSecret,
		SessionTTL:         cfg.SessionTTL,
		TrustedProxies:     cfg.TrustedProxies,
		BodyLimit:          cfg.BodyLimit,
		WebhookBodyLimit:   cfg.WebhookBodyLimit,
		WebhookConcurrency: cfg.WebhookConcurrency,
		CountryHeader:      cfg.CountryHeader,
		Content:            cfg.Content,
	}
}

type handlers struct {
	fx.In
	Shop http.Handler `name:"shop"`
	Sim  http.Handler `name:"stripesim" optional:"true"`
}

// rootHandler puts the simulated Stripe, when there is one, beside the shop.
func rootHandler(h handlers) http.Handler {
	if h.Sim == nil {
		return h.Shop
	}
	mux := http.NewServeMux()
	mux.Handle("/_stripe/", http.StripPrefix("/_stripe", h.Sim))
	mux.Handle("/", h.Shop)
	return mux
}

// installations reads the installation id of the store (SPEC §3).
type installations interface {
	Installation(ctx context.Context) (string, error)
}

func newDeps(uow application.UnitOfWork, gw application.PaymentGateway, v application.WebhookVerifier, clock application.Clock,
	tokens application.Tokens, pw application.PasswordHasher, th application.Throttles, l *slog.Logger, c application.Config,
	inst installations, codes application.CodeMaker) (application.Deps, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	id, err := inst.Installation(ctx)
	if errors.As(err, new(postgres.NotMigratedError)) || domain.IsKind(err, domain.KindUnavailable) {
		// The store's start hook (ping, migrations) refuses to start, in
		// one line, before anything runs that would use the id.
		id, err = "not-migrated", nil
	}
	if err != nil {
		return application.Deps{}, err
	}
	c.Installation = id
	return application.Deps{UoW: uow, Gateway: gw, Verifier: v, Clock: clock, Tokens: tokens, Passwords: pw, Throttles: th, Logger: l, Config: c, Codes: codes}, nil
}

// Metrics serves the metrics on addr (METRICS_ADDR) and makes them the
// observer of the router, the Stripe gateway and the webhook use case.
// With no address nothing is observed.
func Metrics(addr string) fx.Option {
	if addr == "" {
		return fx.Options()
	}
	return fx.Options(
		metrics.Module(addr),
		fx.Provide(
			func(m *metrics.Metrics) stripeadapter.Observer { return m },
			func(m *metrics.Metrics) httpadapter.RequestObserver { return m },
		),
		fx.Decorate(func(d application.Deps, m *metrics.Metrics) application.Deps {
			d.Observer = m
			return d
		}),
	)
}

// storage is the store's module: PostgreSQL with DATABASE_URL, memory
// without. Either also answers the web edge's readiness check.
func storage(cfg Config) fx.Option {
	if !cfg.Memory() {
		return fx.Options(postgres.Module(cfg.DatabaseURL), pinger[*postgres.DB](), installationOf[*postgres.DB](),
			// The pool's statistics, for the metrics.
			fx.Provide(func(db *postgres.DB) *sql.DB { return db.SQL() }),
			fx.Invoke(func(db *postgres.DB, l *slog.Logger) { db.LogSlowQueries(l, cfg.SlowQuery) }))
	}
	return fx.Options(memory.Module(), pinger[*memory.DB](), installationOf[*memory.DB]())
}

// pinger offers the store DB to the web edge's readiness check.
func pinger[DB httpadapter.Pinger]() fx.Option {
	return fx.Provide(func(db DB) httpadapter.Pinger { return db })
}

// installationOf provides the store's installation id reader.
func installationOf[DB installations]() fx.Option {
	return fx.Provide(func(db DB) installations { return db })
}

// payments chooses the payment provider. Live, it is Stripe, or whatever
// STRIPE_API_BASE names. Otherwise it is the simulated Stripe, mounted at
// /_stripe, and the same Stripe adapter talks to it over HTTP with the key
// made for this process. Webhooks are verified the same way in both cases.
func payments(cfg Config) fx.Option {
	if !cfg.Simulated() {
		return stripeadapter.Module(stripeadapter.Config{SecretKey: cfg.StripeSecretKey, APIBase: cfg.StripeAPIBase}, cfg.StripeWebhookSecrets)
	}
	simBase := cfg.App.BaseURL + "/_stripe"
	return fx.Options(
		stripeadapter.Module(stripeadapter.Config{SecretKey: cfg.SimulatedKey, APIBase: simBase}, cfg.StripeWebhookSecrets),
		stripesim.Module(stripesim.Config{
			SecretKey:     cfg.SimulatedKey,
			ShopURL:       cfg.App.BaseURL,
			PublicURL:     simBase,
			WebhookURL:    cfg.App.BaseURL + "/webhooks/receive",
			WebhookSecret: cfg.StripeWebhookSecrets[0],
		}),
	)
}

type reconcilerIn struct {
	fx.In
	Lifecycle fx.Lifecycle
	Config    Config
	App       *application.App
	Logger    *slog.Logger
	Metrics   *metrics.Metrics `optional:"true"`
}

// startReconciler runs the reconciler every interval while the server runs.
func startReconciler(in reconcilerIn) {
	lc, cfg, app, l := in.Lifecycle, in.Config, in.App, in.Logger
	if cfg.ReconcileInterval <= 0 {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			go func() {
				defer close(done)
				t := time.NewTicker(cfg.ReconcileInterval)
				defer t.Stop()
				for {
					select {
					case <-ctx.Done():
						return
					case <-t.C:
						// A run ends with its lease: past it, another
						// replica may claim the same upgrades.
						run, stop := context.WithTimeout(ctx, cfg.App.ReconcileLease)
						report, err := app.Reconcile.Handle(run, application.Reconcile{})
						if err != nil && ctx.Err() == nil {
							l.Warn("reconciler run failed", "err", err)
						}
						if in.Metrics != nil && ctx.Err() == nil {
							in.Metrics.ReconcileRun(report, err, time.Now())
						}
						stop()
					}
				}
			}()
			return nil
		},
		OnStop: func(stop context.Context) error {
			cancel()
			select {
			case <-done:
			case <-stop.Done():
			}
			return nil
		},
	})
}
