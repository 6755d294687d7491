package http

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"
)

func init() { gin.SetMode(gin.ReleaseMode) }

func loadOpenAPI(t *testing.T, b []byte) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(b)
	if err != nil {
		t.Fatalf("loading the description: %v", err)
	}
	return doc
}

// The served description is a valid OpenAPI 3.1 document.
func TestOpenAPIDescriptionIsValid31(t *testing.T) {
	doc := loadOpenAPI(t, OpenAPI())
	if !strings.HasPrefix(doc.OpenAPI, "3.1.") || !doc.IsOpenAPI31OrLater() {
		t.Fatalf("openapi %q, want 3.1.x", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableMultiError()); err != nil {
		t.Fatalf("the description is not valid OpenAPI 3.1:\n%v", err)
	}
}

// The validity check above does catch a broken description: a response
// without its required description, and a 3.1 schema keyword misused.
func TestOpenAPIValidationCatchesMistakes(t *testing.T) {
	for name, breakIt := range map[string]func(m map[string]any){
		"a response without a description": func(m map[string]any) {
			delete(dig(m, "components", "responses", "NotFound"), "description")
		},
		"a type that is not a JSON Schema type": func(m map[string]any) {
			dig(m, "components", "schemas", "Message", "properties", "id")["type"] = "int"
		},
		"a reference to nothing": func(m map[string]any) {
			dig(m, "paths", "/messages.json", "get", "responses")["200"] = map[string]any{"$ref": "#/components/responses/Nothing"}
		},
	} {
		t.Run(name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal(OpenAPI(), &m); err != nil {
				t.Fatal(err)
			}
			breakIt(m)
			b, _ := json.Marshal(m)
			doc, err := openapi3.NewLoader().LoadFromData(b)
			if err == nil {
				err = doc.Validate(context.Background())
			}
			if err == nil {
				t.Fatal("the broken description was accepted")
			}
		})
	}
}

func dig(m map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		m = m[k].(map[string]any)
	}
	return m
}

// notJSON are the routes that never answer JSON (but for their errors):
// the receipt and payment links only redirect to Stripe, and dismissing
// the sale banner goes back to the page.
var notJSON = []string{"GET /", "GET /assets/*file", "GET /user_upgrades/:id/receipt", "GET /user_upgrades/:id/payment", "POST /sale/dismiss"}

// Every route of the router is described, and every described operation is
// a route: a route added without its description fails here.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	doc := loadOpenAPI(t, OpenAPI())
	r := gin.New()
	(&handlers{}).routes(r)
	routes := map[string]bool{}
	for _, rt := range r.Routes() {
		key := rt.Method + " " + rt.Path
		if slices.Contains(notJSON, key) {
			continue
		}
		routes[key] = true
	}
	described := map[string]bool{}
	for p, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			described[method+" "+p] = true
		}
	}
	for key := range routes {
		method, p, _ := strings.Cut(key, " ")
		if !described[method+" "+openAPIPath(p, doc)] {
			t.Errorf("route %s is not in openapi.json", key)
		}
	}
	for key := range described {
		method, p, _ := strings.Cut(key, " ")
		if !routes[method+" "+ginPath(p)] {
			t.Errorf("openapi.json describes %s, which is no route", key)
		}
	}
}

// openAPIPath is how a Gin route is described: ":id" as "{id}", with the
// .json suffix unless the route answers JSON without it.
func openAPIPath(p string, doc *openapi3.T) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, ":") {
			parts[i] = "{" + s[1:] + "}"
		}
	}
	p = strings.Join(parts, "/")
	if doc.Paths.Find(p) != nil {
		return p
	}
	return p + ".json"
}

// ginPath is the route behind a described path.
func ginPath(p string) string {
	parts := strings.Split(strings.TrimSuffix(p, ".json"), "/")
	for i, s := range parts {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			parts[i] = ":" + s[1:len(s)-1]
		}
	}
	return strings.Join(parts, "/")
}

// GET /openapi.json serves the description to anyone.
func TestOpenAPIIsServed(t *testing.T) {
	h := &handlers{}
	r := gin.New()
	h.routes(r)
	w := httptest.NewRecorder()
	stripJSONSuffix(r).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/openapi.json", nil))
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("status %d, Content-Type %q", w.Code, w.Header().Get("Content-Type"))
	}
	if w.Body.String() != string(OpenAPI()) {
		t.Fatal("the served description differs from the embedded one")
	}
}
