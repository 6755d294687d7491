package stripe

import (
	"log/slog"

	"go.uber.org/fx"

	"upgrades/application"
)

// WebhookSecrets are the secrets a webhook may be signed with.
type WebhookSecrets []string

// Module provides the Stripe gateway configured by cfg (its logger is the
// graph's) and the verifier of webhooks signed with one of secrets.
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

func newGateway(cfg Config, l *slog.Logger) (*Gateway, error) {
	cfg.Logger = l
	return New(cfg)
}

func newVerifier(secrets WebhookSecrets) (*Verifier, error) { return NewVerifier(secrets) }
