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
	v := s.encode(42, now.Add(time.Hour))

	if id, ok := s.decode(v); !ok || id != 42 {
		t.Fatalf("decode(encode(42)) = %d, %t", id, ok)
	}
	other := s
	other.key = []byte("another-secret-another-secret-xx")
	parts := strings.Split(v, ".")
	for name, bad := range map[string]string{
		"another user":   "43." + parts[1] + "." + parts[2],
		"a later expiry": parts[0] + ".9999999999." + parts[2],
		"no signature":   parts[0] + "." + parts[1],
		"a cut tag":      v[:len(v)-1],
		"empty":          "",
		"garbage":        "a.b.c",
	} {
		if id, ok := s.decode(bad); ok {
			t.Errorf("%s: accepted as user %d", name, id)
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
