package http

import (
	"net/http"
	"strconv"
	"strings"
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
	setRetryAfter(c, p)
	if wantsJSON(c) {
		if p.kind == domain.KindUnauthenticated {
			c.Header("WWW-Authenticate", `Basic realm="upgrades", charset="UTF-8"`)
		}
		c.AbortWithStatusJSON(p.Status, errorJSON{Error: p.Code, Message: p.Message})
		return
	}
	data := errorPage{Problem: p, Lead: errorLeads[p.Status]}
	if data.Lead == "" {
		data.Lead = errorLeads[http.StatusInternalServerError]
	}
	if errorDetailShown[p.Status] {
		data.Detail = sentence(p.Message)
	}
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
	Lead    string // what happened, in a sentence for people
	Detail  string // the error's own message, when it helps the reader
	Next    string
}

// errorLeads say, for each status, what happened and what to do.
var errorLeads = map[int]string{
	http.StatusBadRequest:            "Part of that address or form could not be read. Please check it and try again.",
	http.StatusUnauthorized:          "Please log in to see this page.",
	http.StatusForbidden:             "That isn't yours to see or do. If you think it should be, log in with the account it belongs to.",
	http.StatusNotFound:              "There is nothing here. The link may be mistyped, or what it pointed to is gone.",
	http.StatusConflict:              "That clashes with something that already exists.",
	http.StatusRequestEntityTooLarge: "That was more than this site accepts at once.",
	http.StatusUnprocessableEntity:   "That cannot be done as it stands.",
	http.StatusInternalServerError:   "Something went wrong on our side. Please try again; if it keeps happening, let us know.",
	http.StatusBadGateway:            "The payment provider did not answer. Nothing was charged; please try again in a minute.",
	http.StatusServiceUnavailable:    "The site is briefly unavailable. Please try again in a minute.",
	http.StatusTooManyRequests:       "Too many attempts in a row. Please wait a little and try again.",
}

// errorDetailShown: for these statuses the error's own message says what
// to change; the others' messages are for developers.
var errorDetailShown = map[int]bool{
	http.StatusBadRequest: true, http.StatusConflict: true, http.StatusRequestEntityTooLarge: true,
	http.StatusUnprocessableEntity: true, http.StatusServiceUnavailable: true, http.StatusTooManyRequests: true,
}

// sentence ends a message with a full stop. Its first letter is left
// alone: messages may start with a user's name, spelt as its owner chose.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "!") && !strings.HasSuffix(s, "?") {
		s += "."
	}
	return s
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

// setRetryAfter says how long to wait, in whole seconds rounded up, when p
// asks for a wait.
func setRetryAfter(c *gin.Context, p problem) {
	if p.retryAfter > 0 {
		c.Header("Retry-After", strconv.Itoa(int((p.retryAfter+time.Second-1)/time.Second)))
	}
}
