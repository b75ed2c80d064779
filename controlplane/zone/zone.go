package zone

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"google.golang.org/grpc/credentials"

	"github.com/zonemesh/zonemesh/controlplane/api"
	"github.com/zonemesh/zonemesh/controlplane/auth"
	"github.com/zonemesh/zonemesh/controlplane/ca"
	"github.com/zonemesh/zonemesh/controlplane/kds"
	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
	xdsserver "github.com/zonemesh/zonemesh/controlplane/xds/server"
)

// Files in a zone's data directory.
const (
	CADir                 = "ca" // ca.pem: proxies trust it for xDS
	AdminTokenFile        = "admin-token"
	DataplaneTokenKeyFile = "dataplane-token-signing.pem"
	serverCertValidity    = 365 * 24 * time.Hour
	// maxLog bounds the arrival and ACK logs the harness reads.
	maxLog = 200000
)

// Config configures a zone control plane.
type Config struct {
	Name string
	// GlobalAddr is global's KDS address; GlobalServerName the name its certificate is checked
	// against (default: the host of GlobalAddr); GlobalCAFile the CA that signed it.
	GlobalAddr, GlobalServerName, GlobalCAFile string
	// Token is the zone token global issued.
	Token   string
	DataDir string
	APIAddr string
	XDSAddr string
	// XDSHosts are extra names and IPs for the xDS server certificate.
	XDSHosts []string
	// IngressAddresses maps another zone to the address this zone reaches its ingress at.
	IngressAddresses map[string]string
	Keepalive        kds.Keepalive
	Backoff          kds.Backoff
	Logger           *slog.Logger
	Clock            func() time.Time
	// Store holds the zone's state; nil means a memory store (the universal mode). The
	// Kubernetes mode passes a store backed by the cluster's custom resources.
	Store store.Store
	// Extra is started with the zone and stopped with it (e.g. the Kubernetes mode's pod
	// controller and injection webhook); it runs until ctx ends.
	Extra []func(ctx context.Context) error
	// DataplaneAuth checks proxies' tokens; nil accepts tokens the zone's key signed for
	// exactly the proxy's mesh and name. The Kubernetes mode also accepts namespace tokens.
	DataplaneAuth xdsserver.DataplaneAuthenticator
	// VIPCIDR is the IPv4 range service VIPs are allocated from (invalid: xds.DefaultVIPCIDR).
	VIPCIDR netip.Prefix
}

// Zone is a running zone control plane.
type Zone struct {
	cfg      Config
	log      *slog.Logger
	store    store.Store
	kds      *kds.ZoneClient
	xds      *xdsserver.Server
	http     *http.Server
	apiLis   net.Listener
	xdsLis   net.Listener
	arrivals *ring[Arrival]
	applied  *ring[Applied]
	unsub    func()
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	errc     chan error
	once     sync.Once
}

