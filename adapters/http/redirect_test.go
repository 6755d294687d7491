package http

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// localPath's answer is what the login sends the browser to: it must stay
// a path of this site once http.Redirect has cleaned it.
func TestLocalPathStaysOnTheSite(t *testing.T) {
	for next, want := range map[string]string{
		"/user_upgrades":         "/user_upgrades",
		"/user_upgrades/7?x=1#y": "/user_upgrades/7?x=1#y",
		"/users/./3":             "/users/3",
		"/users/3/":              "/users/3/",
		"/a/../b":                "/b",
		"/":                      "/",
		"":                       "",
		"user_upgrades":          "",
		"//evil.example":         "",
		"///evil.example":        "",
		"/\\evil.example":        "",
		"/./\\evil.example":      "",
		"/.//evil.example":       "",
		"/..//evil.example":      "",
		"/%5Cevil.example":       "",
		"/%2F%2Fevil.example":    "",
		"/%2F/evil.example":      "",
		"/a/..//evil.example":    "",
		"/\tevil.example":        "",
		"/%09/evil.example":      "",
		"/%0d%0aSet-Cookie:x":    "",
		"/\x00":                  "",
		"/%00":                   "",
		"/\u0085evil":            "",
		"https://evil.example/":  "",
		"http:/evil.example":     "",
		"/\\/evil.example":       "",
	} {
		got := localPath(next)
		if got != want {
			t.Errorf("localPath(%q) = %q, want %q", next, got, want)
			continue
		}
		if got == "" {
			continue
		}
		// What reaches the browser, and how a browser reads it.
		w := httptest.NewRecorder()
		http.Redirect(w, httptest.NewRequest("GET", "/session", nil), got, http.StatusSeeOther)
		loc := w.Header().Get("Location")
		if !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") || strings.ContainsAny(loc, "\\\t\r\n") {
			t.Errorf("localPath(%q) = %q redirects to %q", next, got, loc)
		}
	}
}
