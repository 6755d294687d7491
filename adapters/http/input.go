package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"upgrades/domain"
)

// input is a request's fields, read from a form or a JSON object. Fields
// nobody asks for are ignored, so clients may send more than is used
// (a price, say, which the server never takes from a request).
type input struct {
	values map[string]string
	shapes map[string]bool // fields that were JSON objects or arrays
	err    error
}

// readInput reads the body of a POST as a form or, when it says it is
// JSON, as one JSON object.
func readInput(c *gin.Context) (*input, error) {
	r := c.Request
	if isJSONBody(r) {
		return readJSON(r.Body)
	}
	var err error
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		err = r.ParseMultipartForm(multipartMemory)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		return nil, bodyError(err)
	}
	if err := checkValues("the form", r.PostForm); err != nil {
		return nil, err
	}
	in := &input{values: map[string]string{}}
	for k, v := range r.PostForm {
		if len(v) > 0 {
			in.values[k] = v[0]
		}
	}
	return in, nil
}

// readOptionalInput is readInput for a request whose fields are all
// optional (a reason): an empty body, JSON or not, has none.
func readOptionalInput(c *gin.Context) (*input, error) {
	if c.Request.ContentLength == 0 {
		return &input{values: map[string]string{}}, nil
	}
	return readInput(c)
}

func readJSON(body io.Reader) (*input, error) {
	// Read whole first: the decoder would quietly turn invalid UTF-8 into
	// U+FFFD, and the text must be refused as sent.
	raw, err := io.ReadAll(body)
	if err != nil {
		return nil, bodyError(err)
	}
	if !utf8.Valid(raw) {
		return nil, badText("the request body")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return nil, bodyError(err)
	}
	if obj == nil {
		return nil, domain.Errorf(domain.KindMalformed, "the request body must be a JSON object")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, bodyError(err)
		}
		return nil, domain.Errorf(domain.KindMalformed, "the request body must hold one JSON object")
	}
	in := &input{values: map[string]string{}, shapes: map[string]bool{}}
	if err := checkText(obj); err != nil {
		return nil, err
	}
	for k, v := range obj {
		switch v := v.(type) {
		case string:
			in.values[k] = v
		case json.Number:
			in.values[k] = v.String()
		case bool:
			in.values[k] = strconv.FormatBool(v)
		case nil:
		default:
			in.shapes[k] = true
		}
	}
	return in, nil
}

// validText reports whether s is text the shop keeps: valid UTF-8 without
// NUL, which PostgreSQL refuses in text and which no name or password holds.
func validText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

func badText(where string) error {
	return domain.Errorf(domain.KindMalformed, "%s holds a NUL byte or invalid UTF-8", where)
}

// checkValues refuses form or query fields whose names or values are not
// valid text.
func checkValues(where string, vs map[string][]string) error {
	for k, list := range vs {
		if !validText(k) {
			return badText(where)
		}
		for _, v := range list {
			if !validText(v) {
				return badText(where + "'s " + k)
			}
		}
	}
	return nil
}

// checkText refuses a decoded JSON value holding a NUL (sent as \u0000),
// at any depth.
func checkText(v any) error {
	switch v := v.(type) {
	case string:
		if !validText(v) {
			return badText("the request body")
		}
	case map[string]any:
		for k, e := range v {
			if !validText(k) {
				return badText("the request body")
			}
			if err := checkText(e); err != nil {
				return err
			}
		}
	case []any:
		for _, e := range v {
			if err := checkText(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// refuseBadText answers 400 to a request whose query string, path or
// HTTP Basic credentials are not valid text, before any handler reads
// them: every route, whatever store is behind it.
func (h *handlers) refuseBadText(c *gin.Context) {
	err := checkValues("the query string", c.Request.URL.Query())
	if err == nil && !validText(c.Request.URL.Path) {
		err = badText("the path")
	}
	if name, key, ok := c.Request.BasicAuth(); err == nil && ok && (!validText(name) || !validText(key)) {
		err = badText("the credentials")
	}
	if err != nil {
		h.fail(c, err)
		return
	}
	c.Next()
}

// bodyError says why a body could not be read: too large, or malformed.
func bodyError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return tooLarge(tooBig.Limit)
	}
	if errors.Is(err, io.EOF) {
		return domain.Errorf(domain.KindMalformed, "the request body is empty")
	}
	return domain.WrapError(domain.KindMalformed, err, "the request body could not be read")
}

// get returns a field as text; a field that is an object or an array is
// remembered as an error for check.
func (in *input) get(name string) string {
	if in.shapes[name] && in.err == nil {
		in.err = domain.Errorf(domain.KindMalformed, "%s must be a string", name)
	}
	return strings.TrimSpace(in.values[name])
}

// secret returns a field exactly as sent (passwords keep their spaces).
func (in *input) secret(name string) string {
	s := in.get(name)
	if v, ok := in.values[name]; ok {
		s = v
	}
	return s
}

// id returns a field that holds an id; empty is 0.
func (in *input) id(name string) int64 {
	s := in.get(name)
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if (err != nil || n <= 0) && in.err == nil {
		in.err = domain.Errorf(domain.KindMalformed, "%s must be a positive number", name)
	}
	return n
}

// check reports the first field that could not be read.
func (in *input) check() error { return in.err }

// multipartMemory is how much of a multipart form is held in memory rather
// than in temporary files. The body is already capped by Config.BodyLimit.
const multipartMemory = 64 << 10
