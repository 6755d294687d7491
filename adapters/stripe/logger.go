package stripe

import (
	"context"
	"fmt"
	"log/slog"
)

// leveledLogger sends stripe-go's own log lines to slog. stripe-go logs
// every request at info and every failed attempt at error; the gateway logs
// the final failure itself, with the request id, so those are demoted to
// debug and warn to keep one line per failure at error.
type leveledLogger struct{ l *slog.Logger }

func (s leveledLogger) log(level slog.Level, format string, v ...any) {
	ctx := context.Background()
	if s.l.Enabled(ctx, level) {
		s.l.Log(ctx, level, fmt.Sprintf(format, v...), "component", "stripe-go")
	}
}

func (s leveledLogger) Debugf(format string, v ...any) { s.log(slog.LevelDebug, format, v...) }
func (s leveledLogger) Infof(format string, v ...any)  { s.log(slog.LevelDebug, format, v...) }
func (s leveledLogger) Warnf(format string, v ...any)  { s.log(slog.LevelWarn, format, v...) }
func (s leveledLogger) Errorf(format string, v ...any) { s.log(slog.LevelWarn, format, v...) }
