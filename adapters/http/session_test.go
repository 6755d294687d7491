package http

import (
	"strings"
	"testing"
	"time"

	"upgrades/domain"
)

func TestSessionCookieRoundTripAndTampering(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s := sessions{key: []byte("0123456789abcdef0123456789abcdef"), ttl: time.Hour, now: func() time.Time { return now }}
	v := s.encode(session{42, 7}, now)

	if got, ok := s.decode(v); !ok || got != (session{42, 7}) {
		t.Fatalf("decode(encode(42, 7)) = %v, %t", got, ok)
	}
	other := s
	other.key = []byte("another-secret-another-secret-xx")
	parts := strings.Split(v, ".")
	for name, bad := range map[string]string{
		"another user":       "43." + parts[1] + "." + parts[2] + "." + parts[3],
		"another generation": parts[0] + ".8." + parts[2] + "." + parts[3],
		"a later issue":      parts[0] + "." + parts[1] + ".9999999999." + parts[3],
		"no signature":       parts[0] + "." + parts[1] + "." + parts[2],
		"a cut tag":          v[:len(v)-1],
		"empty":              "",
		"garbage":            "a.b.c.d",
	} {
		if got, ok := s.decode(bad); ok {
			t.Errorf("%s: accepted as %v", name, got)
		}
	}
	if _, ok := other.decode(v); ok {
		t.Error("a cookie signed with another secret was accepted")
	}
	now = now.Add(time.Hour)
	if _, ok := s.decode(v); ok {
		t.Error("an expired cookie was accepted")
	}
}

// A cookie is good for the server's lifetime from when it was issued,
// whatever it claims: one signed to be issued far in the future (as a
// stolen or mistaken key could make) is refused, and so is one older than
// a lifetime shortened since it was issued.
func TestSessionLifetimeIsTheServers(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s := sessions{key: []byte("0123456789abcdef0123456789abcdef"), ttl: 14 * 24 * time.Hour, now: func() time.Time { return now }}
	if _, ok := s.decode(s.encode(session{1, 0}, now.Add(30*24*time.Hour))); ok {
		t.Error("a cookie issued a month from now was accepted")
	}
	if _, ok := s.decode(s.encode(session{1, 0}, now.Add(30*time.Second))); !ok {
		t.Error("a cookie from a replica whose clock is 30 s ahead was refused")
	}
	old := s.encode(session{1, 0}, now.Add(-2*24*time.Hour))
	if _, ok := s.decode(old); !ok {
		t.Fatal("a two-day-old cookie was refused under a 14-day lifetime")
	}
	s.ttl = 24 * time.Hour
	if _, ok := s.decode(old); ok {
		t.Error("a two-day-old cookie was accepted under a one-day lifetime")
	}
}

func TestLocalPathKeepsOnlyThisSite(t *testing.T) {
	for in, want := range map[string]string{
		"/user_upgrades?page=2": "/user_upgrades?page=2",
		"/":                     "/",
		"":                      "",
		"//evil.example/x":      "",
		"/\\evil.example":       "",
		"https://evil.example/": "",
		"javascript:alert(1)":   "",
		"user_upgrades":         "",
	} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestErrorTableCoversEveryKind(t *testing.T) {
	for _, k := range []domain.Kind{
		domain.KindInternal, domain.KindInvalid, domain.KindMalformed, domain.KindUnauthenticated, domain.KindForbidden,
		domain.KindNotFound, domain.KindConflict, domain.KindTooLarge, domain.KindPaymentProvider, domain.KindUnavailable,
	} {
		if _, ok := errorStatus[k]; !ok {
			t.Errorf("no status for %s", k)
		}
	}
	p := problemOf(domain.Errorf(domain.KindInternal, "disk /dev/sda1 failed"))
	if p.Status != 500 || p.Message != internalMessage {
		t.Errorf("an internal *Error shows %+v", p)
	}
}
