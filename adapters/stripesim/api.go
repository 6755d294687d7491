package stripesim

import (
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// apiRequest is an authenticated API call with its parameters.
type apiRequest struct {
	*http.Request
	form form
}

// apiResponse is what an API handler answers. keep says whether the answer
// is remembered for its idempotency key: like Stripe, a request that failed
// validation did not run and is not remembered.
type apiResponse struct {
	status int
	body   any
	keep   bool
}

func answer(body any) apiResponse { return apiResponse{status: http.StatusOK, body: body, keep: true} }

// failed is an error found while running; it is remembered.
func failed(e *apiError) apiResponse {
	return apiResponse{status: e.status, body: e.body(), keep: true}
}

// rejected is a request that did not pass validation.
func rejected(e *apiError) apiResponse { return apiResponse{status: e.status, body: e.body()} }

// maxBody bounds a request body, as Stripe does.
const maxBody = 1 << 20

// api wraps an API handler: authentication, parameters, idempotency, and
// Stripe's response format. The handler runs holding the simulation's lock,
// so every API call is atomic.
func (s *Simulator) api(h func(r apiRequest) apiResponse) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		reqID := newID("req_")
		w.Header().Set("Request-Id", reqID)
		if e := s.authenticate(r); e != nil {
			writeJSON(w, e.status, e.body())
			return
		}
		f, e := readForm(w, r)
		if e != nil {
			writeJSON(w, e.status, e.body())
			return
		}
		key := r.Header.Get("Idempotency-Key")
		if r.Method != http.MethodPost {
			key = "" // Stripe ignores keys on reads
		}
		if len(key) > 255 {
			e := invalidRequest("", "Idempotency-Key must be at most 255 characters long")
			writeJSON(w, e.status, e.body())
			return
		}
		status, body, replayed := s.run(h, apiRequest{Request: r, form: f}, key, reqID)
		if replayed != "" {
			w.Header().Set("Idempotent-Replayed", "true")
			w.Header().Set("Original-Request", replayed)
		}
		writeRaw(w, status, body)
	}
}

// run runs h under the lock, or replays the first answer to key. replayed
// is the id of the request whose answer is replayed.
func (s *Simulator) run(h func(apiRequest) apiResponse, r apiRequest, key, reqID string) (status int, body []byte, replayed string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if key != "" {
		if res, seen := s.idem[key]; seen {
			return s.replay(r.Request, key, r.form, res)
		}
	}
	resp := h(r)
	body, _ = json.MarshalIndent(resp.body, "", "  ")
	if key != "" && resp.keep {
		s.idem[key] = &idempotentResult{
			endpoint: r.Method + " " + r.URL.Path, fingerprint: fingerprint(r.form),
			status: resp.status, body: body, requestID: reqID,
		}
	}
	return resp.status, body, ""
}

// authenticate accepts the simulation's own secret key and no other, as a
// bearer token (stripe-go) or as the user of HTTP Basic (curl -u sk_test_…:).
func (s *Simulator) authenticate(r *http.Request) *apiError {
	h := r.Header.Get("Authorization")
	var key string
	switch {
	case strings.HasPrefix(h, "Bearer "):
		key = strings.TrimSpace(strings.TrimPrefix(h, "Bearer "))
	case strings.HasPrefix(h, "Basic "):
		raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(h, "Basic "))
		if err == nil {
			key, _, _ = strings.Cut(string(raw), ":")
		}
	default:
		return authError("You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').")
	}
	// Constant time, so that the key cannot be guessed from how long a
	// refusal takes.
	if subtle.ConstantTimeCompare([]byte(key), []byte(s.cfg.SecretKey)) != 1 {
		return authError(fmt.Sprintf("Invalid API Key provided: %s", redact(key)))
	}
	return nil
}

func redact(key string) string {
	if len(key) <= 12 {
		return strings.Repeat("*", len(key))
	}
	return key[:8] + strings.Repeat("*", len(key)-12) + key[len(key)-4:]
}

// readForm reads the parameters: the query of a GET, the form body of a POST.
func readForm(w http.ResponseWriter, r *http.Request) (form, *apiError) {
	if r.Method != http.MethodPost {
		return newForm(r.URL.Query()), nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, _ := mime.ParseMediaType(ct); mt != "application/x-www-form-urlencoded" {
			return form{}, invalidRequest("", "Invalid request: the body must be application/x-www-form-urlencoded, not "+mt+".")
		}
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return form{}, invalidRequest("", "Invalid request: the body could not be read.")
	}
	v, err := url.ParseQuery(string(b))
	if err != nil {
		return form{}, invalidRequest("", "Invalid request: the body is not form-encoded.")
	}
	return newForm(v), nil
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	b, _ := json.MarshalIndent(body, "", "  ")
	writeRaw(w, status, b)
}

func writeRaw(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
	w.Write([]byte("\n"))
}

func (s *Simulator) unknownPath(r apiRequest) apiResponse {
	e := &apiError{status: http.StatusNotFound, Type: "invalid_request_error",
		Message: fmt.Sprintf("Unrecognized request URL (%s: %s). The simulated Stripe serves checkout sessions, payment intents, refunds and events only.", r.Method, r.URL.Path)}
	return rejected(e)
}
