// Package metrics exports the shop's Prometheus metrics on a listener of
// its own, never the public one. It implements the observers the other
// edges declare (the router's, the Stripe gateway's, the webhook use
// case's); cmd wires them, since an adapter never imports another.
package metrics

import (
	"context"
	"database/sql"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"upgrades/application"
)

// Metrics holds every series and serves them.
type Metrics struct {
	reg *prometheus.Registry

	requests         *prometheus.HistogramVec
	webhooks         *prometheus.CounterVec
	fulfilments      prometheus.Counter
	fulfilmentTime   prometheus.Histogram
	stripeCalls      *prometheus.HistogramVec
	reconcilerRuns   *prometheus.CounterVec
	reconciled       *prometheus.CounterVec
	reconcilerOK     prometheus.Gauge
	automaticRefunds prometheus.Counter
	codeRedemptions  prometheus.Counter
}

var (
	_ application.Observer     = (*Metrics)(nil)
	_ application.CodeObserver = (*Metrics)(nil)
)

// New registers every series. uow answers the backlog gauges at scrape
// time; db, when the store is PostgreSQL, adds the pool's statistics.
func New(uow application.UnitOfWork, db *sql.DB, log *slog.Logger) *Metrics {
	reg := prometheus.NewRegistry()
	f := promauto.With(reg)
	m := &Metrics{
		reg: reg,
		requests: f.NewHistogramVec(prometheus.HistogramOpts{
			Name: "upgrades_http_request_duration_seconds",
			Help: "HTTP requests answered by the shop, by method, route template and status.",
		}, []string{"method", "route", "status"}),
		webhooks: f.NewCounterVec(prometheus.CounterOpts{
			Name: "upgrades_webhooks_total",
			Help: "Stripe webhook deliveries by event type (handled types, else other) and outcome (applied, ignored, anomaly, noted, unhandled, unmatched, duplicate, rejected, failed).",
		}, []string{"type", "outcome"}),
		fulfilments: f.NewCounter(prometheus.CounterOpts{
			Name: "upgrades_fulfilments_total",
			Help: "Webhook deliveries that raised a recipient's level.",
		}),
		fulfilmentTime: f.NewHistogram(prometheus.HistogramOpts{
			Name: "upgrades_fulfilment_duration_seconds",
			Help: "Time from receiving a webhook to the level raised and saved, for deliveries that fulfilled an upgrade.",
		}),
		stripeCalls: f.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "upgrades_stripe_request_duration_seconds",
			Help:    "Calls to Stripe's API by operation and outcome (ok, timeout, network or Stripe's error type), retries included.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"operation", "outcome"}),
		reconcilerRuns: f.NewCounterVec(prometheus.CounterOpts{
			Name: "upgrades_reconciler_runs_total",
			Help: "Reconciler runs by result (ok, failed).",
		}, []string{"result"}),
		reconciled: f.NewCounterVec(prometheus.CounterOpts{
			Name: "upgrades_reconciler_upgrades_total",
			Help: "Open upgrades the reconciler checked with Stripe, by result (changed, unchanged, failed).",
		}, []string{"result"}),
		reconcilerOK: f.NewGauge(prometheus.GaugeOpts{
			Name: "upgrades_reconciler_last_success_timestamp_seconds",
			Help: "When the reconciler last finished a run without failing (Unix seconds; 0 before the first).",
		}),
		// Moved by the automatic refund of a payment that cannot be
		// fulfilled (SPEC §3), once that use case reports to the observer.
		automaticRefunds: f.NewCounter(prometheus.CounterOpts{
			Name: "upgrades_automatic_refunds_total",
			Help: "Payments refunded by the shop itself rather than by an owner.",
		}),
		codeRedemptions: f.NewCounter(prometheus.CounterOpts{
			Name: "upgrades_code_redemptions_total",
			Help: "Upgrade codes redeemed.",
		}),
	}
	for _, r := range []string{"ok", "failed"} {
		m.reconcilerRuns.WithLabelValues(r)
	}
	for _, r := range []string{"changed", "unchanged", "failed"} {
		m.reconciled.WithLabelValues(r)
	}
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&backlog{count: application.NewCountBacklogHandler(uow), log: log},
	)
	if db != nil {
		reg.MustRegister(collectors.NewDBStatsCollector(db, "upgrades"))
	}
	return m
}

// CodeRedeemed counts one redeemed upgrade code.
func (m *Metrics) CodeRedeemed(string) { m.codeRedemptions.Inc() }

// Handler serves the registry in Prometheus' text format. A failed
// gauge (the database down) leaves the other series in the answer.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// Request is the router's observer.
func (m *Metrics) Request(method, route string, status int, took time.Duration) {
	m.requests.WithLabelValues(knownMethod(method), route, strconv.Itoa(status)).Observe(took.Seconds())
}

// Webhook is the webhook use case's observer.
func (m *Metrics) Webhook(eventType string, handled bool, outcome string, fulfilled bool, took time.Duration) {
	if !handled {
		// Anyone can post any type; only the ones the shop acts on get a
		// series of their own.
		eventType = "other"
	}
	m.webhooks.WithLabelValues(eventType, outcome).Inc()
	if fulfilled {
		m.fulfilments.Inc()
		m.fulfilmentTime.Observe(took.Seconds())
	}
}

// StripeCall is the Stripe gateway's observer.
func (m *Metrics) StripeCall(operation, outcome string, took time.Duration) {
	m.stripeCalls.WithLabelValues(operation, outcome).Observe(took.Seconds())
}

// ReconcileRun records one run of the reconciler, at now.
func (m *Metrics) ReconcileRun(r application.ReconcileReport, err error, now time.Time) {
	m.reconciled.WithLabelValues("changed").Add(float64(r.Changed))
	m.reconciled.WithLabelValues("unchanged").Add(float64(r.Checked - r.Changed - r.Failed))
	m.reconciled.WithLabelValues("failed").Add(float64(r.Failed))
	if err != nil || r.Failed > 0 {
		m.reconcilerRuns.WithLabelValues("failed").Inc()
		return
	}
	m.reconcilerRuns.WithLabelValues("ok").Inc()
	m.reconcilerOK.Set(float64(now.Unix()))
}

// knownMethod keeps the method label to the methods HTTP defines: a
// client may send any token.
func knownMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "other"
}

// backlog asks the store, at each scrape, what is waiting.
type backlog struct {
	count application.CountBacklogHandler
	log   *slog.Logger
}

var (
	unprocessedDesc = prometheus.NewDesc("upgrades_unprocessed_events",
		"Stripe events recorded but not processed yet, failed ones included.", nil, nil)
	openDesc = prometheus.NewDesc("upgrades_open_upgrades",
		"Upgrades waiting for their payment, by status (pending, processing).", []string{"status"}, nil)
)

// scrapeTimeout bounds the backlog query so that a slow database does not
// hold the scrape past Prometheus' own timeout.
const scrapeTimeout = 5 * time.Second

func (b *backlog) Describe(ch chan<- *prometheus.Desc) {
	ch <- unprocessedDesc
	ch <- openDesc
}

func (b *backlog) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	got, err := b.count.Handle(ctx)
	if err != nil {
		b.log.Warn("counting the backlog for metrics", "err", err)
		ch <- prometheus.NewInvalidMetric(unprocessedDesc, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(unprocessedDesc, prometheus.GaugeValue, float64(got.UnprocessedEvents))
	for s, n := range got.OpenUpgrades {
		ch <- prometheus.MustNewConstMetric(openDesc, prometheus.GaugeValue, float64(n), s.String())
	}
}
