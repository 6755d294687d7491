package stripesim

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// idempotentResult is the first answer given to an idempotency key.
type idempotentResult struct {
	endpoint    string // "POST /v1/refunds"
	fingerprint string
	status      int
	body        []byte
	requestID   string
}

// fingerprint identifies a request's parameters, whatever their order.
func fingerprint(f form) string { return f.values.Encode() }

// replay answers a repeated idempotency key: the first answer again when
// the request is the same, an idempotency_error when it is not.
func (s *Simulator) replay(r *http.Request, key string, f form, res *idempotentResult) (int, []byte, string) {
	endpoint := r.Method + " " + r.URL.Path
	var e *apiError
	switch {
	case endpoint != res.endpoint:
		e = idempotencyError(fmt.Sprintf("Keys for idempotent requests can only be used for the same endpoint they were first used for ('%s' vs '%s'). Try using a key other than '%s' if you meant to execute a different request.", res.endpoint, endpoint, key))
	case fingerprint(f) != res.fingerprint:
		e = idempotencyError(fmt.Sprintf("Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '%s' if you meant to execute a different request.", key))
	default:
		return res.status, res.body, res.requestID
	}
	body, _ := json.MarshalIndent(e.body(), "", "  ")
	return e.status, body, ""
}
