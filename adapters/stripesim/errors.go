package stripesim

import (
	"fmt"
	"net/http"
)

// apiError is an error in Stripe's format:
// {"error": {"type": ..., "message": ..., "param": ..., "code": ...}}.
type apiError struct {
	status  int
	Type    string `json:"type"`
	Message string `json:"message"`
	Param   string `json:"param,omitempty"`
	Code    string `json:"code,omitempty"`
}

func invalidParam(param, message string) *apiError {
	return &apiError{status: http.StatusBadRequest, Type: "invalid_request_error", Message: message, Param: param}
}

func invalidRequest(code, message string) *apiError {
	return &apiError{status: http.StatusBadRequest, Type: "invalid_request_error", Message: message, Code: code}
}

func missingParam(param string) *apiError {
	e := invalidParam(param, "Missing required param: "+param+".")
	e.Code = "parameter_missing"
	return e
}

func unknownParam(param string) *apiError {
	e := invalidParam(param, "Received unknown parameter: "+param)
	e.Code = "parameter_unknown"
	return e
}

// noSuch is Stripe's answer for an object that does not exist: 404 when it
// is the object of the URL, 400 when a parameter names it.
func noSuch(kind, id, param string) *apiError {
	status := http.StatusNotFound
	if param != "" {
		status = http.StatusBadRequest
	}
	return &apiError{status: status, Type: "invalid_request_error", Code: "resource_missing", Param: param,
		Message: fmt.Sprintf("No such %s: '%s'", kind, id)}
}

func idempotencyError(message string) *apiError {
	return &apiError{status: http.StatusBadRequest, Type: "idempotency_error", Message: message}
}

func authError(message string) *apiError {
	return &apiError{status: http.StatusUnauthorized, Type: "invalid_request_error", Message: message}
}

func (e *apiError) body() any { return map[string]*apiError{"error": e} }
