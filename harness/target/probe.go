package target

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"time"

	"google.golang.org/grpc/credentials"

	"github.com/zonemesh/zonemesh/conformance"
	"github.com/zonemesh/zonemesh/controlplane/auth"
	"github.com/zonemesh/zonemesh/controlplane/kds"
	"github.com/zonemesh/zonemesh/controlplane/store"
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
	claimed := zone
	switch cred {
	case conformance.CredentialForged:
		_, key, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return false, err
		}
		signer = auth.NewSigner(key, time.Now)
	case conformance.CredentialOtherZone:
		s, err := auth.LoadSigner(r.env.Global.ZoneTokenKeyFile, time.Now)
		if err != nil {
			return false, err
		}
		signer, claimed = s, r.topo.Zones[0].Name
	default:
		return false, fmt.Errorf("unknown credential %q: %w", cred, conformance.ErrUnsupported)
	}
	tok, err := signer.IssueZoneToken(claimed, time.Hour)
	if err != nil {
		return false, err
	}
	creds, err := credentials.NewClientTLSFromFile(r.env.Global.CAFile, "global")
	if err != nil {
		return false, err
	}
	connected := make(chan struct{}, 1)
	c := kds.NewZoneClient(kds.ZoneOptions{Zone: zone, GlobalAddr: r.env.Global.KDSAddr, TLS: creds, Token: tok,
		Store: store.NewMemory(time.Now), OnState: func(ok bool, _ error) {
			if ok {
				select {
				case connected <- struct{}{}:
				default:
				}
			}
		}})
	cctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- c.Run(cctx) }()
	accepted := false
	select {
	case <-connected:
		accepted = true
	case <-cctx.Done():
	}
	if !accepted {
		// A client that connected without ever saying so still shows up at global.
		if zs, err := r.Zones(ctx); err == nil {
			for _, s := range zs {
				accepted = accepted || (s.Name == zone && s.Online)
			}
		}
	}
	cancel()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		return accepted, fmt.Errorf("probe zone client: %w", err)
	}
	return accepted, nil
}
