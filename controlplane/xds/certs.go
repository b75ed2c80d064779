package xds

import (
	"bytes"
	"fmt"
	"sync"
	"time"

	"github.com/zonemesh/zonemesh/controlplane/ca"
)

// DefaultCertTTL is the lifetime of a proxy certificate when the Mesh does not set one.
const DefaultCertTTL = 24 * time.Hour

// RotateAt is the share of a certificate's lifetime after which it is replaced.
const RotateAt = 0.8

// CertCache issues SPIFFE certificates from each mesh's CA, once per (mesh, service), and
// reissues one when 80% of its lifetime has passed. It implements CertSource.
type CertCache struct {
	now ca.Clock

	mu     sync.Mutex
	meshes map[string]*meshCA
	certs  map[[2]string]*issued
}

type meshCA struct {
	certPEM []byte
	ca      *ca.CA
	ttl     time.Duration
}

type issued struct {
	cert, key []byte
	rotateAt  time.Time
}

// NewCertCache returns an empty cache reading time from clock (nil: time.Now).
func NewCertCache(clock ca.Clock) *CertCache {
	if clock == nil {
		clock = time.Now
	}
	return &CertCache{now: clock, meshes: map[string]*meshCA{}, certs: map[[2]string]*issued{}}
}

// SetMeshCA installs a mesh's CA (from its MeshCA resource) and the lifetime of the
// certificates it issues. A different CA drops the mesh's certificates; the same one keeps them.
func (c *CertCache) SetMeshCA(mesh string, certPEM, keyPEM []byte, ttl time.Duration) error {
	if ttl <= 0 {
		ttl = DefaultCertTTL
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if m := c.meshes[mesh]; m != nil && bytes.Equal(m.certPEM, certPEM) {
		if m.ttl != ttl {
			m.ttl = ttl
			c.dropLocked(mesh)
		}
		return nil
	}
	a, err := ca.LoadCA(certPEM, keyPEM, c.now)
	if err != nil {
		return fmt.Errorf("mesh %s: %w", mesh, err)
	}
	c.meshes[mesh] = &meshCA{certPEM: append([]byte(nil), certPEM...), ca: a, ttl: ttl}
	c.dropLocked(mesh)
	return nil
}

// RemoveMesh forgets a mesh's CA and certificates.
func (c *CertCache) RemoveMesh(mesh string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.meshes, mesh)
	c.dropLocked(mesh)
}

func (c *CertCache) dropLocked(mesh string) {
	for k := range c.certs {
		if k[0] == mesh {
			delete(c.certs, k)
		}
	}
}

// HasCA reports whether a mesh's CA is known.
func (c *CertCache) HasCA(mesh string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.meshes[mesh] != nil
}

// Identity returns the current certificate of spiffe://<mesh>/<service>, issuing it first when
// there is none or the one there is due for rotation.
func (c *CertCache) Identity(mesh, service string) (certPEM, keyPEM []byte, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.meshes[mesh]
	if m == nil {
		return nil, nil, fmt.Errorf("mesh %s: no CA yet", mesh)
	}
	k := [2]string{mesh, service}
	now := c.now()
	if is := c.certs[k]; is != nil && now.Before(is.rotateAt) {
		return is.cert, is.key, nil
	}
	cert, key, notAfter, err := m.ca.IssueSPIFFE(mesh, service, m.ttl)
	if err != nil {
		return nil, nil, err
	}
	life := notAfter.Sub(now)
	c.certs[k] = &issued{cert: cert, key: key, rotateAt: now.Add(time.Duration(float64(life) * RotateAt))}
	return cert, key, nil
}

// Bundle returns the mesh's CA certificate.
func (c *CertCache) Bundle(mesh string) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.meshes[mesh]
	if m == nil {
		return nil, fmt.Errorf("mesh %s: no CA yet", mesh)
	}
	return m.certPEM, nil
}

// Due returns the meshes that have a certificate due for rotation at now, and the earliest
// rotation time after now (zero when there is no certificate).
func (c *CertCache) Due() (meshes map[string]bool, next time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	meshes = map[string]bool{}
	for k, is := range c.certs {
		if !now.Before(is.rotateAt) {
			meshes[k[0]] = true
		} else if next.IsZero() || is.rotateAt.Before(next) {
			next = is.rotateAt
		}
	}
	return meshes, next
}
