package domain

import (
	"errors"
	"fmt"
	"time"
)

// Kind is the closed set of error categories the edges translate into
// statuses. Anything that is not a *Error is KindInternal.
type Kind int

const (
	KindInternal Kind = iota
	KindInvalid
	KindMalformed
	KindUnauthenticated
	KindForbidden
	KindNotFound
	KindConflict
	KindTooLarge
	KindPaymentProvider
	KindUnavailable
	KindTooManyRequests
)

var kindNames = map[Kind]string{
	KindInternal:        "internal",
	KindInvalid:         "invalid",
	KindMalformed:       "malformed",
	KindUnauthenticated: "unauthenticated",
	KindForbidden:       "forbidden",
	KindNotFound:        "not_found",
	KindConflict:        "conflict",
	KindTooLarge:        "too_large",
	KindPaymentProvider: "payment_provider",
	KindUnavailable:     "unavailable",
	KindTooManyRequests: "too_many_requests",
}

func (k Kind) String() string { return kindNames[k] }

// Error is an error whose Message is safe to show to the client.
type Error struct {
	Kind    Kind
	Message string
	Err     error // the cause, for logs only
	// RetryAfter is how long the client should wait before trying again;
	// zero when nobody knows.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error with a client-safe message.
func Errorf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// WrapError attaches a cause that is logged but never shown.
func WrapError(kind Kind, err error, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...), Err: err}
}

// KindOf reports the kind of err; unknown errors are internal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// MessageOf returns the client-safe message of err.
func MessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "An internal error occurred."
}

// RetryAfterOf is how long err asks the client to wait; zero when it does
// not say.
func RetryAfterOf(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// IsKind reports whether err is of kind k.
func IsKind(err error, k Kind) bool { return err != nil && KindOf(err) == k }
