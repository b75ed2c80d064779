package target

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"time"

	"google.golang.org/grpc/credentials"

	"github.com/zonemesh/zonemesh/conformance"
	"github.com/zonemesh/zonemesh/controlplane/auth"
	"github.com/zonemesh/zonemesh/controlplane/xds"
	"github.com/zonemesh/zonemesh/harness/backend/process"
)

// probeTimeout bounds one raw ingress probe.
const probeTimeout = 3 * time.Second

// ProbeIngress connects straight to the zone's first ingress (not through a fault link) and
// sends an HTTP request for service, in plaintext or over TLS with a foreign certificate.
func (r *Reference) ProbeIngress(ctx context.Context, zone, service string, kind conformance.ProbeKind) (bool, string, error) {
	z := r.env.Zone(zone)
	if z == nil || len(z.Plan.Ingress) == 0 {
		return false, "", fmt.Errorf("zone %q has no ingress", zone)
	}
	addr := netip.AddrPortFrom(z.Plan.Ingress[0].IP, process.IngressPort).String()
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false, "", fmt.Errorf("dial ingress %s: %w", addr, err)
	}
	defer c.Close()
	dl, _ := ctx.Deadline()
	c.SetDeadline(dl)
	conn := c
	switch kind {
	case conformance.ProbePlaintext:
	case conformance.ProbeForeignClient:
		cert, err := foreignCert()
		if err != nil {
			return false, "", err
		}
		tc := tls.Client(c, &tls.Config{ServerName: xds.SNI(r.topo.Mesh, service, ""), InsecureSkipVerify: true,
			Certificates: []tls.Certificate{cert}, NextProtos: []string{"http/1.1"}})
		if err := tc.HandshakeContext(ctx); err != nil {
			return false, "TLS handshake refused: " + err.Error(), nil
		}
		conn = tc
	default:
		return false, "", fmt.Errorf("unknown probe %q: %w", kind, conformance.ErrUnsupported)
	}
	req := "GET / HTTP/1.1\r\nHost: " + service + ".mesh\r\nConnection: close\r\n\r\n"
	if _, err := conn.Write([]byte(req)); err != nil {
		return false, "write refused: " + err.Error(), nil
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return false, "no HTTP answer: " + err.Error(), nil
	}
	resp.Body.Close()
	return true, "answered " + resp.Status, nil
}

// foreignCert is a self-signed client certificate claiming a mesh identity, from a CA the
// mesh has never seen.
func foreignCert() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "intruder"},
		NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// ProbeZoneAuth runs an in-process KDS zone client against global with a bad credential and
// reports whether global let it connect.
func (r *Reference) ProbeZoneAuth(ctx context.Context, zone string, cred conformance.CredentialKind, wait time.Duration) (bool, error) {
	var signer *auth.Signer
	if cred == conformance.CredentialOtherZone {
		s, err := auth.LoadSigner(r.env.Global.ZoneTokenKeyFile, time.Now)
		if err != nil {
			return false, err
		}
		signer = s
	}
	tok, err := ZoneProbeToken(cred, zone, r.topo.Zones[0].Name, signer)
	if err != nil {
		return false, err
	}
	creds, err := credentials.NewClientTLSFromFile(r.env.Global.CAFile, "global")
	if err != nil {
		return false, err
	}
	return KDSAccepts(ctx, r.env.Global.KDSAddr, creds, zone, tok, wait, func(ctx context.Context) bool {
		zs, err := r.Zones(ctx)
		if err != nil {
			return false
		}
		for _, s := range zs {
			if s.Name == zone && s.Online {
				return true
			}
		}
		return false
	})
}
