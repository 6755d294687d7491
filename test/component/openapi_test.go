package component

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	webhttp "upgrades/adapters/http"
	"upgrades/domain"
)

// spec is the served description, loaded once for every test.
type spec struct {
	doc    *openapi3.T
	router routers.Router
}

var apiSpec = sync.OnceValues(func() (*spec, error) {
	doc, err := openapi3.NewLoader().LoadFromData(webhttp.OpenAPI())
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, err
	}
	router, err := gorillamux.NewRouter(doc)
	return &spec{doc: doc, router: router}, err
})

// checkAgainstSpec checks a JSON answer against the description: its
// route, method, status, headers and body. Pages asked for without .json
// (Accept or a JSON body) are described under their .json path. A path
// that is no route may only answer the description's 404 error.
func checkAgainstSpec(method, rawURL string, reqHeader http.Header, status int, header http.Header, body []byte) error {
	if !strings.HasPrefix(header.Get("Content-Type"), "application/json") {
		return nil
	}
	sp, err := apiSpec()
	if err != nil {
		return err
	}
	router := sp.router
	u, err := url.Parse(rawURL)
	if err != nil {
		return err
	}
	req := &http.Request{Method: method, URL: u, Header: reqHeader, Host: u.Host}
	route, params, err := router.FindRoute(req)
	if err != nil && !strings.HasSuffix(u.Path, ".json") {
		withSuffix := *u
		withSuffix.Path += ".json"
		req.URL = &withSuffix
		route, params, err = router.FindRoute(req)
	}
	if errors.Is(err, routers.ErrPathNotFound) || errors.Is(err, routers.ErrMethodNotAllowed) {
		if status != http.StatusNotFound {
			return fmt.Errorf("the description has no %s %s, yet it answered %d", method, u.Path, status)
		}
		return notFound(sp.doc, body)
	}
	if err != nil {
		return err
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 status,
		Header:                 header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(body)
	return openapi3filter.ValidateResponse(context.Background(), in)
}

// notFound checks the answer of a path that is no route: the description's
// 404 error.
func notFound(doc *openapi3.T, body []byte) error {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return err
	}
	schema := doc.Components.Responses["NotFound"].Value.Content.Get("application/json").Schema.Value
	return schema.VisitJSON(v, openapi3.EnableJSONSchema2020())
}

