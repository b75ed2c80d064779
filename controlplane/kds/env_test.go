package kds

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
)

// testPKI is a throwaway CA with one server certificate for 127.0.0.1.
type testPKI struct {
	server *tls.Config
	client *tls.Config
}

func newPKI(t testing.TB) *testPKI {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kds test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "global"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return &testPKI{
		server: &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS13},
		client: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS13},
	}
}

// tokens is a ZoneAuthenticator over a fixed map.
type tokens map[string]string

func (tk tokens) Authenticate(_ context.Context, zone, token string) error {
	if want, ok := tk[zone]; !ok || want != token {
		return errors.New("token does not match the zone")
	}
	return nil
}

func testLogger() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// globalEnv is a GlobalServer on a real TLS gRPC server on 127.0.0.1.
type globalEnv struct {
	addr  string
	store store.Store
	srv   *GlobalServer
	gs    *grpc.Server
	stat  chan ZoneStatus
	reg   *prometheus.Registry
	wg    sync.WaitGroup
}

func startGlobal(t testing.TB, pki *testPKI, st store.Store, addr string, ka Keepalive) *globalEnv {
	t.Helper()
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	e := &globalEnv{addr: lis.Addr().String(), store: st, stat: make(chan ZoneStatus, 1024), reg: prometheus.NewRegistry()}
	e.srv = NewGlobalServer(st, tokens{"zone-a": "token-a", "zone-b": "token-b"}, ServerOptions{
		Keepalive: ka, Logger: testLogger(), Registerer: e.reg,
		OnStatus: func(s ZoneStatus) {
			select {
			case e.stat <- s:
			default:
			}
		},
	})
	e.gs = grpc.NewServer(append(e.srv.ServerOptions(), grpc.Creds(credentials.NewTLS(pki.server)))...)
	e.srv.Register(e.gs)
	e.wg.Add(1)
	go func() { defer e.wg.Done(); _ = e.gs.Serve(lis) }()
	t.Cleanup(e.stop)
	return e
}

// stop ends the server at once (as a crash would, from the zones' point of view).
func (e *globalEnv) stop() {
	e.gs.Stop()
	e.srv.Close()
	e.wg.Wait()
}

// waitOnline waits until zone's online state is want.
func (e *globalEnv) waitOnline(t testing.TB, zone string, want bool) ZoneStatus {
	t.Helper()
	return e.waitStatus(t, zone, fmt.Sprintf("online=%v", want), func(s ZoneStatus) bool { return s.Online == want })
}

// waitStatus waits until zone's status satisfies cond, re-checking on every status change.
func (e *globalEnv) waitStatus(t testing.TB, zone, what string, cond func(ZoneStatus) bool) ZoneStatus {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		if s, ok := e.srv.Status(zone); ok && cond(s) {
			return s
		}
		select {
		case <-e.stat:
		case <-deadline:
			s, _ := e.srv.Status(zone)
			t.Fatalf("zone %s: %s never reached; status %+v", zone, what, s)
		}
	}
}

// zoneEnv is a running ZoneClient with its own memory store.
type zoneEnv struct {
	name   string
	store  store.Store
	client *ZoneClient
	cancel context.CancelFunc
	done   chan struct{}
	state  chan error // every attempt's end (nil: connected)
}

func startZone(t testing.TB, pki *testPKI, name, token, addr string, ka Keepalive) *zoneEnv {
	t.Helper()
	z := &zoneEnv{name: name, store: store.NewMemory(time.Now), done: make(chan struct{}), state: make(chan error, 1024)}
	z.client = NewZoneClient(ZoneOptions{
		Zone: name, GlobalAddr: addr, TLS: credentials.NewTLS(pki.client), Token: token, Store: z.store,
		APIAddress: "127.0.0.1:5681", Backoff: Backoff{Min: 20 * time.Millisecond, Max: 200 * time.Millisecond},
		Keepalive: ka, Logger: testLogger().With("zone", name),
		OnState: func(_ bool, err error) {
			select {
			case z.state <- err:
			default:
			}
		},
	})
	ctx, cancel := context.WithCancel(context.Background())
	z.cancel = cancel
	go func() {
		defer close(z.done)
		if err := z.client.Run(ctx); err != nil {
			t.Errorf("zone %s: Run: %v", name, err)
		}
	}()
	t.Cleanup(z.stop)
	return z
}

func (z *zoneEnv) stop() {
	z.cancel()
	<-z.done
}

// waitStore waits until cond holds on st, re-checking after every change in st.
func waitStore(t testing.TB, st store.Store, what string, cond func(context.Context, store.Store) bool) {
	t.Helper()
	changed := make(chan struct{}, 1)
	cancel := st.Subscribe(func(store.Event) {
		select {
		case changed <- struct{}{}:
		default:
		}
	})
	defer cancel()
	deadline := time.After(20 * time.Second)
	ctx := context.Background()
	for !cond(ctx, st) {
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func has(k resource.Key, check func(*resource.Resource) bool) func(context.Context, store.Store) bool {
	return func(ctx context.Context, st store.Store) bool {
		r, err := st.Get(ctx, k)
		return err == nil && (check == nil || check(r))
	}
}

func gone(k resource.Key) func(context.Context, store.Store) bool {
	return func(ctx context.Context, st store.Store) bool {
		_, err := st.Get(ctx, k)
		return errors.Is(err, store.ErrNotFound)
	}
}

func permission(mesh, name, from string) *resource.Resource {
	return &resource.Resource{Kind: resource.KindTrafficPermission, Meta: resource.Meta{Mesh: mesh, Name: name, Origin: resource.OriginGlobal},
		Spec: &resource.TrafficPermissionSpec{Destination: resource.Selector{Service: "backend"},
			Sources: []resource.Selector{{Service: from}}, Action: "allow"}}
}

func dataplane(name, svc string) *resource.Resource {
	return &resource.Resource{Kind: resource.KindDataplane, Meta: resource.Meta{Mesh: "default", Name: name},
		Spec: &resource.DataplaneSpec{Networking: resource.DataplaneNetworking{Address: "127.0.0.2",
			Inbound: []resource.Inbound{{Port: 10001, ServicePort: 8080, Tags: map[string]string{resource.TagService: svc}}}}}}
}

func ingress(name, zone string) *resource.Resource {
	return &resource.Resource{Kind: resource.KindZoneIngress, Meta: resource.Meta{Name: name},
		Spec: &resource.ZoneIngressSpec{Zone: zone, Networking: resource.ZoneIngressNetworking{Address: "127.0.0.3", Port: 10000}}}
}

func key(k resource.Kind, mesh, name string) resource.Key {
	return resource.Key{Kind: k, Mesh: mesh, Name: name}
}
