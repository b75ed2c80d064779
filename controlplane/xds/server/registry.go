package server

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	resourcev3 "github.com/envoyproxy/go-control-plane/pkg/resource/v3"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
	"github.com/zonemesh/zonemesh/controlplane/xds"
)

// ProxyStatus is what the zone knows of one connected proxy.
type ProxyStatus struct {
	ID          string    `json:"id"`
	Kind        string    `json:"kind"`
	Mesh        string    `json:"mesh,omitempty"`
	Name        string    `json:"name"`
	Streams     int       `json:"streams"`
	ConnectedAt time.Time `json:"connectedAt"`
	// Version is the version of the last snapshot set for the proxy ("" before the first one);
	// its integer part is the zone store revision it was generated at.
	Version     string    `json:"version,omitempty"`
	GeneratedAt time.Time `json:"generatedAt,omitzero"`
	// Types is keyed by short type name: listeners, routes, clusters, endpoints, secrets.
	Types map[string]TypeStatus `json:"types,omitempty"`
}

// TypeStatus is the exchange of one xDS type with a proxy.
type TypeStatus struct {
	Sent      string    `json:"sent,omitempty"`
	SentAt    time.Time `json:"sentAt,omitzero"`
	Acked     string    `json:"acked,omitempty"`
	AckedAt   time.Time `json:"ackedAt,omitzero"`
	Nacked    string    `json:"nacked,omitempty"`
	NackedAt  time.Time `json:"nackedAt,omitzero"`
	NackError string    `json:"nackError,omitempty"`
	// History holds the last ackHistory ACKs, oldest first: the harness times the zone→proxy
	// stage of propagation from them (a proxy ACKs a version once it has applied it).
	History []Ack `json:"history,omitempty"`

	nonce string
}

// Ack is one ACKed version and when the ACK arrived.
type Ack struct {
	Version string    `json:"version"`
	At      time.Time `json:"at"`
}

// ackHistory bounds TypeStatus.History.
const ackHistory = 16

// proxy is one registered proxy. Fields are guarded by Server.mu.
type proxy struct {
	id        string
	res       *resource.Resource // as registered
	services  []string           // inbound services, for matching policy destinations
	streams   int
	connected time.Time
	version   string
	rev       uint64 // store revision of version
	seq       int    // snapshots set at rev
	hash      uint64
	generated time.Time
	types     map[string]*TypeStatus
	// pending are the policies of each config sent but not yet ACKed, in the order they were
	// set; applied are those of the last ACKed one.
	pending []sentPolicies
	applied map[string]uint64
}

type sentPolicies struct {
	version  string
	policies map[string]uint64
}

// ackApplied moves the config of version v from pending to applied and returns the policies
// whose version changed. Configs set before v were superseded and are dropped.
func (p *proxy) ackApplied(v string) (map[string]uint64, bool) {
	for i, sp := range p.pending {
		if sp.version != v {
			continue
		}
		changed := map[string]uint64{}
		for k, ver := range sp.policies {
			if p.applied[k] != ver {
				changed[k] = ver
			}
		}
		for k := range p.applied {
			if _, ok := sp.policies[k]; !ok {
				changed[k] = 0
			}
		}
		p.applied = sp.policies
		p.pending = p.pending[i+1:]
		return changed, true
	}
	return nil, false
}

func inboundServices(r *resource.Resource) []string {
	dp, ok := r.Spec.(*resource.DataplaneSpec)
	if !ok {
		return nil
	}
	var out []string
	for _, ib := range dp.Networking.Inbound {
		out = append(out, ib.Service())
	}
	return out
}

// attach registers one more stream of a proxy; the first one puts its resource into the store.
func (s *Server) attach(ctx context.Context, r *resource.Resource) error {
	id := xds.NodeID(r.Mesh, r.Name)
	r.Origin = s.cfg.Zone
	if ing, ok := r.Spec.(*resource.ZoneIngressSpec); ok {
		if ing.Zone != s.cfg.Zone {
			return fmt.Errorf("zone ingress %s: spec.zone %q is not this zone %q", r.Name, ing.Zone, s.cfg.Zone)
		}
		// The zone computes what is behind its own ingress; what the proxy claims is ignored.
		ing.AvailableServices = s.rec.availableFor(r.Name)
	}
	s.mu.Lock()
	p := s.proxies[id]
	if p != nil && p.streams > 0 {
		p.streams++
		s.mu.Unlock()
		return nil
	}
	if p == nil {
		p = &proxy{id: id, types: map[string]*TypeStatus{}}
		s.proxies[id] = p
	}
	p.res, p.services, p.streams, p.connected = r, inboundServices(r), 1, s.now()
	s.metrics.connected.Set(float64(s.connectedLocked()))
	s.mu.Unlock()
	if _, err := s.cfg.Store.Put(ctx, r); err != nil {
		s.detach(id)
		return err
	}
	s.rec.poke(id)
	return nil
}

