package proxy

import (
	"sort"
)

// EndpointStats describes one endpoint of a cluster.
type EndpointStats struct {
	Address    string `json:"address"`
	Zone       string `json:"zone"`
	Priority   int    `json:"priority"`
	Weight     uint32 `json:"weight"`
	Healthy    bool   `json:"healthy"`
	EDSHealthy bool   `json:"edsHealthy"`
	Ejected    bool   `json:"ejected"`
	HCFailed   bool   `json:"healthCheckFailed"`
	Requests   uint64 `json:"requests"`
	Errors     uint64 `json:"errors"`
}

// ClusterStats are a cluster's request counters and endpoint health.
type ClusterStats struct {
	Name        string          `json:"name"`
	Requests    uint64          `json:"requests"`
	Rq2xx       uint64          `json:"rq2xx"`
	Rq4xx       uint64          `json:"rq4xx"`
	Rq5xx       uint64          `json:"rq5xx"`
	Retries     uint64          `json:"retries"`
	Timeouts    uint64          `json:"timeouts"`
	NoHealthy   uint64          `json:"noHealthyUpstream"`
	ConnectFail uint64          `json:"connectFailures"`
	Ejections   uint64          `json:"ejections"`
	Endpoints   []EndpointStats `json:"endpoints"`
}

// IngressStats count connections the ingress refused.
type IngressStats struct {
	NonTLS     uint64 `json:"nonTLS"`
	UnknownSNI uint64 `json:"unknownSNI"`
}

// Stats returns every cluster's stats sorted by name, and the ingress counters.
func (p *Proxy) Stats() ([]ClusterStats, IngressStats) {
	rt := p.rt.Load()
	out := make([]ClusterStats, 0, len(rt.clusters))
	for _, c := range rt.clusters {
		s := ClusterStats{Name: c.name, Requests: c.stats.rq.Load(), Rq2xx: c.stats.rq2xx.Load(),
			Rq4xx: c.stats.rq4xx.Load(), Rq5xx: c.stats.rq5xx.Load(), Retries: c.stats.retries.Load(),
			Timeouts: c.stats.timeouts.Load(), NoHealthy: c.stats.noHost.Load(),
			ConnectFail: c.stats.connFail.Load(), Ejections: c.stats.ejections.Load()}
		c.mu.Lock()
		for _, hs := range c.prios {
			for _, h := range hs {
				s.Endpoints = append(s.Endpoints, EndpointStats{Address: h.addr, Zone: h.zone, Priority: h.priority,
					Weight: h.weight, Healthy: h.healthy(), EDSHealthy: h.eds.Load(), Ejected: h.ejected.Load(),
					HCFailed: h.hcFailed.Load(), Requests: h.rq.Load(), Errors: h.rqErr.Load()})
			}
		}
		c.mu.Unlock()
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, IngressStats{NonTLS: p.nonTLS.Load(), UnknownSNI: p.unknownSNI.Load()}
}
