// Package secure hashes passwords with bcrypt and makes random tokens.
package secure

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"time"

	"golang.org/x/crypto/bcrypt"

	"upgrades/application"
	"upgrades/domain"
)

// Bcrypt hashes passwords with bcrypt at a given cost.
type Bcrypt struct{ Cost int }

var _ application.PasswordHasher = Bcrypt{}

// NewBcrypt uses bcrypt's default cost (10: about 50 ms a hash).
func NewBcrypt() Bcrypt { return Bcrypt{Cost: bcrypt.DefaultCost} }

func (b Bcrypt) Hash(password string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), b.Cost)
	if errors.Is(err, bcrypt.ErrPasswordTooLong) {
		return "", err
	}
	return string(h), err
}

func (Bcrypt) Verify(hash, password string) bool {
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}

// Tokens makes 256-bit random tokens, URL-safe.
type Tokens struct{}

var _ application.Tokens = Tokens{}

func (Tokens) NewToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// SystemClock is the wall clock.
type SystemClock struct{}

func (SystemClock) Now() time.Time { return time.Now() }

// Sleep waits for d on the wall clock, or until ctx ends.
func (SystemClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Codes makes upgrade codes from crypto/rand.
type Codes struct{}

var _ application.CodeMaker = Codes{}

// NewCode draws each character uniformly: random bytes at or above the
// largest multiple of the alphabet's size below 256 are drawn again, so
// that taking them modulo the size favours no character.
func (Codes) NewCode() (domain.CodeValue, error) {
	limit := byte(256 / len(domain.CodeAlphabet) * len(domain.CodeAlphabet))
	picked := make([]byte, 0, domain.CodeLength)
	buf := make([]byte, 2*domain.CodeLength)
	for len(picked) < domain.CodeLength {
		if _, err := rand.Read(buf); err != nil {
			return domain.CodeValue{}, err
		}
		for _, b := range buf {
			if b < limit && len(picked) < domain.CodeLength {
				picked = append(picked, b)
			}
		}
	}
	return domain.NewCodeValue(picked)
}