// The check fails an answer the description does not allow.
func TestSpecCheckRefusesWhatIsNotDescribed(t *testing.T) {
	ct := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	for name, c := range map[string]struct {
		method, path string
		status       int
		body, why    string
	}{
		"an undescribed status":        {"GET", "/messages.json", http.StatusTeapot, `{"error":"invalid","message":"x"}`, "status is not supported"},
		"a status the route never has": {"GET", "/healthz", 404, `{"error":"not_found","message":"x"}`, "status is not supported"},
		"a missing field":              {"GET", "/messages.json", 200, `{}`, `"messages" is missing`},
		"an undescribed field":         {"GET", "/messages.json", 200, `{"messages":[],"unread":3}`, `"unread" is unsupported`},
		"a wrong type":                 {"GET", "/user_upgrades.json", 200, `{"user_upgrades":[],"page":1,"limit":"20","has_more":false,"prev":null,"next":null}`, `"/limit": value must be an integer`},
		"an unknown error code":        {"GET", "/user_upgrades.json", 422, `{"error":"nope","message":"x"}`, `"/error"`},
		"an empty error message":       {"GET", "/user_upgrades.json", 422, `{"error":"invalid","message":""}`, `"/message"`},
		"a 401 without its challenge":  {"GET", "/messages.json", 401, `{"error":"unauthenticated","message":"x"}`, "WWW-Authenticate"},
		"an undescribed user field":    {"POST", "/session.json", 200, `{"id":1,"name":"a","level":"member","is_banned":false,"created_at":"2026-01-02T03:04:05Z","password_hash":"x"}`, "/password_hash"},
		"an undescribed profile field": {"GET", "/users/1.json", 200, `{"id":1,"name":"a","level":"member","is_banned":false,"created_at":"2026-01-02T03:04:05Z","offers":[],"password_hash":"x"}`, "/password_hash"},
		"a user without a level":       {"POST", "/session.json", 200, `{"id":1,"name":"a","is_banned":false,"created_at":"2026-01-02T03:04:05Z"}`, "'level'"},
		"an undescribed route":         {"GET", "/secrets.json", 200, `{}`, "no GET /secrets.json"},
		"an undescribed method":        {"DELETE", "/messages.json", 200, `{"messages":[]}`, "no DELETE /messages.json"},
		"a 404 that is not an error":   {"GET", "/secrets.json", 404, `{"missing":true}`, "'error', 'message'"},
		"a page asked for by Accept":   {"GET", "/messages", 200, `{"messages":[{"id":1}]}`, `"body" is missing`},
	} {
		t.Run(name, func(t *testing.T) {
			err := checkAgainstSpec(c.method, "http://127.0.0.1"+c.path, nil, c.status, ct, []byte(c.body))
			if err == nil || !strings.Contains(err.Error(), c.why) {
				t.Fatalf("error %v, want one about %s", err, c.why)
			}
		})
	}
	for name, c := range map[string]struct {
		method, path string
		status       int
		body         string
	}{
		"messages":                   {"GET", "/messages.json", 200, `{"messages":[{"id":1,"body":"hi","upgrade_id":null,"read":false,"created_at":"2026-01-02T03:04:05Z"}]}`},
		"a page asked for by Accept": {"GET", "/messages", 200, `{"messages":[]}`},
		"a user":                     {"POST", "/session.json", 200, `{"id":1,"name":"a","level":"member","is_banned":false,"created_at":"2026-01-02T03:04:05Z","api_key":"k"}`},
		"a profile":                  {"GET", "/users/1.json", 200, `{"id":1,"name":"a","level":"member","is_banned":false,"created_at":"2026-01-02T03:04:05Z","offers":[]}`},
		"no such page":               {"GET", "/secrets.json", 404, `{"error":"not_found","message":"there is no page here"}`},
	} {
		t.Run(name, func(t *testing.T) {
			if err := checkAgainstSpec(c.method, "http://127.0.0.1"+c.path, nil, c.status, ct, []byte(c.body)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// Anyone can read the description, as /openapi.json.
func TestOpenAPIServedToAnyone(t *testing.T) {
	e := start(t, nil)
	r := e.browser().get("/openapi.json").status(http.StatusOK)
	if r.Body != string(webhttp.OpenAPI()) {
		t.Fatal("/openapi.json is not the embedded description")
	}
	if got := r.object()["openapi"]; got != "3.1.0" {
		t.Fatalf("openapi %v, want 3.1.0", got)
	}
}

// The account routes that only API clients and the profile page use answer
// JSON too, as described (every answer here passes the description check).
func TestAccountRoutesAnswerJSON(t *testing.T) {
	e := start(t, nil)
	alice, bob := e.user("alice", domain.LevelMember), e.user("bob", domain.LevelMember)
	keyPath := fmt.Sprintf("/users/%d/api_key.json", alice.ID)

	e.api(bob).do("POST", keyPath, nil, nil).apiError(http.StatusForbidden, "forbidden")
	e.browser().do("POST", keyPath, nil, nil).apiError(http.StatusUnauthorized, "unauthenticated")
	u := e.api(alice).do("POST", keyPath, nil, nil).status(http.StatusOK).object()
	newKey, _ := u["api_key"].(string)
	if newKey == "" || newKey == alice.Key {
		t.Fatalf("api_key %q after rotation, was %q", newKey, alice.Key)
	}
	e.api(alice).get("/messages.json").apiError(http.StatusUnauthorized, "unauthenticated")
	alice.Key = newKey
	e.api(alice).get("/messages.json").status(http.StatusOK)

	pwPath := fmt.Sprintf("/users/%d/password.json", alice.ID)
	api := e.api(alice)
	api.json("POST", pwPath, map[string]any{"current_password": alice.Password, "password": "short"}).apiError(http.StatusUnprocessableEntity, "invalid")
	api.json("POST", pwPath, map[string]any{"current_password": alice.Password, "password": []string{"x"}}).apiError(http.StatusBadRequest, "invalid")
	api.json("POST", pwPath, map[string]any{"current_password": "not it at all", "password": "a new long one"}).apiError(http.StatusUnprocessableEntity, "invalid")
	api.json("POST", pwPath, map[string]any{"current_password": alice.Password, "password": "a new long one"}).status(http.StatusOK)
	e.browser().json("POST", "/session.json", map[string]any{"name": "alice", "password": "a new long one"}).status(http.StatusOK)
}
