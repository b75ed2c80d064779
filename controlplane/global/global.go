package global

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"github.com/zonemesh/zonemesh/internal/defect"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/zonemesh/zonemesh/controlplane/api"
	"github.com/zonemesh/zonemesh/controlplane/auth"
	"github.com/zonemesh/zonemesh/controlplane/ca"
	"github.com/zonemesh/zonemesh/controlplane/kds"
	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
)

// Files in a global's data directory.
const (
	StoreFile          = "store.db"
	CADir              = "ca" // ca.pem (zones trust it for KDS) and ca-key.pem
	AdminTokenFile     = "admin-token"
	ZoneTokenKeyFile   = "zone-token-signing.pem"
	serverCertValidity = 365 * 24 * time.Hour
)

// Config configures a global control plane.
type Config struct {
	DataDir string
	APIAddr string // REST API, e.g. 127.0.0.1:5681
	KDSAddr string // KDS gRPC (TLS), e.g. 127.0.0.1:5685
	// KDSHosts are extra names and IPs for the KDS server certificate (the listen IP is always in).
	KDSHosts []string
	// MemoryStore keeps resources in memory only (tests); otherwise bbolt in DataDir.
	MemoryStore bool
	Keepalive   kds.Keepalive
	Logger      *slog.Logger
	Clock       func() time.Time
}

// Global is a running global control plane.
type Global struct {
	cfg     Config
	log     *slog.Logger
	store   store.Store
	kds     *kds.GlobalServer
	grpc    *grpc.Server
	http    *http.Server
	apiLis  net.Listener
	kdsLis  net.Listener
	signer  *auth.Signer
	token   string
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	unsub   func()
	closeMu sync.Once
	errc    chan error
}