// detach drops one stream; after the last one the proxy is unregistered from the store.
func (s *Server) detach(id string) {
	s.mu.Lock()
	p := s.proxies[id]
	if p == nil || p.streams == 0 {
		s.mu.Unlock()
		return
	}
	p.streams--
	if p.streams > 0 {
		s.mu.Unlock()
		return
	}
	delete(s.proxies, id)
	key := p.res.Key()
	s.metrics.connected.Set(float64(s.connectedLocked()))
	s.mu.Unlock()
	s.cache.ClearSnapshot(id)
	// The stream's context is gone; the unregistration still has to happen.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.cfg.Store.Delete(ctx, key); err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrClosed) {
		s.logf("xds: unregister %s: %v", key, err)
	}
}

func (s *Server) connectedLocked() int { return len(s.proxies) }

// Proxies returns the status of every connected proxy, sorted by id.
func (s *Server) Proxies() []ProxyStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ProxyStatus, 0, len(s.proxies))
	for _, p := range s.proxies {
		st := ProxyStatus{ID: p.id, Kind: string(p.res.Kind), Mesh: p.res.Mesh, Name: p.res.Name, Streams: p.streams,
			ConnectedAt: p.connected, Version: p.version, GeneratedAt: p.generated, Types: map[string]TypeStatus{}}
		for k, v := range p.types {
			c := *v
			c.History = append([]Ack(nil), v.History...)
			st.Types[k] = c
		}
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// shortType names a type URL the way ProxyStatus.Types does.
func shortType(url string) string {
	switch url {
	case resourcev3.ListenerType:
		return "listeners"
	case resourcev3.RouteType:
		return "routes"
	case resourcev3.ClusterType:
		return "clusters"
	case resourcev3.EndpointType:
		return "endpoints"
	case resourcev3.SecretType:
		return "secrets"
	}
	return url
}

// onRequest records ACKs and NACKs (go-control-plane reports them only through callbacks).
func (s *Server) onRequest(streamID int64, req *discoveryv3.DiscoveryRequest) error {
	if req.GetResponseNonce() == "" {
		return nil
	}
	now := s.now()
	var changed map[string]uint64
	applied := false
	defer func() {
		// Called after the lock is released (defers run last-in first-out).
		if applied && s.cfg.OnApply != nil {
			s.cfg.OnApply(req.GetNode().GetId(), req.GetVersionInfo(), changed, now)
		}
	}()
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.proxies[req.GetNode().GetId()]
	if p == nil {
		return nil
	}
	ts := p.types[shortType(req.GetTypeUrl())]
	if ts == nil || ts.nonce != req.GetResponseNonce() {
		return nil // a stale nonce answers an older response
	}
	if d := req.GetErrorDetail(); d != nil {
		ts.Nacked, ts.NackedAt, ts.NackError = ts.Sent, now, d.GetMessage()
		s.metrics.nacks.Inc()
		s.logf("xds: %s NACKed %s version %s: %s", p.id, shortType(req.GetTypeUrl()), ts.Sent, d.GetMessage())
		return nil
	}
	ts.Acked, ts.AckedAt = req.GetVersionInfo(), now
	if len(ts.History) == ackHistory {
		copy(ts.History, ts.History[1:])
		ts.History = ts.History[:ackHistory-1]
	}
	ts.History = append(ts.History, Ack{Version: ts.Acked, At: now})
	if req.GetTypeUrl() == resourcev3.ListenerType {
		changed, applied = p.ackApplied(ts.Acked)
	}
	return nil
}

func (s *Server) onResponse(_ context.Context, _ int64, req *discoveryv3.DiscoveryRequest, resp *discoveryv3.DiscoveryResponse) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.proxies[req.GetNode().GetId()]
	if p == nil {
		return
	}
	k := shortType(resp.GetTypeUrl())
	ts := p.types[k]
	if ts == nil {
		ts = &TypeStatus{}
		p.types[k] = ts
	}
	ts.Sent, ts.SentAt, ts.nonce = resp.GetVersionInfo(), now, resp.GetNonce()
}

func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
