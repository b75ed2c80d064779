package dataplane

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/dataplane/admin"
	"github.com/zonemesh/zonemesh/dataplane/ads"
	"github.com/zonemesh/zonemesh/dataplane/config"
	"github.com/zonemesh/zonemesh/dataplane/dns"
	"github.com/zonemesh/zonemesh/dataplane/proxy"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials"
	"google.golang.org/protobuf/types/known/structpb"
)

// Options configure one proxy.
type Options struct {
	CPAddr string // zone control plane host:port (gRPC over TLS)
	CAPEM  []byte // CA bundle that signed the control plane's certificate
	Token  string // dataplane token
	Zone   string
	// Resource is the Dataplane or ZoneIngress this proxy is; its JSON goes in the node metadata.
	Resource  *resource.Resource
	AdminAddr string // "" disables the admin API
	Logf      func(format string, args ...any)
	Proxy     proxy.Options
	// MinBackoff/MaxBackoff bound ADS reconnection (defaults in package ads).
	MinBackoff, MaxBackoff time.Duration
	// DNSAddr, when set, serves the sidecar's DNS there (`<service>.mesh` → VIP); DNSUpstream
	// receives other names ("": refused). See package dns.
	DNSAddr, DNSUpstream string
}

// Agent is a running proxy.
type Agent struct {
	Proxy *proxy.Proxy
	ADS   *ads.Client
	DNS   *dns.Server // nil without Options.DNSAddr

	conn    *grpc.ClientConn
	admin   *http.Server
	adminLn net.Listener
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	once    sync.Once
}

// NodeID is the xDS node id of a resource: "<mesh>.<name>" (ZoneIngress has no mesh: "<name>").
func NodeID(r *resource.Resource) string {
	if r.Mesh == "" {
		return r.Name
	}
	return r.Mesh + "." + r.Name
}

// Node builds the xDS node of a proxy as docs/XDS.md describes it.
func Node(zone string, r *resource.Resource) (*corev3.Node, error) {
	b, err := resource.MarshalJSON(r)
	if err != nil {
		return nil, fmt.Errorf("node metadata: %w", err)
	}
	md, err := structpb.NewStruct(map[string]any{"dataplane": string(b)})
	if err != nil {
		return nil, fmt.Errorf("node metadata: %w", err)
	}
	return &corev3.Node{Id: NodeID(r), Locality: &corev3.Locality{Zone: zone}, Metadata: md,
		UserAgentName: "zonemesh-dp"}, nil
}

// Start connects to the control plane and serves until Close.
func Start(o Options) (*Agent, error) {
	if o.Resource == nil {
		return nil, errors.New("dataplane: Resource is required")
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(o.CAPEM) {
		return nil, errors.New("dataplane: ca: no PEM certificate")
	}
	node, err := Node(o.Zone, o.Resource)
	if err != nil {
		return nil, err
	}
	conn, err := grpc.NewClient(o.CPAddr, grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12})),
		// The connection is reused across streams, so gRPC's own reconnect backoff (up to 2 min by
		// default) would decide how soon a restarted control plane is reached again: keep it short.
		grpc.WithConnectParams(grpc.ConnectParams{Backoff: backoff.Config{BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 2 * time.Second}, MinConnectTimeout: 5 * time.Second}))
	if err != nil {
		return nil, fmt.Errorf("dataplane: control plane %s: %w", o.CPAddr, err)
	}
	if o.Proxy.Logf == nil {
		o.Proxy.Logf = o.Logf
	}
	a := &Agent{Proxy: proxy.New(o.Proxy), conn: conn}
	var secrets []string
	if o.Resource.Kind == resource.KindZoneIngress {
		secrets = []string{} // the ingress never terminates TLS, so it needs no secrets
	}
	apply := a.Proxy.Apply
	if o.DNSAddr != "" {
		if a.DNS, err = dns.Start(dns.Options{Addr: o.DNSAddr, Upstream: o.DNSUpstream, Logf: o.Logf}); err != nil {
			conn.Close()
			return nil, fmt.Errorf("dataplane: %w", err)
		}
		// The table follows each applied config, after its VIP listeners are bound, so a name
		// never resolves to a VIP nobody listens on.
		apply = func(cfg *config.Config) error {
			if err := a.Proxy.Apply(cfg); err != nil {
				return err
			}
			a.DNS.Set(cfg.DNSTable())
			return nil
		}
	}
	a.ADS = ads.New(ads.Options{Conn: conn, Token: o.Token, Node: node, Apply: apply, SecretNames: secrets,
		Logf: o.Logf, MinBackoff: o.MinBackoff, MaxBackoff: o.MaxBackoff})
	if o.AdminAddr != "" {
		ln, err := net.Listen("tcp", o.AdminAddr)
		if err != nil {
			conn.Close()
			if a.DNS != nil {
				a.DNS.Close()
			}
			return nil, fmt.Errorf("dataplane: admin: %w", err)
		}
		a.adminLn = ln
		a.admin = &http.Server{Handler: admin.Handler(admin.Source{Proxy: a.Proxy, ADS: a.ADS}), ReadHeaderTimeout: 5 * time.Second}
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			a.admin.Serve(ln)
		}()
	}
	ctx, cancel := context.WithCancel(context.Background())
	a.cancel = cancel
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		a.ADS.Run(ctx)
	}()
	return a, nil
}

// AdminAddr is the admin API's bound address, or "".
func (a *Agent) AdminAddr() string {
	if a.adminLn == nil {
		return ""
	}
	return a.adminLn.Addr().String()
}

// Close stops the ADS client, the admin API and every listener, and waits for them.
func (a *Agent) Close() error {
	a.once.Do(func() {
		a.cancel()
		if a.admin != nil {
			a.admin.Close()
		}
		a.wg.Wait()
		a.conn.Close()
		a.Proxy.Close()
		if a.DNS != nil {
			a.DNS.Close()
		}
	})
	return nil
}
