package stripe

import (
	"context"
	"log/slog"
	"net/http"
	"time"
)

// quietLogger silences stripe-go's own log lines. Its logger interface has
// no context, so its lines could not carry the id of the request that made
// the call; loggedTransport logs each attempt instead, with the call's
// context (stripe-go sends each attempt with Params.Context). It must not
// be nil: stripe-go would then print its errors to standard error.
type quietLogger struct{}

func (quietLogger) Debugf(string, ...any) {}
func (quietLogger) Infof(string, ...any)  {}
func (quietLogger) Warnf(string, ...any)  {}
func (quietLogger) Errorf(string, ...any) {}

// loggedTransport logs every HTTP attempt to Stripe with the context of
// the call, so that the request id of the web request that made it is on
// the line. A success is debug; a failed attempt is warn, since stripe-go
// may retry it and the gateway logs the final failure at error.
type loggedTransport struct {
	next   http.RoundTripper
	logger *slog.Logger
}

func logged(next http.RoundTripper, l *slog.Logger) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return loggedTransport{next, l}
}

func (t loggedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	res, err := t.next.RoundTrip(req)
	ctx := req.Context()
	attrs := []slog.Attr{
		slog.String("component", "stripe"),
		slog.String("method", req.Method),
		slog.String("path", req.URL.Path), // never the query: it may carry ids
		slog.Float64("ms", float64(time.Since(start).Microseconds())/1000),
	}
	level := slog.LevelDebug
	switch {
	case err != nil:
		level = slog.LevelWarn
		attrs = append(attrs, slog.String("err", err.Error()))
	default:
		attrs = append(attrs, slog.Int("status", res.StatusCode), slog.String("stripe_request_id", res.Header.Get("Request-Id")))
		if res.StatusCode >= 500 || res.StatusCode == http.StatusTooManyRequests {
			level = slog.LevelWarn
		}
	}
	t.log(ctx, level, attrs)
	return res, err
}

func (t loggedTransport) log(ctx context.Context, level slog.Level, attrs []slog.Attr) {
	if t.logger.Enabled(ctx, level) {
		t.logger.LogAttrs(ctx, level, "stripe call", attrs...)
	}
}
