package stripe

import (
	"log/slog"

	"go.uber.org/fx"

	"upgrades/application"
)

// WebhookSecrets are the secrets a webhook may be signed with.
type WebhookSecrets []string

// Module provides the Stripe gateway configured by cfg (its logger, and
// its Observer when the graph has one, are the graph's) and the verifier
// of webhooks signed with one of secrets.
func Module(cfg Config, secrets []string) fx.Option {
	return fx.Module("stripe",
		fx.Supply(cfg, WebhookSecrets(secrets)),
		fx.Provide(
			newGateway,
			newVerifier,
			func(g *Gateway) application.PaymentGateway { return g },
			func(v *Verifier) application.WebhookVerifier { return v },
		),
	)
}

type gatewayDeps struct {
	fx.In
	Config   Config
	Logger   *slog.Logger
	Observer Observer `optional:"true"`
}

func newGateway(d gatewayDeps) (*Gateway, error) {
	cfg := d.Config
	cfg.Logger, cfg.Observer = d.Logger, d.Observer
	return New(cfg)
}

func newVerifier(secrets WebhookSecrets) (*Verifier, error) { return NewVerifier(secrets) }
