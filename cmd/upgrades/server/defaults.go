package server

import (
	"time"

	httpadapter "upgrades/adapters/http"
	"upgrades/application"
	"upgrades/domain"
)

// minReconcileLease is the shortest time a replica holds the upgrades it
// claimed: a run of the reconciler checks up to a hundred upgrades, each a
// call to Stripe that may be retried.
const minReconcileLease = 30 * time.Second

// maxDrainDelay bounds DRAIN_DELAY below the grace period orchestrators
// give a stopping process (Kubernetes: 30 s), so that the requests in
// flight still have time to finish after it.
const maxDrainDelay = 20 * time.Second

// maxWebhookConcurrency is the database pool's size: more webhooks at once
// would only wait for a connection.
const maxWebhookConcurrency = 20

var (
	goldType           = domain.UpgradeGold
	platinumType       = domain.UpgradePlatinum
	goldToPlatinumType = domain.UpgradeGoldToPlatinum
)

// Defaults is every default of the server's configuration, in one place:
// the flags take theirs from here (see defaultVars) and the web edge is
// given its limits from here rather than choosing its own. What the use
// cases default (prices, checkout lifetime, the reconciler's threshold) is
// application.DefaultConfig, the values of SPEC section 6; nothing restates
// them.
func Defaults() Config {
	app := application.DefaultConfig()
	// Messages show amounts as the pages do.
	app.FormatMoney = httpadapter.FormatMoney
	return Config{
		ListenAddr:        ":3000",
		ReconcileInterval: time.Minute,
		// Long enough for a load balancer polling /readyz every second or
		// two to see it fail twice and send no new requests.
		DrainDelay: 5 * time.Second,
		// A login lasts two weeks (SPEC section 8).
		SessionTTL: 14 * 24 * time.Hour,
		// A form or JSON body is a few fields; a webhook is one event,
		// a few kilobytes. 64 KiB leaves room and caps abuse.
		BodyLimit:        64 << 10,
		WebhookBodyLimit: 64 << 10,
		// As many fulfilments at once as keep a small database's cores
		// busy without queueing on each other's locks and commits: the
		// benchmark's pgbench comparison runs the same 8.
		WebhookConcurrency: 8,
		LogLevel:           "info",
		LogFormat:          "json",
		App:                app,
	}
}
