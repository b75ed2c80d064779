package ca

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func fixed(t time.Time) Clock { return func() time.Time { return t } }

func newTestCA(t *testing.T, clock Clock) *CA {
	t.Helper()
	c, k, err := NewCA("mesh-ca", 24*time.Hour, clock)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := LoadCA(c, k, clock)
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

func parse(t *testing.T, p []byte) *x509.Certificate {
	t.Helper()
	b, _ := pem.Decode(p)
	if b == nil {
		t.Fatal("no PEM")
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestIssueSPIFFE(t *testing.T) {
	ca := newTestCA(t, fixed(t0))
	certPEM, keyPEM, notAfter, err := ca.IssueSPIFFE("default", "web", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !notAfter.Equal(t0.Add(time.Hour)) {
		t.Fatalf("notAfter %v", notAfter)
	}
	c := parse(t, certPEM)
	if len(c.URIs) != 1 || c.URIs[0].String() != "spiffe://default/web" {
		t.Fatalf("URIs %v", c.URIs)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Certificate())
	if _, err := c.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: t0, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Fatalf("verify: %v", err)
	}
	if _, err := tls.X509KeyPair(certPEM, keyPEM); err != nil {
		t.Fatalf("key pair: %v", err)
	}
	// capped at the CA's expiry
	_, _, na, err := ca.IssueSPIFFE("default", "web", 1000*time.Hour)
	if err != nil || !na.Equal(ca.Certificate().NotAfter) {
		t.Fatalf("cap: %v %v", na, err)
	}
	for _, bad := range [][2]string{{"", "web"}, {"m", ""}} {
		if _, _, _, err := ca.IssueSPIFFE(bad[0], bad[1], time.Hour); err == nil {
			t.Fatalf("IssueSPIFFE(%q,%q) accepted", bad[0], bad[1])
		}
	}
}

// TestMutualTLS runs a real mTLS handshake on 127.0.0.1 with two issued SPIFFE certs.
func TestMutualTLS(t *testing.T) {
	ca := newTestCA(t, nil)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca.CertPEM())
	pair := func(svc string) tls.Certificate {
		c, k, _, err := ca.IssueSPIFFE("default", svc, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		p, err := tls.X509KeyPair(c, k)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{pair("backend")}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	peer := make(chan string, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			peer <- err.Error()
			return
		}
		defer conn.Close()
		tc := conn.(*tls.Conn)
		if err := tc.Handshake(); err != nil {
			peer <- err.Error()
			return
		}
		peer <- tc.ConnectionState().PeerCertificates[0].URIs[0].String()
		io.Copy(io.Discard, conn)
	}()
	conn, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{Certificates: []tls.Certificate{pair("web")}, RootCAs: pool,
		InsecureSkipVerify: true, // SPIFFE certs carry no DNS name; the server's identity is checked below
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			c, err := x509.ParseCertificate(raw[0])
			if err != nil {
				return err
			}
			_, err = c.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
			return err
		}})
	if err != nil {
		t.Fatal(err)
	}
	conn.Close()
	if got := <-peer; got != "spiffe://default/web" {
		t.Fatalf("server saw %q", got)
	}
}

func TestIssueServer(t *testing.T) {
	ca := newTestCA(t, nil)
	c, _, err := ca.IssueServer([]string{"127.0.0.1", "zone-1.local"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	x := parse(t, c)
	if len(x.IPAddresses) != 1 || !x.IPAddresses[0].Equal(net.ParseIP("127.0.0.1")) || len(x.DNSNames) != 1 || x.DNSNames[0] != "zone-1.local" {
		t.Fatalf("SANs %v %v", x.IPAddresses, x.DNSNames)
	}
	if err := x.VerifyHostname("127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ca.IssueServer(nil, time.Hour); err == nil {
		t.Fatal("empty hosts accepted")
	}
	if _, _, err := ca.IssueServer([]string{"a", ""}, time.Hour); err == nil || !strings.Contains(err.Error(), "hosts[1]") {
		t.Fatalf("empty host: %v", err)
	}
}

func TestLoadCAErrors(t *testing.T) {
	c1, k1, _ := NewCA("a", time.Hour, nil)
	_, k2, _ := NewCA("b", time.Hour, nil)
	if _, err := LoadCA(c1, k2, nil); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Fatalf("mismatch: %v", err)
	}
	if _, err := LoadCA([]byte("junk"), k1, nil); err == nil || !strings.Contains(err.Error(), "certPEM") {
		t.Fatalf("junk cert: %v", err)
	}
	if _, err := LoadCA(c1, []byte("junk"), nil); err == nil || !strings.Contains(err.Error(), "keyPEM") {
		t.Fatalf("junk key: %v", err)
	}
	if _, _, err := NewCA("", time.Hour, nil); err == nil {
		t.Fatal("empty CN accepted")
	}
}

func TestLoadOrCreateCA(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	a, err := LoadOrCreateCA(dir, "global", nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("key mode %v", st.Mode().Perm())
	}
	b, err := LoadOrCreateCA(dir, "global", nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(a.CertPEM()) != string(b.CertPEM()) {
		t.Fatal("second start created a new CA")
	}
	if err := os.Remove(filepath.Join(dir, CertFile)); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateCA(dir, "global", nil); err == nil || !strings.Contains(err.Error(), "only one") {
		t.Fatalf("half a CA: %v", err)
	}
}
