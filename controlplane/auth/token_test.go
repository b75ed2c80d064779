package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

func newSigner(t *testing.T) (*Signer, *clock) {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	return NewSigner(k, c.Now), c
}

func TestZoneToken(t *testing.T) {
	global, c := newSigner(t)
	other, _ := newSigner(t)
	tok, err := global.IssueZoneToken("zone-1", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := global.VerifyZoneToken(tok, "zone-1"); err != nil {
		t.Fatalf("valid token refused: %v", err)
	}
	dpTok, err := global.IssueDataplaneToken("default", "web-1", ProxySidecar, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok, ".")
	// A token whose payload was changed: the signature no longer matches.
	forgedPayload := base64.RawURLEncoding.EncodeToString([]byte(`{"zonemesh/type":"zone","zonemesh/zone":"zone-2","exp":9999999999,"aud":["zonemesh-kds"]}`))
	noneTok, _ := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"zonemesh/type": "zone", "zonemesh/zone": "zone-1", "exp": 9999999999}).SignedString(jwt.UnsafeAllowNoneSignatureType)
	hsTok, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"zonemesh/type": "zone", "zonemesh/zone": "zone-1", "exp": 9999999999}).SignedString([]byte("secret"))
	otherTok, _ := other.IssueZoneToken("zone-1", time.Hour)
	cases := []struct {
		name, token, zone string
		want              error
	}{
		{"missing", "", "zone-1", ErrMissing},
		{"garbage", "not-a-token", "zone-1", ErrMalformed},
		{"bad base64", "a.b.c", "zone-1", ErrMalformed},
		{"forged payload", parts[0] + "." + forgedPayload + "." + parts[2], "zone-2", ErrBadSignature},
		{"other key", otherTok, "zone-1", ErrBadSignature},
		{"alg none", noneTok, "zone-1", ErrBadSignature},
		{"alg HS256", hsTok, "zone-1", ErrBadSignature},
		{"wrong zone", tok, "zone-2", ErrWrongSubject},
		{"dataplane token as zone token", dpTok, "zone-1", ErrWrongType},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := global.VerifyZoneToken(tc.token, tc.zone)
			assertOnly(t, err, tc.want)
		})
	}
	c.now = c.now.Add(time.Hour + time.Second)
	assertOnly(t, global.VerifyZoneToken(tok, "zone-1"), ErrExpired)
	c.now = c.now.Add(-3 * time.Hour)
	assertOnly(t, global.VerifyZoneToken(tok, "zone-1"), ErrNotYetValid)
}

var allErrors = []error{ErrMissing, ErrMalformed, ErrBadSignature, ErrExpired, ErrNotYetValid, ErrWrongSubject, ErrWrongType, ErrWrongToken}

// assertOnly checks that err is want and none of the other classes.
func assertOnly(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("got %v; want %v", err, want)
	}
	for _, e := range allErrors {
		if e != want && errors.Is(err, e) {
			t.Fatalf("%v is also %v", err, e)
		}
	}
}

