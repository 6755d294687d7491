package domain

import (
	_ "embed"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Password limits. bcrypt reads only the first 72 bytes of a password, so a
// longer one would let anything be appended to it.
const (
	MinPasswordRunes = 8
	MaxPasswordBytes = 72
)

// commonPasswordList is the 5,000 most common passwords of at least 8
// characters, most common first, lower case, one a line: from zxcvbn's
// data/passwords.txt (Dropbox, MIT licence, quoted at the top of the file
// in lines starting with #), itself counted from a public list of ten
// million leaked passwords. Shorter ones are refused anyway.
//
//go:embed common_passwords.txt
var commonPasswordList string

var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, 5000)
	for _, p := range strings.Split(commonPasswordList, "\n") {
		if p = strings.TrimSpace(p); p != "" && !strings.HasPrefix(p, "#") {
			set[p] = struct{}{}
		}
	}
	return set
})

// CheckPassword says why a new password cannot be used, or returns nil:
// it needs at least 8 characters (not bytes), at most 72 bytes, something
// besides white space, and must not be one of the most common passwords
// (compared ignoring case, as guessers try every case).
func CheckPassword(p string) error {
	switch {
	case !utf8.ValidString(p) || strings.ContainsRune(p, 0):
		return Errorf(KindMalformed, "the password is not valid text")
	case utf8.RuneCountInString(p) < MinPasswordRunes:
		return Errorf(KindInvalid, "password must be at least %d characters", MinPasswordRunes)
	case len(p) > MaxPasswordBytes:
		return Errorf(KindInvalid, "password must be at most %d bytes (fewer characters outside ASCII)", MaxPasswordBytes)
	case strings.TrimFunc(p, unicode.IsSpace) == "":
		return Errorf(KindInvalid, "password must not be only spaces")
	}
	if _, common := commonPasswords()[strings.ToLower(p)]; common {
		return Errorf(KindInvalid, "this password is one of the most common ones; choose another")
	}
	return nil
}
