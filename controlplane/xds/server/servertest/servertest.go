// Package servertest starts a real zone xDS server on 127.0.0.1 for tests: memory store, TLS
// from a fresh control-plane CA, dataplane tokens from a fresh signing key.
package servertest

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"net"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/zonemesh/zonemesh/controlplane/auth"
	"github.com/zonemesh/zonemesh/controlplane/ca"
	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
	"github.com/zonemesh/zonemesh/controlplane/xds/server"
)

// Env is a running server and what a client needs to reach it.
type Env struct {
	Server   *server.Server
	Store    store.Store
	Addr     string
	CAPEM    []byte
	Signer   *auth.Signer
	Registry *prometheus.Registry
}

// Authenticator adapts an auth.Signer to server.DataplaneAuthenticator.
type Authenticator struct{ Signer *auth.Signer }

// Authenticate checks a dataplane token for mesh/name.
func (a Authenticator) Authenticate(_ context.Context, mesh, name, token string) error {
	_, err := a.Signer.VerifyDataplaneToken(token, mesh, name)
	return err
}

// Start runs a server for zone with seed resources in its store; t.Cleanup closes everything.
func Start(t testing.TB, zone string, seed []*resource.Resource) *Env {
	t.Helper()
	return StartClock(t, zone, seed, nil)
}

// StartClock is Start with the clock the server issues proxy certificates by (nil: time.Now).
func StartClock(t testing.TB, zone string, seed []*resource.Resource, clock ca.Clock) *Env {
	t.Helper()
	return StartConfig(t, zone, seed, func(c *server.Config) { c.Clock = clock })
}

// StartConfig is Start with the server's Config adjusted by mod before the server is built.
func StartConfig(t testing.TB, zone string, seed []*resource.Resource, mod func(*server.Config)) *Env {
	t.Helper()
	st := store.NewMemory(time.Now)
	ctx := context.Background()
	for _, r := range seed {
		if _, err := st.Put(ctx, r); err != nil {
			t.Fatalf("seed %s: %v", r.Key(), err)
		}
	}
	certPEM, keyPEM, err := ca.NewCA("zone "+zone+" control plane", time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	cpCA, err := ca.LoadCA(certPEM, keyPEM, nil)
	if err != nil {
		t.Fatal(err)
	}
	sc, sk, err := cpCA.IssueServer([]string{"127.0.0.1"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(sc, sk)
	if err != nil {
		t.Fatal(err)
	}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer := auth.NewSigner(key, time.Now)
	reg := prometheus.NewRegistry()
	cfg := server.Config{Zone: zone, Store: st, Auth: Authenticator{signer},
		TLS: &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}, Registerer: reg,
		Logf: t.Logf}
	if mod != nil {
		mod(&cfg)
	}
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
		st.Close()
	})
	return &Env{Server: srv, Store: st, Addr: lis.Addr().String(), CAPEM: certPEM, Signer: signer, Registry: reg}
}

// ClientTLS trusts the server's CA.
func (e *Env) ClientTLS() *tls.Config {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(e.CAPEM)
	return &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
}

// Token issues a dataplane token for a sidecar mesh/name (mesh "" issues an ingress token).
func (e *Env) Token(t testing.TB, mesh, name string) string {
	t.Helper()
	kind := auth.ProxySidecar
	if mesh == "" {
		kind = auth.ProxyIngress
	}
	tok, err := e.Signer.IssueDataplaneToken(mesh, name, kind, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