func TestDataplaneToken(t *testing.T) {
	zone, _ := newSigner(t)
	tok, err := zone.IssueDataplaneToken("default", "web-1", ProxySidecar, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	kind, err := zone.VerifyDataplaneToken(tok, "default", "web-1")
	if err != nil || kind != ProxySidecar {
		t.Fatalf("valid token: %v %v", kind, err)
	}
	ing, err := zone.IssueDataplaneToken("", "ingress-1", ProxyIngress, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if kind, err := zone.VerifyDataplaneToken(ing, "", "ingress-1"); err != nil || kind != ProxyIngress {
		t.Fatalf("ingress token: %v %v", kind, err)
	}
	zoneTok, _ := zone.IssueZoneToken("zone-1", time.Hour)
	for _, tc := range []struct {
		name, token, mesh, dp string
		want                  error
	}{
		{"missing", "", "default", "web-1", ErrMissing},
		{"wrong name", tok, "default", "web-2", ErrWrongSubject},
		{"wrong mesh", tok, "other", "web-1", ErrWrongSubject},
		{"zone token as dataplane token", zoneTok, "default", "web-1", ErrWrongType},
		{"truncated", tok[:len(tok)-5], "default", "web-1", ErrMalformed},
		{"flipped signature", flip(tok, len(tok)-20), "default", "web-1", ErrBadSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := zone.VerifyDataplaneToken(tc.token, tc.mesh, tc.dp)
			assertOnly(t, err, tc.want)
		})
	}
	for _, bad := range []struct {
		mesh, name string
		kind       ProxyKind
		ttl        time.Duration
	}{{"", "web", ProxySidecar, time.Hour}, {"m", "", ProxySidecar, time.Hour}, {"m", "n", "gateway", time.Hour}, {"m", "n", ProxySidecar, 0}} {
		if _, err := zone.IssueDataplaneToken(bad.mesh, bad.name, bad.kind, bad.ttl); err == nil {
			t.Errorf("issued a token for %+v", bad)
		}
	}
}

func TestKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", ZoneTokenKeyFile)
	k1, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v; want 0600", st.Mode().Perm())
	}
	k2, err := LoadOrCreateKey(path)
	if err != nil || !k1.Equal(k2) {
		t.Fatalf("second load returned another key (%v)", err)
	}
	// A token signed by a signer loaded from the file verifies with another loaded later.
	c := &clock{now: time.Now()}
	s1, _ := LoadSigner(path, c.Now)
	tok, _ := s1.IssueZoneToken("z", time.Hour)
	s2, _ := LoadSigner(path, c.Now)
	if err := s2.VerifyZoneToken(tok, "z"); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "bad.pem")
	os.WriteFile(bad, []byte("not pem"), 0o600)
	if _, err := LoadOrCreateKey(bad); err == nil {
		t.Fatal("a broken key file was accepted (or replaced)")
	}
	if _, err := ReadKey(filepath.Join(t.TempDir(), "none.pem")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("ReadKey of a missing file: %v", err)
	}
}

func TestAdminToken(t *testing.T) {
	path := filepath.Join(t.TempDir(), AdminTokenFile)
	tok, err := LoadOrCreateAdminToken(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(tok) != 64 {
		t.Fatalf("token %q is not 32 bytes of hex", tok)
	}
	again, err := LoadOrCreateAdminToken(path)
	if err != nil || again != tok {
		t.Fatalf("second start read %q (%v); want %q", again, err, tok)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode().Perm())
	}
	if err := CheckAdmin(tok, tok); err != nil {
		t.Fatal(err)
	}
	assertOnly(t, CheckAdmin("", tok), ErrMissing)
	assertOnly(t, CheckAdmin(tok[:63]+"x", tok), ErrWrongToken)
	assertOnly(t, CheckAdmin("x", ""), ErrWrongToken)
}

func TestBearerToken(t *testing.T) {
	if tok, err := BearerToken("Bearer abc"); err != nil || tok != "abc" {
		t.Fatalf("%q %v", tok, err)
	}
	if tok, err := BearerToken("bearer abc"); err != nil || tok != "abc" {
		t.Fatalf("scheme is case-insensitive: %q %v", tok, err)
	}
	assertOnly(t, func() error { _, err := BearerToken(""); return err }(), ErrMissing)
	assertOnly(t, func() error { _, err := BearerToken("Bearer "); return err }(), ErrMissing)
	assertOnly(t, func() error { _, err := BearerToken("Basic dXNlcg=="); return err }(), ErrMalformed)
	assertOnly(t, func() error { _, err := BearerToken("abc"); return err }(), ErrMalformed)
}

// flip changes the base64url character at i to another one.
func flip(s string, i int) string {
	c := byte('A')
	if s[i] == 'A' {
		c = 'B'
	}
	return s[:i] + string(c) + s[i+1:]
}
