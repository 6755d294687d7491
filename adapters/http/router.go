package http

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"upgrades/application"
)

// Deps is what the web edge needs.
type Deps struct {
	App    *application.App
	DB     Pinger
	Logger *slog.Logger
	Clock  application.Clock // nil: the wall clock
	Config Config
	// Observer hears every request, for metrics; nil: not observed.
	Observer RequestObserver
	// Drain says when the server is shutting down; nil: never.
	Drain *Drain
}

// Config is how the web edge behaves.
type Config struct {
	// BaseURL is the public URL; under https, cookies are Secure.
	BaseURL string
	// SessionSecret signs the session cookies (32 characters or more).
	SessionSecret string
	// SessionTTL is how long a login lasts.
	SessionTTL time.Duration
	// TrustedProxies are the addresses whose X-Forwarded-For is believed;
	// nil trusts none, so the client address is the peer's.
	TrustedProxies []string
	// BodyLimit caps form and JSON bodies.
	BodyLimit int64
	// WebhookBodyLimit caps the webhook's body.
	WebhookBodyLimit int64
	// WebhookConcurrency is how many webhooks are handled at once; more
	// wait for their turn, up to webhookQueue each.
	WebhookConcurrency int
	// CountryHeader names the header in which a trusted proxy reports the
	// buyer's country (e.g. CF-IPCountry); empty ignores every header.
	CountryHeader string
	// Content is the upgrade page's text (CONTENT_FILE); nil: the
	// embedded content.json.
	Content *Content
}

// The defaults are the command's (cmd/upgrades/server.Defaults): the edge
// is told its limits and refuses to guess.
func (c Config) check() error {
	if c.SessionTTL <= 0 || c.BodyLimit <= 0 || c.WebhookBodyLimit <= 0 || c.WebhookConcurrency <= 0 {
		return errors.New("the session lifetime, the body limits and the webhooks' concurrency must be positive")
	}
	return nil
}

// secure reports whether the site is served over https.
func (c Config) secure() bool {
	u, err := url.Parse(c.BaseURL)
	return err == nil && u.Scheme == "https"
}

// handlers is the web edge's state, shared by every route.
type handlers struct {
	app      *application.App
	db       Pinger
	log      *slog.Logger
	cfg      Config
	sessions sessions
	views    *views
	content  Content
	drain    *Drain
	webhooks *gate
}

// webhookQueue is how many webhooks may wait for each slot: with 8 slots,
// 400 wait, a few megabytes of payloads, and at a fulfilment's usual few
// milliseconds the last of them is answered within seconds, well before
// Stripe gives up on a delivery.
const webhookQueue = 50

// NewRouter builds the web edge: the Gin engine with every route, behind
// the middleware every request passes through.
func NewRouter(d Deps) (http.Handler, error) {
	if d.App == nil || d.DB == nil {
		return nil, errors.New("the web edge needs the application and the database")
	}
	cfg := d.Config
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if len(cfg.SessionSecret) < 32 {
		return nil, errors.New("the session secret must be at least 32 characters")
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	// Every line logged while serving a request carries its id.
	d.Logger = slog.New(WithRequestIDs(d.Logger.Handler()))
	now := time.Now
	if d.Clock != nil {
		now = d.Clock.Now
	}
	v, err := parseViews()
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	content := DefaultContent()
	if cfg.Content != nil {
		content = *cfg.Content
	}
	h := &handlers{
		app: d.App, db: d.DB, log: d.Logger, cfg: cfg, views: v, content: content, drain: d.Drain,
		webhooks: newGate(cfg.WebhookConcurrency, cfg.WebhookConcurrency*webhookQueue),
		sessions: sessions{key: []byte(cfg.SessionSecret), ttl: cfg.SessionTTL, secure: cfg.secure(), now: now},
	}

	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	if err := r.SetTrustedProxies(cfg.TrustedProxies); err != nil {
		return nil, fmt.Errorf("TRUSTED_PROXIES: %w", err)
	}
	cop, err := h.crossOriginProtection()
	if err != nil {
		return nil, err
	}
	r.Use(observeRequests(d.Observer), requestID, h.accessLog, h.recovery, h.securityHeaders, h.crossOrigin(cop), h.refuseBadText)
	h.routes(r)
	r.NoRoute(func(c *gin.Context) { h.fail(c, notFound("there is no page here")) })
	return stripJSONSuffix(r), nil
}

func (h *handlers) routes(r *gin.Engine) {
	r.GET("/healthz", h.healthz)
	r.GET("/readyz", h.readyz)
	r.GET("/openapi", h.openapi) // served as /openapi.json
	r.GET("/assets/*file", h.asset)
	r.POST("/webhooks/receive", h.webhook)

	r.GET("/", func(c *gin.Context) { c.Redirect(http.StatusSeeOther, "/user_upgrades/new") })
	// Logging out needs no login: an ended or banned session can still
	// clear its cookie.
	r.POST("/session/destroy", h.limitBody, h.logout)

	pages := r.Group("/", h.limitBody, h.authenticate)
	pages.GET("/users/new", h.signupPage)
	pages.POST("/users", h.signup)
	pages.GET("/users/:id", h.profile)
	pages.POST("/users/:id/api_key", h.rotateAPIKey)
	pages.POST("/users/:id/password", h.changePassword)
	pages.GET("/login", h.loginPage)
	pages.POST("/session", h.login)
	pages.GET("/user_upgrades/new", h.newUpgrade)
	pages.GET("/upgrade", h.newUpgrade)
	pages.POST("/user_upgrades", h.createUpgrade)
	pages.GET("/user_upgrades", h.listUpgrades)
	pages.GET("/user_upgrades.csv", h.exportUpgrades)
	pages.GET("/user_upgrades/:id", h.showUpgrade)
	pages.GET("/user_upgrades/:id/refund", h.refundPage)
	pages.POST("/user_upgrades/:id/refund", h.refund)
	pages.POST("/sale/dismiss", h.dismissSale)
	pages.GET("/user_upgrades/:id/receipt", h.paymentLink(func(a *application.App) linkHandler { return a.Receipt }))
	pages.GET("/user_upgrades/:id/payment", h.paymentLink(func(a *application.App) linkHandler { return a.PaymentPage }))
	pages.GET("/messages", h.messages)
	pages.GET("/upgrade_codes", h.listCodes)
	pages.POST("/upgrade_codes", h.buyCodes)
	pages.GET("/upgrade_codes/redeem", h.redeemPage)
	pages.POST("/upgrade_codes/redeem", h.redeemCode)
	pages.POST("/upgrade_codes/mint", h.mintCodes)
	pages.GET("/sales", h.sales)
	pages.GET("/sales.csv", h.salesCSV)
	pages.GET("/audit", h.audit)
	pages.GET("/anomalies", h.anomalies)
	pages.POST("/anomalies/resolve", h.resolveAnomaly)
	pages.POST("/events/:id/replay", h.replayEvent)
	pages.POST("/users/:id/ban", h.ban(false))
	pages.POST("/users/:id/unban", h.ban(true))
}
