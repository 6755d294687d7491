package http

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"time"

	"github.com/gin-gonic/gin"

	"upgrades/domain"
)

type requestIDKey struct{}

// validRequestID accepts a caller's id only when it is short and plain, so
// that it cannot forge log lines or headers.
var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

// requestID tags the request with the caller's X-Request-Id, or a new one,
// and echoes it in the response, so a user's report can be found in the log.
func requestID(c *gin.Context) {
	id := c.GetHeader("X-Request-Id")
	if !validRequestID.MatchString(id) {
		b := make([]byte, 12)
		_, _ = rand.Read(b)
		id = hex.EncodeToString(b)
	}
	c.Header("X-Request-Id", id)
	c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), requestIDKey{}, id))
	c.Next()
}

func requestIDOf(c *gin.Context) string { return RequestID(c.Request.Context()) }

// RequestID is the id of the request ctx belongs to, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// WithRequestIDs makes a log handler add the request id to every record
// logged with a request's context, the use cases' logs included.
func WithRequestIDs(h slog.Handler) slog.Handler {
	if _, done := h.(requestIDHandler); done {
		return h
	}
	return requestIDHandler{h}
}

type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r = r.Clone()
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(as)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}

// logAttrsKey holds what a handler adds to its request's line in the
// access log (logAttrs), so that a request is one line.
const logAttrsKey = "upgrades.log_attrs"

// logAttrs adds attrs to the access log's line of c's request.
func logAttrs(c *gin.Context, attrs ...slog.Attr) {
	if prev, ok := c.Get(logAttrsKey); ok {
		attrs = append(prev.([]slog.Attr), attrs...)
	}
	c.Set(logAttrsKey, attrs)
}

// accessLog logs one line per request. The query string is left out: it
// may carry a checkout session id.
func (h *handlers) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	attrs := []slog.Attr{
		slog.String("method", c.Request.Method),
		slog.String("path", c.Request.URL.Path),
		slog.Int("status", c.Writer.Status()),
		slog.Int("bytes", max(c.Writer.Size(), 0)),
		slog.Float64("ms", float64(time.Since(start).Microseconds())/1000),
		slog.String("client_ip", c.ClientIP()),
	}
	if u := viewerOf(c); u != nil {
		attrs = append(attrs, slog.Int64("user_id", int64(u.ID())))
	}
	if extra, ok := c.Get(logAttrsKey); ok {
		attrs = append(attrs, extra.([]slog.Attr)...)
	}
	h.log.LogAttrs(c.Request.Context(), slog.LevelInfo, "request", attrs...)
}

// recovery turns a panic into a logged internal error: the log gets the
// stack, the client a 500 with the request id and nothing else.
func (h *handlers) recovery(c *gin.Context) {
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		if err, ok := p.(error); ok && errors.Is(err, http.ErrAbortHandler) {
			panic(p) // the server's way to drop the connection
		}
		h.log.ErrorContext(c.Request.Context(), "panic serving a request",
			"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		if c.Writer.Written() {
			c.Abort()
			return
		}
		h.renderProblem(c, problemOf(errors.New("panic")))
	}()
	c.Next()
}

// contentSecurityPolicy allows only the site's own files: no inline
// script or style, no framing. It has no form-action: Chrome applies it to
// the redirect to the payment provider's checkout page.
const contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; base-uri 'self'; object-src 'none'; frame-ancestors 'none'"

func (h *handlers) securityHeaders(c *gin.Context) {
	hd := c.Writer.Header()
	hd.Set("Content-Security-Policy", contentSecurityPolicy)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "same-origin")
	// Pages show API keys and purchases: no shared cache may keep them.
	hd.Set("Cache-Control", "no-store")
	if h.sessions.secure {
		hd.Set("Strict-Transport-Security", "max-age=31536000")
	}
	c.Next()
}

// crossOriginProtection refuses unsafe requests a browser sends from
// another site. Stripe's webhook is a server-to-server call with its own
// signature, so it is exempt.
func (h *handlers) crossOriginProtection() (*http.CrossOriginProtection, error) {
	cop := http.NewCrossOriginProtection()
	cop.AddInsecureBypassPattern("POST /webhooks/receive")
	if h.cfg.BaseURL != "" {
		if err := cop.AddTrustedOrigin(h.cfg.BaseURL); err != nil {
			return nil, fmt.Errorf("BASE_URL: %w", err)
		}
	}
	return cop, nil
}

func (h *handlers) crossOrigin(cop *http.CrossOriginProtection) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := cop.Check(c.Request); err != nil {
			h.fail(c, domain.Errorf(domain.KindForbidden, "cross-origin requests are refused"))
			return
		}
		c.Next()
	}
}

// limitBody caps what a form or JSON body may weigh; reading past the cap
// fails, and readForm reports it as too large.
func (h *handlers) limitBody(c *gin.Context) {
	if c.Request.ContentLength > h.cfg.BodyLimit {
		h.fail(c, tooLarge(h.cfg.BodyLimit))
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, h.cfg.BodyLimit)
	c.Next()
}

func tooLarge(limit int64) error {
	return domain.Errorf(domain.KindTooLarge, "the request body is larger than %d bytes", limit)
}
