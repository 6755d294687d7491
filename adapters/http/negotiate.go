package http

import (
	"context"
	"mime"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

type jsonSuffixKey struct{}

// stripJSONSuffix serves /x.json as /x and remembers that JSON was asked
// for, so that every route answers both ways from one handler.
func stripJSONSuffix(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if len(p) > len("/.json") && strings.HasSuffix(p, ".json") && !strings.HasPrefix(p, "/assets/") {
			u := *r.URL
			u.Path, u.RawPath = strings.TrimSuffix(p, ".json"), ""
			r = r.WithContext(context.WithValue(r.Context(), jsonSuffixKey{}, true))
			r.URL = &u
		}
		next.ServeHTTP(w, r)
	})
}

// wantsJSON reports whether the client asked for JSON: by the .json
// suffix, by Accept, or by sending JSON itself.
func wantsJSON(c *gin.Context) bool {
	if asked, _ := c.Request.Context().Value(jsonSuffixKey{}).(bool); asked {
		return true
	}
	if strings.Contains(c.GetHeader("Accept"), "application/json") {
		return true
	}
	return isJSONBody(c.Request)
}

func isJSONBody(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "application/json"
}
