package server

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	clusterservice "github.com/envoyproxy/go-control-plane/envoy/service/cluster/v3"
	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	endpointservice "github.com/envoyproxy/go-control-plane/envoy/service/endpoint/v3"
	listenerservice "github.com/envoyproxy/go-control-plane/envoy/service/listener/v3"
	routeservice "github.com/envoyproxy/go-control-plane/envoy/service/route/v3"
	secretservice "github.com/envoyproxy/go-control-plane/envoy/service/secret/v3"
	cachev3 "github.com/envoyproxy/go-control-plane/pkg/cache/v3"
	serverv3 "github.com/envoyproxy/go-control-plane/pkg/server/v3"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/keepalive"

	"github.com/zonemesh/zonemesh/controlplane/ca"
	"github.com/zonemesh/zonemesh/controlplane/store"
	"github.com/zonemesh/zonemesh/controlplane/xds"
)

// Config configures a Server.
type Config struct {
	// Zone is this zone's name: the Origin of registered proxies and the local locality.
	Zone  string
	Store store.Store
	Auth  DataplaneAuthenticator
	// TLS is the listener's TLS config (server certificate). Required: proxies send tokens.
	TLS *tls.Config
	// Registerer receives the server's metrics; nil registers none.
	Registerer prometheus.Registerer
	// Clock is the time source (nil: time.Now).
	Clock ca.Clock
	// Logf logs problems (nil: discarded).
	Logf func(format string, args ...any)
	// Workers generate proxies in parallel (default 2).
	Workers int
	// Settle is how long a regeneration pass caused only by proxies registering and leaving
	// waits for more of them (default DefaultSettle; negative: never wait). After a zone
	// control plane restart every proxy reconnects within a second or two; without settling,
	// each small batch of registrations costs a pass over every proxy of the mesh. Policy,
	// CA and other zones' changes never wait.
	Settle time.Duration
	// OnApply, when set, is called (outside the server's lock) when a proxy ACKs the listeners
	// of a config, the last type it applies, with the policies whose version changed from its
	// previous ACKed config ("<Kind>/<name>" → version, 0 for a policy no longer in it): the zone
	// keeps a log of them so the harness can time when each write reached each proxy.
	OnApply func(proxy, version string, changed map[string]uint64, at time.Time)
	// VIPCIDR is where service VIPs come from (invalid: xds.DefaultVIPCIDR).
	VIPCIDR netip.Prefix
}

// Server serves xDS to a zone's proxies.
type Server struct {
	cfg     Config
	cache   cachev3.SnapshotCache
	grpc    *grpc.Server
	certs   *xds.CertCache
	metrics *metrics
	rec     *reconciler
	now     func() time.Time
	// epoch prefixes every config version: a restarted zone (whose memory store counts
	// revisions from 1 again) must never hand out a version a reconnecting proxy already
	// holds, or the xDS server would take the proxy's stale config for current and send it
	// nothing.
	epoch string

	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex
	proxies map[string]*proxy

	closeOnce sync.Once
}

// New builds the server and starts its reconciler; Serve then accepts proxies.
func New(cfg Config) (*Server, error) {
	switch {
	case cfg.Zone == "":
		return nil, errors.New("xds server: Zone is required")
	case cfg.Store == nil:
		return nil, errors.New("xds server: Store is required")
	case cfg.Auth == nil:
		return nil, errors.New("xds server: Auth is required")
	case cfg.TLS == nil:
		return nil, errors.New("xds server: TLS is required")
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	if cfg.Settle == 0 {
		cfg.Settle = DefaultSettle
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 2
	}
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, fmt.Errorf("xds server: metrics: %w", err)
	}
	s := &Server{cfg: cfg, metrics: m, now: cfg.Clock, certs: xds.NewCertCache(cfg.Clock), epoch: newEpoch(),
		proxies: map[string]*proxy{}, done: make(chan struct{})}
	s.cache = cachev3.NewSnapshotCache(true, cachev3.IDHash{}, nil)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	cb := serverv3.CallbackFuncs{StreamRequestFunc: s.onRequest, StreamResponseFunc: s.onResponse}
	xs := serverv3.NewServer(s.ctx, s.cache, cb)
	s.grpc = grpc.NewServer(
		grpc.Creds(credentials.NewTLS(cfg.TLS)),
		grpc.StreamInterceptor(s.streamInterceptor),
		grpc.MaxConcurrentStreams(1<<20),
		// Close returns only after every stream handler (and so every unregistration) is done.
		grpc.WaitForHandlers(true),
		grpc.KeepaliveParams(keepalive.ServerParameters{Time: 30 * time.Second, Timeout: 10 * time.Second}),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 5 * time.Second, PermitWithoutStream: true}),
	)
	discoveryv3.RegisterAggregatedDiscoveryServiceServer(s.grpc, xs)
	// The per-type services serve clients that do not use ADS; the snapshot is the same.
	clusterservice.RegisterClusterDiscoveryServiceServer(s.grpc, xs)
	endpointservice.RegisterEndpointDiscoveryServiceServer(s.grpc, xs)
	listenerservice.RegisterListenerDiscoveryServiceServer(s.grpc, xs)
	routeservice.RegisterRouteDiscoveryServiceServer(s.grpc, xs)
	secretservice.RegisterSecretDiscoveryServiceServer(s.grpc, xs)
	s.rec = newReconciler(s)
	if err := s.rec.start(); err != nil {
		s.cancel()
		return nil, err
	}
	go func() {
		defer close(s.done)
		s.rec.run(s.ctx)
	}()
	return s, nil
}

// Serve accepts proxies on l until Close.
func (s *Server) Serve(l net.Listener) error {
	if err := s.grpc.Serve(l); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
		return fmt.Errorf("xds server: %w", err)
	}
	return nil
}

// Close stops serving (every stream ends, so every proxy is unregistered) and stops the
// reconciler. It is safe to call more than once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		// ADS streams never end on their own, so GracefulStop would wait forever.
		s.grpc.Stop()
		s.cancel()
		<-s.done
		s.rec.stop()
	})
	return nil
}

// Certs is the cache of issued proxy certificates (for the API and tests).
func (s *Server) Certs() *xds.CertCache { return s.certs }

func (s *Server) logf(format string, args ...any) { s.cfg.Logf(format, args...) }

// newEpoch is this server instance's version prefix: random, so two incarnations never share
// one, whatever the clocks say.
func newEpoch() string {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return strconv.FormatInt(time.Now().UnixNano(), 36)
	}
	return hex.EncodeToString(b[:])
}
