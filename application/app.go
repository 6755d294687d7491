// Package application holds the use cases of the upgrade shop and the ports
// they need. It knows the domain and nothing of HTTP, SQL or Stripe.
package application

import (
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"upgrades/domain"
)

// Config is the shop's configuration as the use cases need it.
type Config struct {
	BaseURL  string // absolute, without a trailing slash
	Enabled  bool   // false: no new upgrades can be started
	Prices   domain.Prices
	Livemode bool // whether the payment provider key is a live one
	// Installation names this database at the payment provider (SPEC §3):
	// made once by the migrations, read at startup; the memory store
	// makes one per process.
	Installation string
	// AutoRefund refunds redundant payments through the provider; false
	// leaves them to the owners as anomalies (SPEC §2, AUTO_REFUND).
	AutoRefund bool
	// AllowPromotionCodes lets buyers enter the provider's promotion codes.
	AllowPromotionCodes bool
	// FormatMoney shows an amount as people read it ($20.00, €16.00,
	// ¥2,000) in the messages the use cases write; the currencies' rules
	// live in an adapter. Nil shows the exact "2000 usd".
	FormatMoney func(domain.Money) string

	CheckoutTTL time.Duration // how long a checkout page stays open
	ReuseMargin time.Duration // a pending checkout closer to expiry than this is not reused
	// MaxOpenCheckouts is how many checkouts one purchaser may have open
	// at once; the next one waits (429) until one of them closes.
	MaxOpenCheckouts int
	ReconcileAfter   time.Duration // open upgrades untouched this long are checked with the provider
	ReconcileLease   time.Duration // how long a replica owns an upgrade it is checking
}

// Validate reports the first configuration error.
func (c Config) Validate() error {
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.HasSuffix(c.BaseURL, "/") {
		return errors.New("BASE_URL must be an absolute http(s) URL without a trailing slash")
	}
	if c.Prices.Of(domain.UpgradeGold).IsZero() {
		return errors.New("prices are not configured")
	}
	if c.CheckoutTTL < 30*time.Minute || c.CheckoutTTL > 24*time.Hour {
		return errors.New("the checkout lifetime must be between 30 minutes and 24 hours (Stripe's limits)")
	}
	if c.ReconcileAfter <= 0 || c.ReconcileLease <= 0 {
		return errors.New("the reconciler's threshold and lease must be positive")
	}
	return nil
}

// DefaultConfig is the configuration with every default of SPEC section 6.
func DefaultConfig() Config {
	return Config{
		BaseURL:          "http://localhost:3000",
		Enabled:          true,
		AutoRefund:       true,
		Prices:           domain.DefaultPrices(),
		CheckoutTTL:      time.Hour,
		ReuseMargin:      5 * time.Minute,
		MaxOpenCheckouts: 5,
		ReconcileAfter:   5 * time.Minute,
		ReconcileLease:   2 * time.Minute,
	}
}

// Shop is what fulfilment knows of the shop it works for.
type Shop struct {
	Livemode     bool
	Installation string
	AutoRefund   bool
	// RefundLease is how long a replica owns an owed refund it sends.
	RefundLease time.Duration
	FormatMoney func(domain.Money) string // see Config
	// Codes makes the codes a paid code purchase issues.
	Codes CodeMaker
}

// money shows m as people read it.
func (s Shop) money(m domain.Money) string {
	if s.FormatMoney == nil {
		return m.String()
	}
	return s.FormatMoney(m)
}

// Shop returns the part of c that fulfilment needs.
func (c Config) Shop() Shop {
	return Shop{Livemode: c.Livemode, Installation: c.Installation, AutoRefund: c.AutoRefund, RefundLease: c.ReconcileLease, FormatMoney: c.FormatMoney}
}

// Deps are the ports the use cases run on.
type Deps struct {
	UoW       UnitOfWork
	Gateway   PaymentGateway
	Verifier  WebhookVerifier
	Reader    EventReader // nil: the Verifier, when it is also an EventReader
	Clock     Clock
	Tokens    Tokens
	Passwords PasswordHasher
	Throttles Throttles
	Logger    *slog.Logger
	Config    Config
	Observer  Observer // optional: metrics of the webhooks
	// Codes makes the values of upgrade codes; nil: no codes can be made.
	Codes CodeMaker
}