// Start opens the store, creates the CA and keys on first start, and serves the API and KDS.
func Start(ctx context.Context, cfg Config) (_ *Global, err error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.DataDir == "" {
		return nil, errors.New("global: data dir must be set")
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("global: data dir: %w", err)
	}
	g := &Global{cfg: cfg, log: cfg.Logger.With("component", "global"), errc: make(chan error, 2)}
	defer func() {
		if err != nil {
			g.Close()
		}
	}()
	// Seeded defect (global-forgets-writes) for the conformance mutation run only; constant false in production builds.
	if cfg.MemoryStore || defect.Active(defect.GlobalForgets) {
		g.store = store.NewMemory(cfg.Clock)
	} else if g.store, err = store.OpenBolt(filepath.Join(cfg.DataDir, StoreFile), cfg.Clock); err != nil {
		return nil, fmt.Errorf("global: %w", err)
	}
	if g.token, err = auth.LoadOrCreateAdminToken(filepath.Join(cfg.DataDir, AdminTokenFile)); err != nil {
		return nil, fmt.Errorf("global: %w", err)
	}
	if g.signer, err = auth.LoadSigner(filepath.Join(cfg.DataDir, ZoneTokenKeyFile), cfg.Clock); err != nil {
		return nil, fmt.Errorf("global: %w", err)
	}
	cpCA, err := ca.LoadOrCreateCA(filepath.Join(cfg.DataDir, CADir), "zonemesh global", ca.Clock(cfg.Clock))
	if err != nil {
		return nil, fmt.Errorf("global: %w", err)
	}
	if g.kdsLis, err = net.Listen("tcp", cfg.KDSAddr); err != nil {
		return nil, fmt.Errorf("global: KDS listener: %w", err)
	}
	tlsCfg, err := serverTLS(cpCA, g.kdsLis.Addr(), cfg.KDSHosts)
	if err != nil {
		return nil, fmt.Errorf("global: %w", err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	runCtx, cancel := context.WithCancel(context.Background())
	g.cancel = cancel
	// Mesh CAs are created before KDS starts so that zones never see an mTLS mesh without one.
	if err := g.ensureMeshCAs(ctx); err != nil {
		return nil, err
	}
	g.unsub = g.store.Subscribe(func(ev store.Event) {
		if ev.Type == store.Put && ev.Resource.Kind == resource.KindMesh {
			if err := ensureMeshCA(runCtx, g.store, ev.Resource, cfg.Clock, g.log); err != nil {
				g.log.Error("mesh CA", "err", err)
			}
		}
	})

	g.kds = kds.NewGlobalServer(g.store, zoneAuth{g.signer}, kds.ServerOptions{Keepalive: cfg.Keepalive, Registerer: reg, Logger: g.log, Clock: cfg.Clock})
	opts := append(g.kds.ServerOptions(), grpc.Creds(credentials.NewTLS(tlsCfg)))
	g.grpc = grpc.NewServer(opts...)
	g.kds.Register(g.grpc)

	apiSrv, err := api.New(api.Options{Store: g.store, Origin: resource.OriginGlobal, AdminToken: g.token,
		Zones: zoneStatuses{g.kds}, Proxies: &proxyConfigs{store: g.store, kds: g.kds, http: &http.Client{Timeout: 10 * time.Second}},
		Registry: reg})
	if err != nil {
		return nil, fmt.Errorf("global: %w", err)
	}
	if g.apiLis, err = net.Listen("tcp", cfg.APIAddr); err != nil {
		return nil, fmt.Errorf("global: API listener: %w", err)
	}
	g.http = &http.Server{Handler: apiSrv, ReadHeaderTimeout: 10 * time.Second}
	g.wg.Add(2)
	go func() {
		defer g.wg.Done()
		if err := g.grpc.Serve(g.kdsLis); err != nil {
			g.errc <- fmt.Errorf("KDS server: %w", err)
		}
	}()
	go func() {
		defer g.wg.Done()
		if err := g.http.Serve(g.apiLis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			g.errc <- fmt.Errorf("API server: %w", err)
		}
	}()
	g.log.Info("global control plane started", "api", g.APIAddr(), "kds", g.KDSAddr(), "data", cfg.DataDir)
	return g, nil
}

func (g *Global) ensureMeshCAs(ctx context.Context) error {
	meshes, err := g.store.List(ctx, resource.KindMesh, "")
	if err != nil {
		return fmt.Errorf("global: list meshes: %w", err)
	}
	for _, m := range meshes {
		if err := ensureMeshCA(ctx, g.store, m, g.cfg.Clock, g.log); err != nil {
			return fmt.Errorf("global: %w", err)
		}
	}
	return nil
}

// serverTLS issues the KDS server certificate for the listen address and extra hosts.
func serverTLS(c *ca.CA, addr net.Addr, extra []string) (*tls.Config, error) {
	host, _, _ := net.SplitHostPort(addr.String())
	cfg, err := c.ServerTLS(append([]string{host, "localhost", "127.0.0.1", "global"}, extra...), serverCertValidity)
	if err != nil {
		return nil, fmt.Errorf("KDS certificate: %w", err)
	}
	return cfg, nil
}

// APIAddr is the API's bound address; KDSAddr is KDS's.
func (g *Global) APIAddr() string { return g.apiLis.Addr().String() }
func (g *Global) KDSAddr() string { return g.kdsLis.Addr().String() }

// AdminToken authorises API writes.
func (g *Global) AdminToken() string { return g.token }

// DataDir is where the store, CA and keys live.
func (g *Global) DataDir() string { return g.cfg.DataDir }

// Store is the global store (tests).
func (g *Global) Store() store.Store { return g.store }

// KDS is the KDS server (status).
func (g *Global) KDS() *kds.GlobalServer { return g.kds }

// Signer issues zone tokens.
func (g *Global) Signer() *auth.Signer { return g.signer }

// Err reports a server that stopped on its own.
func (g *Global) Err() <-chan error { return g.errc }

// Close stops serving and closes the store; it is idempotent.
func (g *Global) Close() {
	g.closeMu.Do(func() {
		if g.cancel != nil {
			g.cancel()
		}
		if g.http != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_ = g.http.Shutdown(ctx)
			cancel()
		}
		if g.kds != nil {
			g.kds.Close()
		}
		if g.grpc != nil {
			g.grpc.Stop()
		}
		for _, l := range []net.Listener{g.apiLis, g.kdsLis} {
			if l != nil {
				_ = l.Close()
			}
		}
		g.wg.Wait()
		if g.unsub != nil {
			g.unsub()
		}
		if g.store != nil {
			_ = g.store.Close()
		}
	})
}

// zoneAuth checks zone tokens with global's key, and refuses disabled zones.
type zoneAuth struct{ s *auth.Signer }

func (a zoneAuth) Authenticate(_ context.Context, zone, token string) error {
	return a.s.VerifyZoneToken(token, zone)
}
