package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
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
			loginThrottles,
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
// The demo users' logins are printed to out.
func Serve(cfg Config, logger *slog.Logger, out io.Writer) fx.Option {
	return fx.Options(
		Web(cfg, logger),
		fx.Supply(httpadapter.ListenConfig{Addr: cfg.ListenAddr}),
		fx.Provide(httpadapter.Serve),
		demoSeed(cfg, out),
		fx.Invoke(func(*httpadapter.Listener) {}),
		fx.Invoke(startReconciler),
	)
}

func webConfig(cfg Config) httpadapter.Config {
	return httpadapter.Config{
		BaseURL:          cfg.App.BaseURL,
		SessionSecret:    cfg.SessionSecret,
		SessionTTL:       cfg.SessionTTL,
		TrustedProxies:   cfg.TrustedProxies,
		BodyLimit:        cfg.BodyLimit,
		WebhookBodyLimit: cfg.WebhookBodyLimit,
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

func newDeps(uow application.UnitOfWork, gw application.PaymentGateway, v application.WebhookVerifier, clock application.Clock,
	tokens application.Tokens, pw application.PasswordHasher, logins application.LoginThrottles, l *slog.Logger, c application.Config) application.Deps {
	return application.Deps{UoW: uow, Gateway: gw, Verifier: v, Clock: clock, Tokens: tokens, Passwords: pw, Logins: logins, Logger: l, Config: c}
}

// loginThrottles let one account be guessed at 5 times, then once a
// minute (about 1,440 guesses a day), and one address try 20 logins, then
// one every 6 seconds: a person who mistypes is not held up, and an office
// behind one address can still log in.
func loginThrottles() application.LoginThrottles {
	return application.LoginThrottles{
		ByName:    secure.NewThrottle(5, time.Minute),
		ByAddress: secure.NewThrottle(20, 6*time.Second),
	}
}

func storage(cfg Config) fx.Option {
	if !cfg.Memory() {
		return fx.Options(
			postgres.Module(cfg.DatabaseURL),
			fx.Provide(func(db *postgres.DB) httpadapter.Pinger { return db }),
		)
	}
	return fx.Provide(
		memory.NewDB,
		func(db *memory.DB) application.UnitOfWork { return db },
		func(db *memory.DB) httpadapter.Pinger { return db },
	)
}

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
			return stripeadapter.New(stripeadapter.Config{SecretKey: cfg.SimulatedKey, APIBase: simBase, Logger: l})
		},
		fx.Annotate(func(lc fx.Lifecycle, l *slog.Logger) (http.Handler, error) {
			sim, err := stripesim.New(stripesim.Config{
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
