package ca

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"time"
)

// Clock returns the current time; nil means time.Now.
type Clock func() time.Time

// backdate covers small clock differences between the issuer and whoever checks the cert.
const backdate = time.Minute

// CA signs certificates with one key.
type CA struct {
	cert    *x509.Certificate
	key     *ecdsa.PrivateKey
	certPEM []byte
	now     Clock
}

// NewCA creates a self-signed CA valid for ttl from now and returns it as PEM.
func NewCA(commonName string, ttl time.Duration, clock Clock) (certPEM, keyPEM []byte, err error) {
	if commonName == "" {
		return nil, nil, errors.New("ca: commonName is empty")
	}
	if ttl <= 0 {
		return nil, nil, fmt.Errorf("ca: ttl %v must be positive", ttl)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("ca: generate key: %w", err)
	}
	now := clockOf(clock)()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: commonName, Organization: []string{"zonemesh"}},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(ttl),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("ca: self-sign: %w", err)
	}
	keyPEM, err = encodeKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), keyPEM, nil
}

// LoadCA parses a CA certificate and its key (PKCS#8 or SEC1 EC key).
func LoadCA(certPEM, keyPEM []byte, clock Clock) (*CA, error) {
	cb, _ := pem.Decode(certPEM)
	if cb == nil || cb.Type != "CERTIFICATE" {
		return nil, errors.New("ca: certPEM: no CERTIFICATE block")
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, fmt.Errorf("ca: certPEM: %w", err)
	}
	if !cert.IsCA {
		return nil, errors.New("ca: certPEM: certificate is not a CA")
	}
	kb, _ := pem.Decode(keyPEM)
	if kb == nil {
		return nil, errors.New("ca: keyPEM: no PEM block")
	}
	key, err := parseKey(kb)
	if err != nil {
		return nil, fmt.Errorf("ca: keyPEM: %w", err)
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || !pub.Equal(&key.PublicKey) {
		return nil, errors.New("ca: keyPEM: key does not match the certificate")
	}
	return &CA{cert: cert, key: key, certPEM: pem.EncodeToMemory(cb), now: clockOf(clock)}, nil
}

// CertPEM is the CA certificate, the trust bundle for whoever checks what it issued.
func (c *CA) CertPEM() []byte { return append([]byte(nil), c.certPEM...) }

// Certificate is the parsed CA certificate.
func (c *CA) Certificate() *x509.Certificate { return c.cert }

// IssueSPIFFE issues a workload certificate whose only SAN is the URI spiffe://<mesh>/<service>,
// usable as TLS client and server. notAfter is capped at the CA's own expiry.
func (c *CA) IssueSPIFFE(mesh, service string, ttl time.Duration) (certPEM, keyPEM []byte, notAfter time.Time, err error) {
	if mesh == "" {
		return nil, nil, time.Time{}, errors.New("ca: issue: mesh is empty")
	}
	if service == "" {
		return nil, nil, time.Time{}, errors.New("ca: issue: service is empty")
	}
	id := &url.URL{Scheme: "spiffe", Host: mesh, Path: "/" + service}
	tmpl := &x509.Certificate{
		Subject: pkix.Name{CommonName: service, Organization: []string{mesh}},
		URIs:    []*url.URL{id},
	}
	return c.issue(tmpl, ttl)
}

// SPIFFEID returns spiffe://<mesh>/<service>.
func SPIFFEID(mesh, service string) string { return "spiffe://" + mesh + "/" + service }

// IssueServer issues a TLS server (and client) certificate for hosts: IP addresses become IP
// SANs, anything else a DNS SAN.
func (c *CA) IssueServer(hosts []string, ttl time.Duration) (certPEM, keyPEM []byte, err error) {
	if len(hosts) == 0 {
		return nil, nil, errors.New("ca: issue server: hosts is empty")
	}
	tmpl := &x509.Certificate{Subject: pkix.Name{CommonName: hosts[0], Organization: []string{"zonemesh"}}}
	for i, h := range hosts {
		if h == "" {
			return nil, nil, fmt.Errorf("ca: issue server: hosts[%d] is empty", i)
		}
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	certPEM, keyPEM, _, err = c.issue(tmpl, ttl)
	return certPEM, keyPEM, err
}

func (c *CA) issue(tmpl *x509.Certificate, ttl time.Duration) (certPEM, keyPEM []byte, notAfter time.Time, err error) {
	if ttl <= 0 {
		return nil, nil, time.Time{}, fmt.Errorf("ca: issue: ttl %v must be positive", ttl)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, time.Time{}, fmt.Errorf("ca: generate key: %w", err)
	}
	now := c.now()
	notAfter = now.Add(ttl).Truncate(time.Second)
	if notAfter.After(c.cert.NotAfter) {
		notAfter = c.cert.NotAfter
	}
	tmpl.SerialNumber = serial()
	tmpl.NotBefore = now.Add(-backdate)
	tmpl.NotAfter = notAfter
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	tmpl.BasicConstraintsValid = true
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.cert, &key.PublicKey, c.key)
	if err != nil {
		return nil, nil, time.Time{}, fmt.Errorf("ca: sign: %w", err)
	}
	keyPEM, err = encodeKey(key)
	if err != nil {
		return nil, nil, time.Time{}, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), keyPEM, notAfter, nil
}

func clockOf(c Clock) Clock {
	if c == nil {
		return time.Now
	}
	return c
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic("ca: crypto/rand failed: " + err.Error())
	}
	return n
}

func encodeKey(k *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, fmt.Errorf("ca: encode key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

func parseKey(b *pem.Block) (*ecdsa.PrivateKey, error) {
	if b.Type == "EC PRIVATE KEY" {
		return x509.ParseECPrivateKey(b.Bytes)
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, err
	}
	ek, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("key is %T, want ECDSA", k)
	}
	return ek, nil
}

// ServerTLS issues a server certificate for hosts and returns a TLS config serving it (TLS 1.2+,
// h2 for gRPC): the control planes' KDS and xDS listeners.
func (c *CA) ServerTLS(hosts []string, ttl time.Duration) (*tls.Config, error) {
	certPEM, keyPEM, err := c.IssueServer(hosts, ttl)
	if err != nil {
		return nil, err
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, err
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, NextProtos: []string{"h2"}}, nil
}
