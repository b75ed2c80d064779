package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

// LoadOrCreateAdminToken reads the admin token at path, creating one (32 random bytes, hex,
// mode 0600) on first start.
func LoadOrCreateAdminToken(path string) (string, error) {
	tok, err := ReadTokenFile(path)
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		return tok, err
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("auth: %w", err)
	}
	created, err := createOnce(path, []byte(hex.EncodeToString(b[:])+"\n"))
	if err != nil {
		return "", err
	}
	if !created {
		return ReadTokenFile(path)
	}
	return hex.EncodeToString(b[:]), nil
}

// ReadTokenFile reads a token from a file, without surrounding white space.
func ReadTokenFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("auth: read token: %w", err)
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		return "", fmt.Errorf("auth: %s: %w", path, ErrMissing)
	}
	return tok, nil
}

// CheckAdmin compares a presented admin token with the real one in constant time.
func CheckAdmin(presented, want string) error {
	if presented == "" {
		return ErrMissing
	}
	if want == "" || subtle.ConstantTimeCompare([]byte(presented), []byte(want)) != 1 {
		return ErrWrongToken
	}
	return nil
}

// BearerToken extracts the token from an Authorization header value ("Bearer <token>").
func BearerToken(header string) (string, error) {
	if header == "" {
		return "", ErrMissing
	}
	scheme, tok, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", fmt.Errorf("%w: authorization is not \"Bearer <token>\"", ErrMalformed)
	}
	tok = strings.TrimSpace(tok)
	if tok == "" {
		return "", ErrMissing
	}
	return tok, nil
}
