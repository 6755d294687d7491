package http

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"upgrades/application"
	"upgrades/domain"
)

// webhook receives Stripe's events. Its answers are for Stripe: 400 for a
// request that will never be good (bad signature, unreadable, too large),
// 503 while the database is down and 500 for anything else, both of which
// Stripe retries; 200 once the event is handled or known.
func (h *handlers) webhook(c *gin.Context) {
	if src := c.Query("source"); src != "" && src != "stripe" {
		h.webhookFailed(c, domain.Errorf(domain.KindMalformed, "unknown webhook source %q", src))
		return
	}
	limit := h.cfg.WebhookBodyLimit
	if c.Request.ContentLength > limit {
		h.webhookFailed(c, tooLarge(limit))
		return
	}
	// The signature covers the exact bytes, so the body is read raw.
	payload, err := readBody(http.MaxBytesReader(c.Writer, c.Request.Body, limit), c.Request.ContentLength)
	if err != nil {
		h.webhookFailed(c, bodyError(err))
		return
	}
	applied, err := h.app.ReceiveWebhook.Handle(c.Request.Context(), application.ReceiveWebhook{
		Payload: payload, Signature: c.GetHeader("Stripe-Signature"), Admit: h.webhooks.admit,
	})
	if err != nil {
		h.webhookFailed(c, err)
		return
	}
	logAttrs(c, slog.String("outcome", applied.Outcome.String()), slog.Bool("duplicate", applied.Duplicate),
		slog.Int64("upgrade", int64(applied.UpgradeID)))
	c.Data(http.StatusOK, jsonContentType, received)
}

// readBody reads r to its end: into one buffer of the declared length
// when there is one, rather than growing a buffer as io.ReadAll does.
func readBody(r io.Reader, declared int64) ([]byte, error) {
	if declared <= 0 {
		return io.ReadAll(r)
	}
	var buf bytes.Buffer
	buf.Grow(int(declared) + bytes.MinRead) // room to read the end
	_, err := buf.ReadFrom(r)
	return buf.Bytes(), err
}

// received is the webhook's answer once an event is handled or known.
var received = []byte(`{"received":true}`)

const jsonContentType = "application/json; charset=utf-8"

func (h *handlers) webhookFailed(c *gin.Context, err error) {
	p := problemOf(err)
	switch p.kind {
	case domain.KindMalformed, domain.KindTooLarge, domain.KindUnavailable:
		h.logProblem(c, p, err)
	default:
		// Whatever else failed, a 500 makes Stripe try again.
		p = problemOf(errors.New("webhook failed"))
		h.log.ErrorContext(c.Request.Context(), "webhook failed", "err", err)
	}
	setRetryAfter(c, p)
	c.AbortWithStatusJSON(p.Status, errorJSON{Error: p.Code, Message: p.Message})
}
