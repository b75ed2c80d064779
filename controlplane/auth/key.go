package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// File names of the credentials a control plane keeps in its data directory.
const (
	// ZoneTokenKeyFile is global's key for zone tokens: <global data dir>/zone-token-signing.pem.
	ZoneTokenKeyFile = "zone-token-signing.pem"
	// DataplaneTokenKeyFile is a zone's key for dataplane tokens:
	// <zone data dir>/dataplane-token-signing.pem.
	DataplaneTokenKeyFile = "dataplane-token-signing.pem"
	// AdminTokenFile holds the REST API's admin token: <data dir>/admin-token.
	AdminTokenFile = "admin-token"
)

// ReadKey reads an ed25519 private key from a PEM file (PKCS #8, "PRIVATE KEY").
func ReadKey(path string) (ed25519.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("auth: read key: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("auth: %s: no PEM \"PRIVATE KEY\" block", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("auth: %s: %w", path, err)
	}
	ek, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("auth: %s: a %T, not an ed25519 key", path, k)
	}
	return ek, nil
}

// LoadOrCreateKey reads the key at path, creating a new one (mode 0600) when there is none.
func LoadOrCreateKey(path string) (ed25519.PrivateKey, error) {
	k, err := ReadKey(path)
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		return k, err
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("auth: generate key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("auth: encode key: %w", err)
	}
	created, err := createOnce(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	if err != nil {
		return nil, err
	}
	if !created {
		return ReadKey(path) // another process won the race; use its key
	}
	return priv, nil
}

// createOnce writes data to path (mode 0600) unless path exists, atomically: readers never
// see a half-written file and two creators never both win. It reports whether it created it.
func createOnce(path string, data []byte) (bool, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return false, fmt.Errorf("auth: %w", err)
	}
	f, err := os.CreateTemp(dir, ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return false, fmt.Errorf("auth: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return false, fmt.Errorf("auth: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return false, fmt.Errorf("auth: write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return false, fmt.Errorf("auth: sync %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return false, fmt.Errorf("auth: %w", err)
	}
	// link fails if path exists, unlike rename, which would replace a key already in use.
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return false, nil
		}
		return false, fmt.Errorf("auth: create %s: %w", path, err)
	}
	return true, nil
}
