package http

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"upgrades/application"
)

// exportUpgrades answers /user_upgrades.csv: every upgrade the list's
// filters match (not one page), newest first, written as it is read.
func (h *handlers) exportUpgrades(c *gin.Context) {
	filter, err := listFilter(c)
	if err != nil {
		h.fail(c, err)
		return
	}
	var cw *csvWriter
	begin := func() error {
		if cw != nil {
			return nil
		}
		w := startCSV(c, "upgrades.csv")
		cw = &w
		return cw.row("id", "created_at", "purchaser_name", "recipient_name", "upgrade_type", "status",
			"is_gifted", "currency", "price", "amount_paid", "paid_at")
	}
	cmd := application.ExportUpgrades{ViewerID: viewerID(c), Filter: filter}
	err = h.app.ExportUpgrades.Handle(c.Request.Context(), cmd, func(r application.UpgradeRow) error {
		if err := begin(); err != nil {
			return err
		}
		return cw.row(upgradeCSV(r)...)
	})
	if err != nil && cw == nil {
		h.fail(c, err) // nothing sent yet: a proper error
		return
	}
	if err == nil {
		if err = begin(); err == nil {
			err = cw.flush()
		}
	}
	if err != nil {
		// Part of the file is sent: breaking the connection tells the
		// client it is incomplete, where a clean end would not.
		h.log.WarnContext(c.Request.Context(), "upgrades download cut short", "err", err)
		panic(http.ErrAbortHandler)
	}
}

// upgradeCSV is one upgrade's row: amounts formatted by the currency's
// rules, times in RFC 3339 UTC; what was paid and when are empty until
// the payment is known.
func upgradeCSV(r application.UpgradeRow) []string {
	up := r.Upgrade
	var paid, paidAt string
	if up.Paid().Known || !up.PaidAt().IsZero() {
		// What the sales page counts: the total the provider reported,
		// else the price.
		paid = formatMinor(up.AmountPaid(), up.Price().Currency())
	}
	if t := up.PaidAt(); !t.IsZero() {
		paidAt = t.UTC().Format(time.RFC3339)
	}
	return []string{
		strconv.FormatInt(int64(up.ID()), 10), up.CreatedAt().UTC().Format(time.RFC3339),
		r.PurchaserName, r.RecipientName, up.Type().String(), up.Status().String(),
		strconv.FormatBool(up.IsGifted()), up.Price().Code(), FormatMoney(up.Price()), paid, paidAt,
	}
}
