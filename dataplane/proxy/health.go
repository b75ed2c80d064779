package proxy

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/zonemesh/zonemesh/dataplane/config"
)

// healthLoop probes every endpoint each interval with an HTTP GET over the cluster's pool (so
// over mTLS when the cluster has it) and flips hcFailed after the configured thresholds.
func (c *cluster) healthLoop(ctx context.Context, hc *config.HealthCheck) {
	defer c.hcWG.Done()
	type count struct{ ok, bad uint32 }
	counts := map[*host]*count{}
	t := time.NewTicker(hc.Interval)
	defer t.Stop()
	for {
		changed := false
		for _, h := range c.snapshotHosts() {
			n := counts[h]
			if n == nil {
				n = &count{}
				counts[h] = n
			}
			if c.probe(ctx, h, hc) {
				n.ok, n.bad = n.ok+1, 0
				if h.hcFailed.Load() && n.ok >= hc.Healthy {
					h.hcFailed.Store(false)
					changed = true
				}
			} else {
				n.ok, n.bad = 0, n.bad+1
				if !h.hcFailed.Load() && n.bad >= hc.Unhealthy {
					h.hcFailed.Store(true)
					changed = true
				}
			}
		}
		if changed {
			c.rebuild()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (c *cluster) probe(ctx context.Context, h *host, hc *config.HealthCheck) bool {
	timeout := hc.Timeout
	if timeout <= 0 {
		timeout = time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	scheme := "http"
	if c.cfg.Load().TLS != nil {
		scheme = "https"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, scheme+"://"+h.addr+hc.Path, nil)
	if err != nil {
		return false
	}
	req.Host = c.name
	resp, err := c.tr.RoundTrip(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode >= 200 && resp.StatusCode < 300
}
