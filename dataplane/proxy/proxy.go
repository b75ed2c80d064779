package proxy

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zonemesh/zonemesh/dataplane/config"
)

// Options configure a Proxy.
type Options struct {
	// Rand returns a uniform number in [0, n); it must be safe for concurrent use
	// (default math/rand/v2.Uint32N).
	Rand func(n uint32) uint32
	Now  func() time.Time
	Logf func(format string, args ...any)
	// Listen opens listener sockets (default net.Listen); tests may wrap it.
	Listen func(network, addr string) (net.Listener, error)
}

// Proxy runs listeners and clusters for the current config. Apply installs a new one.
type Proxy struct {
	o  Options
	rt atomic.Pointer[runtime]

	mu        sync.Mutex // serialises Apply and Close
	clusters  map[string]*cluster
	listeners map[string]*running
	closed    bool

	nonTLS     atomic.Uint64 // ingress connections whose first bytes were not a TLS ClientHello
	unknownSNI atomic.Uint64
}

// runtime is what the request path reads: one immutable snapshot per Apply.
type runtime struct {
	cfg       *config.Config
	listeners map[string]*lrt
	clusters  map[string]*cluster
}

// lrt is a listener's runtime view.
type lrt struct {
	cfg    *config.Listener
	tls    *tlsState
	routes *routeTable
	self   string // the proxy's own SPIFFE URI on this listener (XFCC By=)
}

// New returns a proxy with no listeners.
func New(o Options) *Proxy {
	if o.Rand == nil {
		o.Rand = rand.Uint32N
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.Listen == nil {
		o.Listen = net.Listen
	}
	p := &Proxy{o: o, clusters: map[string]*cluster{}, listeners: map[string]*running{}}
	p.rt.Store(&runtime{cfg: &config.Config{}, listeners: map[string]*lrt{}, clusters: map[string]*cluster{}})
	return p
}

func (p *Proxy) rand(n uint32) uint32 { return p.o.Rand(n) }

// ErrClosed is returned by Apply after Close.
var ErrClosed = errors.New("proxy: closed")

// Apply installs cfg: clusters are updated in place (keeping pools and health state), new
// listeners are bound before the swap and removed ones closed after it. A bind failure leaves
// the previous config in place and is returned, so the ADS client NACKs.
func (p *Proxy) Apply(cfg *config.Config) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	next := &runtime{cfg: cfg, listeners: map[string]*lrt{}, clusters: map[string]*cluster{}}
	for _, l := range cfg.Listeners {
		lr := &lrt{cfg: l, tls: newTLSState(cfg, l.TLS)}
		if l.TLS != nil {
			if c := cfg.Certs[l.TLS.CertName]; c != nil {
				lr.self = c.URI
			}
		}
		if l.Kind == config.KindHTTP {
			lr.routes = newRouteTable(cfg.Route(l))
		}
		next.listeners[l.Name] = lr
	}
	// Bind what is new before anything changes, so a failure changes nothing.
	var started []*running
	for _, l := range cfg.Listeners {
		if r := p.listeners[l.Name]; r != nil && r.addr == l.Address && r.kind == l.Kind {
			continue
		} else if r != nil && r.addr == l.Address {
			// Same socket, different kind: the old one must let go of the address first.
			r.close()
			delete(p.listeners, l.Name)
		}
		r, err := p.start(l)
		if err != nil {
			for _, s := range started {
				s.close()
			}
			return fmt.Errorf("listener %q: %w", l.Name, err)
		}
		started = append(started, r)
	}
	for name, c := range cfg.Clusters {
		cl := p.clusters[name]
		if cl == nil {
			cl = newCluster(p, name)
			p.clusters[name] = cl
		}
		var tc = clusterTLS(cfg, c, p.o.Logf)
		cl.update(c, tc)
		next.clusters[name] = cl
	}
	p.rt.Store(next)
	// Replace and remove listeners after the swap.
	for _, r := range started {
		if old := p.listeners[r.name]; old != nil {
			old.close()
		}
		p.listeners[r.name] = r
	}
	for name, r := range p.listeners {
		if next.listeners[name] == nil {
			r.close()
			delete(p.listeners, name)
		}
	}
	for name, cl := range p.clusters {
		if next.clusters[name] == nil {
			cl.close()
			delete(p.clusters, name)
		}
	}
	return nil
}

// Close stops every listener and cluster and waits for their goroutines.
func (p *Proxy) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	for _, r := range p.listeners {
		r.close()
	}
	for _, c := range p.clusters {
		c.close()
	}
	return nil
}

// Addr returns the bound address of a listener (useful with port 0), or "".
func (p *Proxy) Addr(listener string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if r := p.listeners[listener]; r != nil {
		return r.ln.Addr().String()
	}
	return ""
}

// Config returns the config currently installed.
func (p *Proxy) Config() *config.Config { return p.rt.Load().cfg }
