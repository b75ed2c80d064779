package ca

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// File names LoadOrCreateCA uses inside its folder.
const (
	CertFile = "ca.pem"
	KeyFile  = "ca-key.pem"
)

// DefaultCATTL is the lifetime of a CA that LoadOrCreateCA creates.
const DefaultCATTL = 10 * 365 * 24 * time.Hour

// LoadOrCreateCA loads dir/ca.pem and dir/ca-key.pem, or, when neither exists, creates a CA named
// commonName and writes both (the key 0600) so the next start reuses it. One file without the
// other is an error rather than a silent new CA, which would invalidate every issued cert.
func LoadOrCreateCA(dir, commonName string, clock Clock) (*CA, error) {
	certPath, keyPath := filepath.Join(dir, CertFile), filepath.Join(dir, KeyFile)
	certPEM, cerr := os.ReadFile(certPath)
	keyPEM, kerr := os.ReadFile(keyPath)
	switch {
	case cerr == nil && kerr == nil:
		c, err := LoadCA(certPEM, keyPEM, clock)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", dir, err)
		}
		return c, nil
	case errors.Is(cerr, fs.ErrNotExist) && errors.Is(kerr, fs.ErrNotExist):
	case cerr != nil && !errors.Is(cerr, fs.ErrNotExist):
		return nil, fmt.Errorf("ca: %w", cerr)
	case kerr != nil && !errors.Is(kerr, fs.ErrNotExist):
		return nil, fmt.Errorf("ca: %w", kerr)
	default:
		return nil, fmt.Errorf("ca: %s: only one of %s and %s exists", dir, CertFile, KeyFile)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("ca: %w", err)
	}
	certPEM, keyPEM, err := NewCA(commonName, DefaultCATTL, clock)
	if err != nil {
		return nil, err
	}
	// The key goes first: a crash between the two writes leaves a key without a cert, which the
	// next start reports instead of silently replacing.
	if err := writeFile(keyPath, keyPEM, 0o600); err != nil {
		return nil, err
	}
	if err := writeFile(certPath, certPEM, 0o644); err != nil {
		return nil, err
	}
	return LoadCA(certPEM, keyPEM, clock)
}

// writeFile writes through a temporary file, fsyncs and renames, so a reader never sees half.
func writeFile(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err != nil {
		return fmt.Errorf("ca: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return fmt.Errorf("ca: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("ca: write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("ca: sync %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("ca: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("ca: %w", err)
	}
	return nil
}
