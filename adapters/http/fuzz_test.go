package http

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"upgrades/domain"
)

// fuzzBodyLimit is far below the routes' limit so that the fuzzer reaches
// it with bodies of the size it makes.
const fuzzBodyLimit = 1 << 10

// FuzzReadInput reads bodies as the form and JSON routes do.
func FuzzReadInput(f *testing.F) {
	for _, seed := range []struct{ contentType, body string }{
		{"application/x-www-form-urlencoded", "name=alice&password=+s3cret+&email=alice%40example.com"},
		{"application/x-www-form-urlencoded", "upgrade_type=gold&user_id=2&user_id=3"},
		{"application/x-www-form-urlencoded", "name=%zz;x"},
		{"multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"upgrade_type\"\r\n\r\ngold\r\n--b--\r\n"},
		{"multipart/form-data", "--b--\r\n"},
		{"application/json", `{"upgrade_type":"gold","user_id":2}`},
		{"application/json; charset=utf-8", `{"name":" Zoë 🚀 ","password":"  two spaces  ","\u00e9":"\u2028"}`},
		{"application/json", `{"user_id":{"id":2},"tags":["a",["b"]],"gift":true,"admin":false,"name":null}`},
		{"application/json", `{"user_id":123456789012345678901234567890,"amount":-1.5e400,"zero":-0}`},
		{"application/json", `{"name":"a","name":{},"name":"b"}`},
		{"application/json", "{\"name\":\"\xff\xfe\",\"\xc3\":1}"},
		{"application/json", `{"a":1} {"b":2}`},
		{"application/json", `{"a":1}]`},
		{"application/json", `null`},
		{"application/json", `["a"]`},
		{"application/json", ``},
		{"application/json", `{"name":"` + strings.Repeat("x", fuzzBodyLimit) + `"}`},
		{"text/plain", "name=alice"},
		{"", "name=alice"},
	} {
		f.Add(seed.contentType, []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodPost, "/users", bytes.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		r.Body = http.MaxBytesReader(w, r.Body, fuzzBodyLimit)
		c, _ := gin.CreateTestContext(w)
		c.Request = r

		in, err := readInput(c)
		if err != nil {
			if !domain.IsKind(err, domain.KindMalformed) && !domain.IsKind(err, domain.KindInvalid) && !domain.IsKind(err, domain.KindTooLarge) {
				t.Fatalf("a body that cannot be read must be malformed, invalid or too large, got %v", err)
			}
			return
		}
		if mt, _, _ := mime.ParseMediaType(contentType); mt == "application/x-www-form-urlencoded" {
			checkFormFields(t, body, in)
		}
		if isJSONBody(r) {
			checkJSONFields(t, body, in)
		}
	})
}

// checkFormFields reads the form again on its own: every field comes out
// as its first value was sent.
func checkFormFields(t *testing.T, body []byte, in *input) {
	t.Helper()
	sent, err := url.ParseQuery(string(body))
	if err != nil {
		t.Fatalf("accepted a form that does not parse: %v", err)
	}
	for name, values := range sent {
		if got := in.secret(name); got != values[0] {
			t.Errorf("%q came out as %q, was sent as %q", name, got, values[0])
		}
	}
	if len(in.values) != len(sent) {
		t.Errorf("read %d fields from a form of %d", len(in.values), len(sent))
	}
}

// checkJSONFields reads the object again on its own, value by value: a
// string comes out as it was sent (get trims it), a number as it was
// written, an object or an array only as an error, and null as nothing.
func checkJSONFields(t *testing.T, body []byte, in *input) {
	t.Helper()
	var sent map[string]json.RawMessage
	if err := json.Unmarshal(body, &sent); err != nil || sent == nil {
		t.Fatalf("accepted a body that is not one JSON object: %v", err)
	}
	shaped, fields := false, 0
	for name, raw := range sent {
		var want string
		switch raw[0] {
		case '"':
			if err := json.Unmarshal(raw, &want); err != nil {
				t.Fatal(err)
			}
		case '{', '[':
			shaped = true
		case 'n':
		default:
			want = string(raw)
		}
		if string(raw) != "null" {
			fields++
		}
		if got := in.secret(name); got != want {
			t.Errorf("%q came out as %q, was sent as %s", name, got, raw)
		}
		if got := in.get(name); got != strings.TrimSpace(want) {
			t.Errorf("%q came out of get as %q, was sent as %s", name, got, raw)
		}
	}
	if err := in.check(); shaped != domain.IsKind(err, domain.KindMalformed) {
		t.Errorf("check = %v after reading every field", err)
	}
	if len(in.values)+len(in.shapes) != fields {
		t.Errorf("read %d fields from an object of %d", len(in.values)+len(in.shapes), fields)
	}
}
