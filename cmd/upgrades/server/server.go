package server

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"time"

	"go.uber.org/fx"
	"go.uber.org/fx/fxevent"

	httpadapter "upgrades/adapters/http"
	"upgrades/adapters/memory"
	"upgrades/adapters/postgres"
	"upgrades/adapters/secure"
	stripeadapter "upgrades/adapters/stripe"
	"upgrades/adapters/stripesim"
	"upgrades/application"
)

// Core is the graph every command needs: configuration, logging, storage,
// the payment provider and the use cases.
func Core(cfg Config, logger *slog.Logger) fx.Option {
	return fx.Options(
		fx.Supply(cfg, cfg.App, logger),
		fx.WithLogger(func() fxevent.Logger { return fxevent.NopLogger }),
		storage(cfg),
		payments(cfg),
		fx.Provide(
			func() application.Clock { return secure.SystemClock{} },
			fx.Annotate(secure.NewBcrypt, fx.As(new(application.PasswordHasher))),
			func() application.Tokens { return secure.Tokens{} },
			newDeps,
			application.New,
		),
	)
}

// Web is the core and the web edge, without a listener: its graph
// provides the root http.Handler (the component tests serve it).
func Web(cfg Config, logger *slog.Logger) fx.Option {
	return fx.Options(
		Core(cfg, logger),
		fx.Provide(
			func(app *application.App, db httpadapter.Pinger, clock application.Clock, l *slog.Logger) httpadapter.Deps {
				return httpadapter.Deps{App: app, DB: db, Clock: clock, Logger: l, Config: webConfig(cfg)}
			},
			fx.Annotate(rootHandler, fx.ParamTags(``, `optional:"true" name:"stripesim"`)),
		),
	)
}

// Serve is the whole server: the core, the web edge and the reconciler.
func Serve(cfg Config, logger *slog.Logger) fx.Option {
	return fx.Options(
		Web(cfg, logger),
		fx.Supply(httpadapter.ListenConfig{Addr: cfg.ListenAddr}),
		fx.Provide(httpadapter.Serve),
		demoSeed(cfg),
		fx.Invoke(func(*httpadapter.Listener) {}),
		fx.Invoke(startReconciler),
	)
}

func webConfig(cfg Config) httpadapter.Config {
	return httpadapter.Config{
		BaseURL:        cfg.App.BaseURL,
		SessionSecret:  cfg.SessionSecret,
		TrustedProxies: cfg.TrustedProxies,
	}
}

// rootHandler puts the simulated Stripe, when there is one, beside the app.
func rootHandler(d httpadapter.Deps, sim http.Handler) (http.Handler, error) {
	app, err := httpadapter.NewRouter(d)
	if err != nil || sim == nil {
		return app, err
	}
	mux := http.NewServeMux()
	mux.Handle("/_stripe/", http.StripPrefix("/_stripe", sim))
	mux.Handle("/", app)
	return mux, nil
}

// installations reads the installation id of the store (SPEC §3).
type installations interface {
	Installation(ctx context.Context) (string, error)
}

func newDeps(uow application.UnitOfWork, gw application.PaymentGateway, v application.WebhookVerifier, clock application.Clock,
	tokens application.Tokens, pw application.PasswordHasher, th application.Throttles, l *slog.Logger, c application.Config,
	inst installations) (application.Deps, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	id, err := inst.Installation(ctx)
	if err != nil {
		return application.Deps{}, err
	}
	c.Installation = id
	return application.Deps{UoW: uow, Gateway: gw, Verifier: v, Clock: clock, Tokens: tokens, Passwords: pw, Throttles: th, Logger: l, Config: c}, nil
}

func storage(cfg Config) fx.Option {
	if !cfg.Memory() {
		return fx.Options(
			postgres.Module(cfg.DatabaseURL),
			fx.Provide(
				func(db *postgres.DB) httpadapter.Pinger { return db },
				func(db *postgres.DB) installations { return db },
				// Replicas share the throttles through the database.
				func(db *postgres.DB) application.Throttles { return postgres.NewThrottles(db) },
			),
		)
	}
	return fx.Provide(
		memory.NewDB,
		func(db *memory.DB) application.UnitOfWork { return db },
		func(db *memory.DB) httpadapter.Pinger { return db },
		func(db *memory.DB) installations { return db },
		func() application.Throttles { return memory.NewThrottles() },
	)
}

// simulatedKey is the key the Stripe adapter sends to the simulated Stripe.
const simulatedKey = "sk_test_simulated"

// payments chooses the payment provider. With a secret key it is Stripe,
// or whatever STRIPE_API_BASE names. Without one it is the simulated
// Stripe, mounted at /_stripe, and the same Stripe adapter talks to it over
// HTTP. Webhooks are verified the same way in both cases.
func payments(cfg Config) fx.Option {
	verifier := fx.Provide(func() (application.WebhookVerifier, error) {
		return stripeadapter.NewVerifier(cfg.StripeWebhookSecrets)
	})
	if !cfg.Simulated() {
		return fx.Options(verifier, fx.Provide(func(l *slog.Logger) (application.PaymentGateway, error) {
			return stripeadapter.New(stripeadapter.Config{SecretKey: cfg.StripeSecretKey, APIBase: cfg.StripeAPIBase, Logger: l})
		}))
	}
	simBase := cfg.App.BaseURL + "/_stripe"
	return fx.Options(verifier, fx.Provide(
		func(l *slog.Logger) (application.PaymentGateway, error) {
			return stripeadapter.New(stripeadapter.Config{SecretKey: simulatedKey, APIBase: simBase, Logger: l})
		},
		fx.Annotate(func(lc fx.Lifecycle, l *slog.Logger) (http.Handler, error) {
			sim, err := stripesim.New(stripesim.Config{
				SecretKey:     simulatedKey,
				ShopURL:       cfg.App.BaseURL,
				PublicURL:     simBase,
				WebhookURL:    cfg.App.BaseURL + "/webhooks/receive",
				WebhookSecret: cfg.StripeWebhookSecrets[0],
				Logger:        l.With("component", "stripesim"),
			})
			if err != nil {
				return nil, err
			}
			lc.Append(fx.Hook{OnStop: sim.Shutdown})
			return sim, nil
		}, fx.ResultTags(`name:"stripesim"`)),
	))
}

// startReconciler runs the reconciler every interval while the server runs.
func startReconciler(lc fx.Lifecycle, cfg Config, app *application.App, l *slog.Logger) {
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
						if _, err := app.Reconcile.Handle(ctx, application.Reconcile{}); err != nil && ctx.Err() == nil {
							l.Warn("reconciler run failed", "err", err)
						}
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

// NewLogger logs JSON lines to stderr, with the request id of each line
// logged while serving a request.
func NewLogger() *slog.Logger {
	return slog.New(httpadapter.WithRequestIDs(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})))
}