// App is every use case of the shop.
type App struct {
	SignUp             SignUpHandler
	CreateUser         CreateUserHandler
	Login              LoginHandler
	AuthenticateAPIKey AuthenticateAPIKeyHandler
	SetLevel           SetLevelHandler
	Ban                BanHandler
	ShowUser           ShowUserHandler
	CurrentUser        CurrentUserHandler
	Logout             LogoutHandler
	RevokeSessions     RevokeSessionsHandler
	RotateOwnAPIKey    RotateOwnAPIKeyHandler
	RotateAPIKey       RotateAPIKeyHandler
	ChangePassword     ChangePasswordHandler
	SetPassword        SetPasswordHandler

	UpgradeOptions UpgradeOptionsHandler
	StartUpgrade   StartUpgradeHandler
	ShowUpgrade    ShowUpgradeHandler
	ListUpgrades   ListUpgradesHandler
	ApplyEvent     ApplyEventHandler
	ReceiveWebhook ReceiveWebhookHandler
	SyncUpgrade    SyncUpgradeHandler
	Reconcile      ReconcileHandler
	Refund         RefundHandler
	ReadMessages   ReadMessagesHandler
	Receipt        ReceiptHandler
	PaymentPage    PaymentPageHandler
	CurrentSale    CurrentSaleHandler
	CountBacklog   CountBacklogHandler
	ListEvents     ListEventsHandler
	ListAudit      ListAuditHandler
	ListAnomalies  ListAnomaliesHandler
	ResolveAnomaly ResolveAnomalyHandler
	ReplayEvent    ReplayEventHandler
	ShowSales      ShowSalesHandler
	ExportUpgrades ExportUpgradesHandler

	MintCodes  MintCodesHandler
	RedeemCode RedeemCodeHandler
	ListCodes  ListCodesHandler
}

// New builds every use case from the ports in d; each handler gets only
// the ports it uses.
func New(d Deps) *App {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Throttles == nil {
		// Logins without a throttle would let passwords be guessed at the
		// speed of the hasher: a wiring mistake, not a configuration.
		panic("application: Deps.Throttles is missing")
	}
	if d.Config.Installation == "" {
		// Without it idempotency keys of two databases would collide.
		panic("application: Config.Installation is missing")
	}
	live := d.Config.Shop()
	live.Codes = d.Codes
	if d.Reader == nil {
		d.Reader, _ = d.Verifier.(EventReader)
	}
	return &App{
		SignUp:             SignUpHandler{d},
		CreateUser:         CreateUserHandler{d},
		Login:              newLoginHandler(d),
		AuthenticateAPIKey: AuthenticateAPIKeyHandler{d},
		SetLevel:           SetLevelHandler{d},
		Ban:                BanHandler{d},
		ShowUser:           ShowUserHandler{d},
		CurrentUser:        CurrentUserHandler{d},
		Logout:             LogoutHandler{d},
		RevokeSessions:     RevokeSessionsHandler{d},
		RotateOwnAPIKey:    RotateOwnAPIKeyHandler{d},
		RotateAPIKey:       RotateAPIKeyHandler{d},
		ChangePassword:     ChangePasswordHandler{d},
		SetPassword:        SetPasswordHandler{d},
		UpgradeOptions:     NewUpgradeOptionsHandler(d.UoW, d.Clock, d.Config),
		StartUpgrade:       NewStartUpgradeHandler(d.UoW, d.Gateway, d.Clock, d.Logger, d.Config),
		ShowUpgrade:        NewShowUpgradeHandler(d.UoW, d.Gateway, d.Clock, d.Logger, live),
		ListUpgrades:       NewListUpgradesHandler(d.UoW),
		ApplyEvent:         NewApplyEventHandler(d.UoW, d.Gateway, d.Clock, d.Logger, live),
		ReceiveWebhook:     NewReceiveWebhookHandler(d.UoW, d.Verifier, d.Gateway, d.Clock, d.Logger, live).Observed(d.Observer),
		SyncUpgrade:        NewSyncUpgradeHandler(d.UoW, d.Gateway, d.Clock, d.Logger, live),
		Reconcile:          NewReconcileHandler(d.UoW, d.Gateway, d.Clock, d.Logger, live, d.Config.ReconcileAfter, d.Config.ReconcileLease),
		Refund:             NewRefundHandler(d.UoW, d.Gateway, d.Clock, d.Logger, live),
		ReadMessages:       NewReadMessagesHandler(d.UoW, d.Clock),
		Receipt:            NewReceiptHandler(d.UoW, d.Gateway),
		PaymentPage:        NewPaymentPageHandler(d.UoW, live.Livemode),
		CurrentSale:        NewCurrentSaleHandler(d.Config.Prices, d.Clock),
		CountBacklog:       NewCountBacklogHandler(d.UoW),
		ListEvents:         NewListEventsHandler(d.UoW),
		ListAudit:          NewListAuditHandler(d.UoW),
		ListAnomalies:      NewListAnomaliesHandler(d.UoW, d.Clock),
		ResolveAnomaly:     NewResolveAnomalyHandler(d.UoW, d.Clock),
		ReplayEvent:        NewReplayEventHandler(d.UoW, d.Reader, d.Gateway, d.Clock, d.Logger, live),
		ShowSales:          NewShowSalesHandler(d.UoW, d.Clock),
		ExportUpgrades:     NewExportUpgradesHandler(d.UoW),
		MintCodes:          NewMintCodesHandler(d.UoW, d.Codes, d.Clock),
		RedeemCode:         NewRedeemCodeHandler(d.UoW, d.Throttles, d.Clock, d.Observer),
		ListCodes:          NewListCodesHandler(d.UoW),
	}
}
