package server

import (
	"fmt"
	"io"
	"log/slog"
	"strings"

	httpadapter "upgrades/adapters/http"
)

// checkLogging reads LOG_LEVEL and LOG_FORMAT, with a one-line error
// naming the variable and the values it takes.
func checkLogging(l Logging) (level, format string, err error) {
	level, format = strings.ToLower(l.LogLevel), strings.ToLower(l.LogFormat)
	if _, err := parseLevel(level); err != nil {
		return "", "", err
	}
	if format != "json" && format != "text" {
		return "", "", fmt.Errorf("LOG_FORMAT must be json or text, not %q", l.LogFormat)
	}
	return level, format, nil
}

func parseLevel(s string) (slog.Level, error) {
	switch s {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("LOG_LEVEL must be debug, info, warn or error, not %q", s)
}

// NewLogger logs to w at the level and in the format of l, with the
// request id on each line logged while serving a request.
func NewLogger(w io.Writer, l Logging) (*slog.Logger, error) {
	level, format, err := checkLogging(l)
	if err != nil {
		return nil, err
	}
	lv, _ := parseLevel(level)
	opts := &slog.HandlerOptions{Level: lv}
	var h slog.Handler = slog.NewJSONHandler(w, opts)
	if format == "text" {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(httpadapter.WithRequestIDs(h)), nil
}

// Logging is the logging part of the configuration, as flags.
func (c Config) Logging() Logging { return Logging{LogLevel: c.LogLevel, LogFormat: c.LogFormat} }
