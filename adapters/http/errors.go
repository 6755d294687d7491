package http

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"upgrades/domain"
)

// errorStatus is the one table that says how each kind of domain error
// reaches a client: its HTTP status and its code in JSON.
var errorStatus = map[domain.Kind]struct {
	status int
	code   string
}{
	domain.KindInvalid:         {http.StatusUnprocessableEntity, "invalid"},
	domain.KindMalformed:       {http.StatusBadRequest, "invalid"},
	domain.KindUnauthenticated: {http.StatusUnauthorized, "unauthenticated"},
	domain.KindForbidden:       {http.StatusForbidden, "forbidden"},
	domain.KindNotFound:        {http.StatusNotFound, "not_found"},
	domain.KindConflict:        {http.StatusConflict, "conflict"},
	domain.KindTooLarge:        {http.StatusRequestEntityTooLarge, "too_large"},
	domain.KindPaymentProvider: {http.StatusBadGateway, "payment_provider"},
	domain.KindUnavailable:     {http.StatusServiceUnavailable, "unavailable"},
	domain.KindTooManyRequests: {http.StatusTooManyRequests, "too_many_requests"},
	domain.KindInternal:        {http.StatusInternalServerError, "internal"},
}

// internalMessage is all a client learns of an internal error.
const internalMessage = "An internal error occurred."

// problem is an error as a client sees it.
type problem struct {
	Status     int
	Code       string
	Message    string
	kind       domain.Kind
	retryAfter time.Duration
}

func problemOf(err error) problem {
	k := domain.KindOf(err)
	s, ok := errorStatus[k]
	if !ok || k == domain.KindInternal {
		s, k = errorStatus[domain.KindInternal], domain.KindInternal
		return problem{Status: s.status, Code: s.code, Message: internalMessage, kind: k}
	}
	p := problem{Status: s.status, Code: s.code, Message: domain.MessageOf(err), kind: k, retryAfter: domain.RetryAfterOf(err)}
	if p.retryAfter == 0 && k == domain.KindUnavailable {
		p.retryAfter = 30 * time.Second
	}
	return p
}

// errorJSON is the body of every JSON error.
type errorJSON struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

// fail answers the request with err, as JSON or as the error page, and
// stops the handler chain. Internal errors are logged as errors; failures
// of what the shop depends on as warnings; the rest are the client's doing.
func (h *handlers) fail(c *gin.Context, err error) {
	p := problemOf(err)
	h.logProblem(c, p, err)
	h.renderProblem(c, p)
}

func (h *handlers) logProblem(c *gin.Context, p problem, err error) {
	ctx := c.Request.Context()
	switch p.kind {
	case domain.KindInternal:
		h.log.ErrorContext(ctx, "request failed", "status", p.Status, "err", err)
	case domain.KindPaymentProvider, domain.KindUnavailable:
		h.log.WarnContext(ctx, "request failed", "status", p.Status, "err", err)
	}
}

func (h *handlers) renderProblem(c *gin.Context, p problem) {
	if p.retryAfter > 0 {
		c.Header("Retry-After", strconv.Itoa(int((p.retryAfter+time.Second-1)/time.Second)))
	}
	if wantsJSON(c) {
		if p.kind == domain.KindUnauthenticated {
			c.Header("WWW-Authenticate", `Basic realm="upgrades", charset="UTF-8"`)
		}
		c.AbortWithStatusJSON(p.Status, errorJSON{Error: p.Code, Message: p.Message})
		return
	}
	data := errorPage{Problem: p}
	if p.kind == domain.KindUnauthenticated && c.Request.Method == http.MethodGet {
		data.Next = c.Request.URL.RequestURI()
	}
	h.page(c, p.Status, "error.html", errorTitles[p.Status], data)
	c.Abort()
}

// errorPage is what the error page shows; a 401 page carries a login form
// that comes back to Next.
type errorPage struct {
	Problem problem
	Next    string
}

var errorTitles = map[int]string{
	http.StatusBadRequest:            "That request could not be read",
	http.StatusUnauthorized:          "Please log in",
	http.StatusForbidden:             "Not allowed",
	http.StatusNotFound:              "Not found",
	http.StatusConflict:              "That clashes with something else",
	http.StatusRequestEntityTooLarge: "Too much data",
	http.StatusUnprocessableEntity:   "That cannot be done",
	http.StatusInternalServerError:   "Something went wrong",
	http.StatusBadGateway:            "The payment provider did not answer",
	http.StatusServiceUnavailable:    "Temporarily unavailable",
	http.StatusTooManyRequests:       "Too many attempts",
}

func notFound(msg string) error { return domain.Errorf(domain.KindNotFound, "%s", msg) }
