package proxy

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zonemesh/zonemesh/dataplane/config"
)

// cluster is the runtime of one upstream cluster. It lives across config updates (keyed by
// name) so pooled connections, outlier state and stats are kept.
type cluster struct {
	name string
	p    *Proxy

	cfg  atomic.Pointer[config.Cluster]
	tls  atomic.Pointer[tls.Config] // nil: plaintext
	view atomic.Pointer[view]
	seq  atomic.Uint64
	tr   *http.Transport

	mu     sync.Mutex // guards hosts, prios and timers
	hosts  map[string]*host
	prios  [][]*host
	timers map[*time.Timer]struct{}
	closed bool
	hcStop context.CancelFunc
	hcWG   sync.WaitGroup

	stats clusterStats
}

type clusterStats struct {
	rq, rq2xx, rq4xx, rq5xx, retries, timeouts, noHost, connFail, ejections atomic.Uint64
}

func newCluster(p *Proxy, name string) *cluster {
	c := &cluster{name: name, p: p, hosts: map[string]*host{}, timers: map[*time.Timer]struct{}{}}
	d := &net.Dialer{}
	c.tr = &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			ctx, cancel := context.WithTimeout(ctx, c.cfg.Load().ConnectTimeout)
			defer cancel()
			return d.DialContext(ctx, network, addr)
		},
		DialTLSContext:      c.dialTLS,
		ForceAttemptHTTP2:   true,
		MaxIdleConns:        1024,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     90 * time.Second,
	}
	return c
}

// dialTLS connects to addr with the cluster's current TLS settings (secrets may have rotated
// since the pool was created, so the config is read per connection).
func (c *cluster) dialTLS(ctx context.Context, network, addr string) (net.Conn, error) {
	e, err := c.dial(ctx, addr)
	return e.c, err
}

// dial is dialTLS for the TCP proxy: it also returns the batchConn under a TLS connection.
func (c *cluster) dial(ctx context.Context, addr string) (end, error) {
	network := "tcp"
	cfg := c.cfg.Load()
	ctx, cancel := context.WithTimeout(ctx, cfg.ConnectTimeout)
	defer cancel()
	raw, err := (&net.Dialer{}).DialContext(ctx, network, addr)
	if err != nil {
		return end{}, err
	}
	tc := c.tls.Load()
	if cfg.TLS == nil {
		return end{c: raw}, nil
	}
	if tc == nil { // secrets not here yet: never fall back to plaintext
		raw.Close()
		return end{}, ErrNoSecret
	}
	bc := &batchConn{Conn: raw}
	conn := tls.Client(bc, tc)
	if err := conn.HandshakeContext(ctx); err != nil {
		raw.Close()
		return end{}, err
	}
	return end{c: conn, batch: bc}, nil
}

// update installs a new cluster config (called with the proxy's apply lock held).
func (c *cluster) update(cfg *config.Cluster, tc *tls.Config) {
	old := c.cfg.Load()
	c.cfg.Store(cfg)
	c.tls.Store(tc)
	c.mu.Lock()
	c.prios, c.hosts = hostsFor(cfg.Assignment, c.hosts)
	c.rebuildLocked()
	c.mu.Unlock()
	if old == nil || !sameHC(old.HealthCheck, cfg.HealthCheck) {
		c.restartHealthChecks(cfg.HealthCheck)
	}
}

func sameHC(a, b *config.HealthCheck) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

func (c *cluster) rebuildLocked() {
	cfg := c.cfg.Load()
	over := uint32(140)
	if cfg.Assignment != nil {
		over = cfg.Assignment.Overprovisioning
	}
	c.view.Store(buildView(c.prios, over))
}

func (c *cluster) rebuild() {
	c.mu.Lock()
	c.rebuildLocked()
	c.mu.Unlock()
}

// pick returns an endpoint, or nil when the cluster has none.
func (c *cluster) pick() *host {
	return c.view.Load().pick(c.p.rand(1_000_000), c.seq.Add(1))
}

// result feeds outlier detection with the outcome of one request to h: status is the HTTP
// status, or 0 for a connection failure (which Envoy counts as both a 5xx and a gateway error).
func (c *cluster) result(h *host, status int) {
	h.rq.Add(1)
	od := c.cfg.Load().Outlier
	if status != 0 && status < 500 {
		if h.consec5xx.Load() != 0 {
			h.consec5xx.Store(0)
		}
		if h.consecGw.Load() != 0 {
			h.consecGw.Store(0)
		}
		return
	}
	h.rqErr.Add(1)
	if od == nil {
		return
	}
	eject := false
	if n := h.consec5xx.Add(1); od.Consecutive5xx > 0 && n >= od.Consecutive5xx && c.p.rand(100) < od.Enforcing5xx {
		eject = true
	}
	if status == 0 || status == 502 || status == 503 || status == 504 {
		if n := h.consecGw.Add(1); od.ConsecutiveGateway > 0 && n >= od.ConsecutiveGateway && c.p.rand(100) < od.EnforcingGateway {
			eject = true
		}
	}
	if eject {
		c.eject(h, od)
	}
}

func (c *cluster) eject(h *host, od *config.Outlier) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || h.ejected.Load() || c.hosts[h.addr] != h {
		return
	}
	ejected := 0
	for _, o := range c.hosts {
		if o.ejected.Load() {
			ejected++
		}
	}
	// Envoy always allows one ejection; beyond that max_ejection_percent caps them.
	if ejected > 0 && (ejected+1)*100 > int(od.MaxEjectionPercent)*len(c.hosts) {
		return
	}
	h.ejections++
	h.ejected.Store(true)
	h.consec5xx.Store(0)
	h.consecGw.Store(0)
	c.stats.ejections.Add(1)
	c.rebuildLocked()
	d := min(od.BaseEjectionTime*time.Duration(h.ejections), max(od.BaseEjectionTime, 300*time.Second))
	var t *time.Timer
	t = time.AfterFunc(d, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		delete(c.timers, t)
		if c.closed {
			return
		}
		h.ejected.Store(false)
		c.rebuildLocked()
	})
	c.timers[t] = struct{}{}
}

// close stops timers and health checks and drops pooled connections.
func (c *cluster) close() {
	c.mu.Lock()
	c.closed = true
	for t := range c.timers {
		t.Stop()
	}
	c.timers = nil
	stop := c.hcStop
	c.mu.Unlock()
	if stop != nil {
		stop()
	}
	c.hcWG.Wait()
	c.tr.CloseIdleConnections()
}

// restartHealthChecks replaces the active health-check loop.
func (c *cluster) restartHealthChecks(hc *config.HealthCheck) {
	c.mu.Lock()
	stop := c.hcStop
	c.hcStop = nil
	c.mu.Unlock()
	if stop != nil {
		stop()
	}
	c.hcWG.Wait()
	if hc == nil || hc.Interval <= 0 {
		for _, h := range c.snapshotHosts() {
			h.hcFailed.Store(false)
		}
		c.rebuild()
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		cancel()
		return
	}
	c.hcStop = cancel
	c.mu.Unlock()
	c.hcWG.Add(1)
	go c.healthLoop(ctx, hc)
}

func (c *cluster) snapshotHosts() []*host {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]*host, 0, len(c.hosts))
	for _, h := range c.hosts {
		out = append(out, h)
	}
	return out
}
