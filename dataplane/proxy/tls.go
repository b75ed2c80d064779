package proxy

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"github.com/zonemesh/zonemesh/internal/defect"

	"github.com/zonemesh/zonemesh/dataplane/config"
)

// ErrNoSecret means a TLS context names a secret that has not arrived over SDS.
var ErrNoSecret = errors.New("proxy: secret not available")

// verifier checks a peer chain against the mesh CA without host-name checks (SPIFFE
// certificates carry URI SANs only) and then the SAN matchers.
func verifier(pool *x509.CertPool, san []config.SANMatch, client bool) func([][]byte, [][]*x509.Certificate) error {
	usage := x509.ExtKeyUsageServerAuth
	if client {
		usage = x509.ExtKeyUsageClientAuth
	}
	return func(raw [][]byte, _ [][]*x509.Certificate) error {
		if len(raw) == 0 {
			return errors.New("no peer certificate")
		}
		certs := make([]*x509.Certificate, len(raw))
		for i, r := range raw {
			c, err := x509.ParseCertificate(r)
			if err != nil {
				return fmt.Errorf("peer certificate: %w", err)
			}
			certs[i] = c
		}
		inter := x509.NewCertPool()
		for _, c := range certs[1:] {
			inter.AddCert(c)
		}
		if _, err := certs[0].Verify(x509.VerifyOptions{Roots: pool, Intermediates: inter,
			KeyUsages: []x509.ExtKeyUsage{usage}}); err != nil {
			return fmt.Errorf("peer certificate: %w", err)
		}
		if len(san) == 0 {
			return nil
		}
		for _, u := range certs[0].URIs {
			for i := range san {
				if san[i].Match(u.String()) {
					return nil
				}
			}
		}
		return fmt.Errorf("peer certificate: no URI SAN matches %v", san)
	}
}

func serverTLS(cfg *config.Config, d *config.DownstreamTLS) (*tls.Config, error) {
	cert := cfg.Certs[d.CertName]
	if cert == nil {
		return nil, fmt.Errorf("certificate %q: %w", d.CertName, ErrNoSecret)
	}
	tc := &tls.Config{Certificates: []tls.Certificate{cert.TLS}, MinVersion: tls.VersionTLS12,
		NextProtos: []string{"h2", "http/1.1"}}
	if d.CAName != "" {
		pool := cfg.CAs[d.CAName]
		if pool == nil {
			return nil, fmt.Errorf("validation context %q: %w", d.CAName, ErrNoSecret)
		}
		tc.ClientAuth = tls.RequestClientCert
		if d.RequireClientCert {
			tc.ClientAuth = tls.RequireAnyClientCert
		}
		v := verifier(pool, d.SAN, true)
		tc.VerifyPeerCertificate = func(raw [][]byte, chains [][]*x509.Certificate) error {
			if len(raw) == 0 && !d.RequireClientCert {
				return nil
			}
			// Seeded defect for the conformance mutation run only (constant false in production builds).
			if defect.Active(defect.ClientCertUnverified) {
				return nil
			}
			return v(raw, chains)
		}
	}
	return tc, nil
}

func clientTLS(cfg *config.Config, u *config.UpstreamTLS) (*tls.Config, error) {
	cert := cfg.Certs[u.CertName]
	if cert == nil {
		return nil, fmt.Errorf("certificate %q: %w", u.CertName, ErrNoSecret)
	}
	pool := cfg.CAs[u.CAName]
	if pool == nil {
		return nil, fmt.Errorf("validation context %q: %w", u.CAName, ErrNoSecret)
	}
	alpn := u.ALPN
	if len(alpn) == 0 {
		alpn = []string{"h2", "http/1.1"}
	}
	return &tls.Config{
		Certificates: []tls.Certificate{cert.TLS}, ServerName: u.SNI, NextProtos: alpn,
		MinVersion: tls.VersionTLS12,
		// Verification is done by VerifyPeerCertificate: the SAN is a SPIFFE URI, not the SNI.
		InsecureSkipVerify:    true,
		VerifyPeerCertificate: verifier(pool, u.SAN, false),
		ClientSessionCache:    tls.NewLRUClientSessionCache(64),
	}, nil
}