// Start brings the zone up: it serves its proxies at once (from an empty store until global
// answers) and keeps trying to reach global in the background.
func Start(ctx context.Context, cfg Config) (_ *Zone, err error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Name == "" || cfg.DataDir == "" || cfg.GlobalAddr == "" || cfg.Token == "" {
		return nil, errors.New("zone: name, data dir, global address and token are required")
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("zone: data dir: %w", err)
	}
	st := cfg.Store
	if st == nil {
		st = store.NewMemory(cfg.Clock)
	}
	z := &Zone{cfg: cfg, log: cfg.Logger.With("component", "zone", "zone", cfg.Name), errc: make(chan error, 3+len(cfg.Extra)),
		store: st, arrivals: newRing[Arrival](maxLog), applied: newRing[Applied](maxLog)}
	defer func() {
		if err != nil {
			z.Close()
		}
	}()
	z.unsub = z.store.Subscribe(observeArrival(z.arrivals, cfg.Clock))
	token, err := auth.LoadOrCreateAdminToken(filepath.Join(cfg.DataDir, AdminTokenFile))
	if err != nil {
		return nil, fmt.Errorf("zone: %w", err)
	}
	dpSigner, err := auth.LoadSigner(filepath.Join(cfg.DataDir, DataplaneTokenKeyFile), cfg.Clock)
	if err != nil {
		return nil, fmt.Errorf("zone: %w", err)
	}
	cpCA, err := ca.LoadOrCreateCA(filepath.Join(cfg.DataDir, CADir), "zonemesh zone "+cfg.Name, ca.Clock(cfg.Clock))
	if err != nil {
		return nil, fmt.Errorf("zone: %w", err)
	}
	globalTLS, err := clientTLS(cfg.GlobalCAFile, cfg.GlobalServerName, cfg.GlobalAddr)
	if err != nil {
		return nil, fmt.Errorf("zone: %w", err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	if z.xdsLis, err = net.Listen("tcp", cfg.XDSAddr); err != nil {
		return nil, fmt.Errorf("zone: xDS listener: %w", err)
	}
	if z.apiLis, err = net.Listen("tcp", cfg.APIAddr); err != nil {
		return nil, fmt.Errorf("zone: API listener: %w", err)
	}
	xdsTLS, err := serverTLS(cpCA, z.xdsLis.Addr(), cfg.XDSHosts)
	if err != nil {
		return nil, fmt.Errorf("zone: %w", err)
	}
	var dpAuth xdsserver.DataplaneAuthenticator = dataplaneAuth{dpSigner}
	if cfg.DataplaneAuth != nil {
		dpAuth = cfg.DataplaneAuth
	}
	view := &ingressView{Store: z.store, zone: cfg.Name, addrs: cfg.IngressAddresses}
	z.xds, err = xdsserver.New(xdsserver.Config{Zone: cfg.Name, Store: view, Auth: dpAuth, TLS: xdsTLS,
		Registerer: reg, Clock: ca.Clock(cfg.Clock), OnApply: observeApply(z.applied), VIPCIDR: cfg.VIPCIDR, Logf: func(f string, a ...any) { z.log.Warn(fmt.Sprintf(f, a...)) }})
	if err != nil {
		return nil, fmt.Errorf("zone: %w", err)
	}
	apiSrv, err := api.New(api.Options{Store: z.store, Origin: cfg.Name, AdminToken: token, ReadOnlyKinds: readOnly,
		Proxies: proxyConfigs{z.xds, cfg.Name}, Registry: reg})
	if err != nil {
		return nil, fmt.Errorf("zone: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", apiSrv)
	mux.Handle("GET /api/v1/arrivals", z.arrivals)
	mux.Handle("GET /api/v1/applied", z.applied)
	mux.Handle("GET /api/v1/proxies", proxyStatuses{z.xds})
	z.http = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	z.kds = kds.NewZoneClient(kds.ZoneOptions{Zone: cfg.Name, GlobalAddr: cfg.GlobalAddr, TLS: credentials.NewTLS(globalTLS),
		Token: cfg.Token, Store: z.store, APIAddress: z.apiLis.Addr().String(), Backoff: cfg.Backoff, Keepalive: cfg.Keepalive,
		Logger: z.log, Registerer: reg, Clock: cfg.Clock})

	runCtx, cancel := context.WithCancel(context.Background())
	z.cancel = cancel
	z.wg.Add(3)
	go func() {
		defer z.wg.Done()
		if err := z.xds.Serve(z.xdsLis); err != nil {
			z.errc <- err
		}
	}()
	go func() {
		defer z.wg.Done()
		if err := z.http.Serve(z.apiLis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			z.errc <- fmt.Errorf("API server: %w", err)
		}
	}()
	go func() {
		defer z.wg.Done()
		if err := z.kds.Run(runCtx); err != nil && runCtx.Err() == nil {
			z.errc <- fmt.Errorf("KDS client: %w", err)
		}
	}()
	for _, run := range cfg.Extra {
		z.wg.Add(1)
		go func() {
			defer z.wg.Done()
			if err := run(runCtx); err != nil && runCtx.Err() == nil {
				z.errc <- err
			}
		}()
	}
	z.log.Info("zone control plane started", "api", z.APIAddr(), "xds", z.XDSAddr(), "global", cfg.GlobalAddr)
	return z, nil
}

// readOnly names the kinds a zone refuses to write through its API: policies and meshes come
// from global, the source of truth.
func readOnly(k resource.Kind) bool {
	info, _ := resource.Info(k)
	return info.Policy || info.System || k == resource.KindMesh
}

func clientTLS(caFile, serverName, addr string) (*tls.Config, error) {
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("global CA file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("global CA file %s: no PEM certificate", caFile)
	}
	if serverName == "" {
		serverName, _, _ = net.SplitHostPort(addr)
	}
	return &tls.Config{RootCAs: pool, ServerName: serverName, MinVersion: tls.VersionTLS12}, nil
}

// serverTLS issues the xDS server certificate for the listen address and extra hosts.
func serverTLS(c *ca.CA, addr net.Addr, extra []string) (*tls.Config, error) {
	host, _, _ := net.SplitHostPort(addr.String())
	cfg, err := c.ServerTLS(append([]string{host, "localhost", "127.0.0.1"}, extra...), serverCertValidity)
	if err != nil {
		return nil, fmt.Errorf("xDS certificate: %w", err)
	}
	return cfg, nil
}

// APIAddr and XDSAddr are the bound addresses.
func (z *Zone) APIAddr() string { return z.apiLis.Addr().String() }
func (z *Zone) XDSAddr() string { return z.xdsLis.Addr().String() }

// Store is the zone's store (tests).
func (z *Zone) Store() store.Store { return z.store }

// KDS is the zone's KDS client.
func (z *Zone) KDS() *kds.ZoneClient { return z.kds }

// Err reports a server that stopped on its own.
func (z *Zone) Err() <-chan error { return z.errc }

// Close stops everything the zone started; it is idempotent.
func (z *Zone) Close() {
	z.once.Do(func() {
		if z.cancel != nil {
			z.cancel()
		}
		if z.http != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_ = z.http.Shutdown(ctx)
			cancel()
		}
		if z.xds != nil {
			_ = z.xds.Close()
		}
		for _, l := range []net.Listener{z.apiLis, z.xdsLis} {
			if l != nil {
				_ = l.Close()
			}
		}
		z.wg.Wait()
		if z.unsub != nil {
			z.unsub()
		}
		_ = z.store.Close()
	})
}

// dataplaneAuth checks dataplane tokens with the zone's key.
type dataplaneAuth struct{ s *auth.Signer }

func (a dataplaneAuth) Authenticate(_ context.Context, mesh, name, token string) error {
	_, err := a.s.VerifyDataplaneToken(token, mesh, name)
	return err
}
