package fakeproxy

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/keepalive"

	"github.com/zonemesh/zonemesh/controlplane/resource"
)

// FleetConfig configures a group of fake proxies that share connections.
type FleetConfig struct {
	Addr string      // zone control plane xDS address
	TLS  *tls.Config // trusts the control plane's CA
	Zone string
	// PerConn is how many proxies share one gRPC connection (default 100).
	PerConn int
	// Proxies are the Dataplanes to register.
	Proxies []*resource.Resource
	// Token returns the dataplane token of a proxy.
	Token func(r *resource.Resource) (string, error)
	Now   func() time.Time
	Seed  uint64
	// Logf reports proxies that stop for good (refused); nil discards.
	Logf func(format string, args ...any)
}

// Fleet is a running group of fake proxies.
type Fleet struct {
	Watches *Watches
	proxies []*Proxy
	conns   []*grpc.ClientConn
	cancel  context.CancelFunc
	wg      sync.WaitGroup

	mu   sync.Mutex
	errs []error
}

// SidecarResources makes count Dataplanes of mesh spread over services services, each with one
// HTTP inbound on its own loopback address: the shape fake proxies register by default.
func SidecarResources(mesh, prefix string, count, services int) []*resource.Resource {
	if services <= 0 {
		services = 1
	}
	out := make([]*resource.Resource, count)
	for i := range out {
		out[i] = &resource.Resource{Kind: resource.KindDataplane, Meta: resource.Meta{Mesh: mesh, Name: fmt.Sprintf("%s-%d", prefix, i)},
			Spec: &resource.DataplaneSpec{Networking: resource.DataplaneNetworking{
				Address: fmt.Sprintf("127.%d.%d.%d", 10+i/62500, i/250%250, i%250+1), OutboundPort: 15001,
				Inbound: []resource.Inbound{{Port: 20000, ServicePort: 8080,
					Tags: map[string]string{resource.TagService: fmt.Sprintf("svc-%d", i%services), resource.TagVersion: "v1"}}},
			}}}
	}
	return out
}

// StartFleet connects every proxy and returns once all streams are started.
func StartFleet(ctx context.Context, cfg FleetConfig) (*Fleet, error) {
	if cfg.Addr == "" || cfg.TLS == nil || cfg.Token == nil {
		return nil, errors.New("fakeproxy: Addr, TLS and Token are required")
	}
	if cfg.PerConn <= 0 {
		cfg.PerConn = 100
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	ctx, cancel := context.WithCancel(ctx)
	f := &Fleet{Watches: NewWatches(), cancel: cancel}
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))
	var conn *grpc.ClientConn
	for i, r := range cfg.Proxies {
		if i%cfg.PerConn == 0 {
			c, err := grpc.NewClient(cfg.Addr, grpc.WithTransportCredentials(credentials.NewTLS(cfg.TLS)),
				grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: 30 * time.Second, Timeout: 10 * time.Second}),
				// Reconnect to a restarted zone control plane within seconds, not gRPC's default minutes.
				grpc.WithConnectParams(grpc.ConnectParams{Backoff: backoff.Config{BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 2 * time.Second}, MinConnectTimeout: 5 * time.Second}))
			if err != nil {
				f.Close()
				return nil, fmt.Errorf("fakeproxy: dial %s: %w", cfg.Addr, err)
			}
			conn = c
			f.conns = append(f.conns, c)
		}
		tok, err := cfg.Token(r)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("fakeproxy: token for %s: %w", r.Name, err)
		}
		p, err := New(Options{Conn: conn, Token: tok, Zone: cfg.Zone, Resource: r, Now: cfg.Now,
			Rand: rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64())), Watches: f.Watches})
		if err != nil {
			f.Close()
			return nil, err
		}
		f.proxies = append(f.proxies, p)
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			if err := p.Run(ctx); err != nil {
				cfg.Logf("%v", err)
				f.mu.Lock()
				f.errs = append(f.errs, err)
				f.mu.Unlock()
			}
		}()
	}
	return f, nil
}

// Proxies returns the fleet's proxies.
func (f *Fleet) Proxies() []*Proxy { return f.proxies }

// Errors returns the errors of proxies that stopped for good (refused by the control plane).
func (f *Fleet) Errors() []error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]error(nil), f.errs...)
}

// Close stops every proxy and closes the connections.
func (f *Fleet) Close() {
	f.cancel()
	f.wg.Wait()
	for _, c := range f.conns {
		c.Close()
	}
	f.conns = nil
}
