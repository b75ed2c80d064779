package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TokenType tells zone tokens from dataplane tokens; a token is only accepted as its own type.
type TokenType string

const (
	TypeZone      TokenType = "zone"
	TypeDataplane TokenType = "dataplane"
)

// ProxyKind is the kind of proxy a dataplane token is for.
type ProxyKind string

const (
	ProxySidecar ProxyKind = "sidecar"
	ProxyIngress ProxyKind = "ingress"
)

// Audiences name the service a token is for.
const (
	audienceKDS = "zonemesh-kds"
	audienceXDS = "zonemesh-xds"
)

// Claims are a token's claims. Zone tokens set Zone; dataplane tokens set Mesh (empty for a
// zone ingress), Name and Proxy.
type Claims struct {
	Type  TokenType `json:"zonemesh/type"`
	Zone  string    `json:"zonemesh/zone,omitempty"`
	Mesh  string    `json:"zonemesh/mesh,omitempty"`
	Name  string    `json:"zonemesh/name,omitempty"`
	Proxy ProxyKind `json:"zonemesh/proxy,omitempty"`
	jwt.RegisteredClaims
}

// Signer issues and verifies tokens with one ed25519 key: global's for zone tokens, a zone's
// for dataplane tokens.
type Signer struct {
	key   ed25519.PrivateKey
	clock func() time.Time
}

// NewSigner returns a signer with key that reads the time from clock.
func NewSigner(key ed25519.PrivateKey, clock func() time.Time) *Signer {
	return &Signer{key: key, clock: clock}
}

// LoadSigner returns a signer whose key lives at path, created on first use.
func LoadSigner(path string, clock func() time.Time) (*Signer, error) {
	k, err := LoadOrCreateKey(path)
	if err != nil {
		return nil, err
	}
	return NewSigner(k, clock), nil
}

// IssueZoneToken issues a token that lets zone connect to global for ttl.
func (s *Signer) IssueZoneToken(zone string, ttl time.Duration) (string, error) {
	if zone == "" {
		return "", errors.New("auth: zone token: zone must not be empty")
	}
	return s.issue(Claims{Type: TypeZone, Zone: zone}, zone, audienceKDS, ttl)
}

// VerifyZoneToken checks that token is a valid zone token for claimedZone.
func (s *Signer) VerifyZoneToken(token, claimedZone string) error {
	c, err := s.verify(token, TypeZone, audienceKDS)
	if err != nil {
		return err
	}
	if c.Zone != claimedZone {
		return fmt.Errorf("%w: token is for zone %q, not %q", ErrWrongSubject, c.Zone, claimedZone)
	}
	return nil
}

// IssueDataplaneToken issues a token for the proxy mesh/name (mesh empty for an ingress).
func (s *Signer) IssueDataplaneToken(mesh, name string, kind ProxyKind, ttl time.Duration) (string, error) {
	if name == "" {
		return "", errors.New("auth: dataplane token: name must not be empty")
	}
	switch kind {
	case ProxySidecar:
		if mesh == "" {
			return "", errors.New("auth: dataplane token: mesh must not be empty for a sidecar")
		}
	case ProxyIngress:
	default:
		return "", fmt.Errorf("auth: dataplane token: kind %q is neither %q nor %q", kind, ProxySidecar, ProxyIngress)
	}
	return s.issue(Claims{Type: TypeDataplane, Mesh: mesh, Name: name, Proxy: kind}, mesh+"/"+name, audienceXDS, ttl)
}

// VerifyDataplaneToken checks that token is a valid dataplane token for mesh/name and returns
// the kind of proxy it was issued for.
func (s *Signer) VerifyDataplaneToken(token, mesh, name string) (ProxyKind, error) {
	c, err := s.verify(token, TypeDataplane, audienceXDS)
	if err != nil {
		return "", err
	}
	if c.Mesh != mesh || c.Name != name {
		return "", fmt.Errorf("%w: token is for dataplane %s/%s, not %s/%s", ErrWrongSubject, c.Mesh, c.Name, mesh, name)
	}
	return c.Proxy, nil
}

func (s *Signer) issue(c Claims, subject, audience string, ttl time.Duration) (string, error) {
	if ttl <= 0 {
		return "", fmt.Errorf("auth: token ttl %v must be positive", ttl)
	}
	var id [12]byte
	if _, err := rand.Read(id[:]); err != nil {
		return "", fmt.Errorf("auth: %w", err)
	}
	now := s.clock()
	c.RegisteredClaims = jwt.RegisteredClaims{
		Subject:   subject,
		Audience:  jwt.ClaimStrings{audience},
		IssuedAt:  jwt.NewNumericDate(now),
		NotBefore: jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		ID:        hex.EncodeToString(id[:]),
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodEdDSA, &c).SignedString(s.key)
	if err != nil {
		return "", fmt.Errorf("auth: sign: %w", err)
	}
	return tok, nil
}

func (s *Signer) verify(token string, want TokenType, audience string) (*Claims, error) {
	if token == "" {
		return nil, ErrMissing
	}
	var c Claims
	pub := s.key.Public()
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return pub, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
		jwt.WithTimeFunc(s.clock),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
	)
	if err != nil {
		return nil, classify(err)
	}
	// The type is checked before the audience so that a token of the other kind gets the
	// more telling error.
	if c.Type != want {
		return nil, fmt.Errorf("%w: a %q token, want %q", ErrWrongType, c.Type, want)
	}
	if len(c.Audience) != 1 || c.Audience[0] != audience {
		return nil, fmt.Errorf("%w: audience %v, want %q", ErrWrongType, c.Audience, audience)
	}
	return &c, nil
}

// classify maps the jwt library's errors onto this package's sentinels.
func classify(err error) error {
	var sentinel error
	switch {
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		sentinel = ErrBadSignature
	case errors.Is(err, jwt.ErrTokenExpired):
		sentinel = ErrExpired
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		sentinel = ErrNotYetValid
	default:
		// Malformed encoding, unknown algorithm, missing or ill-typed claims.
		sentinel = ErrMalformed
	}
	return fmt.Errorf("%w: %v", sentinel, err)
}
