package fakeproxy

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	resourcev3 "github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/xds"
)

// Types are the xDS types a fake proxy subscribes to, in subscription order.
var Types = []string{resourcev3.ClusterType, resourcev3.ListenerType, resourcev3.SecretType, resourcev3.EndpointType, resourcev3.RouteType}

// Receipt is one response a proxy took.
type Receipt struct {
	Type      string    `json:"type"`
	Version   string    `json:"version"`
	At        time.Time `json:"at"`
	Resources int       `json:"resources"`
}

// Options configure one fake proxy.
type Options struct {
	Conn     grpc.ClientConnInterface
	Token    string
	Zone     string
	Resource *resource.Resource // the Dataplane it registers
	Now      func() time.Time
	Rand     *rand.Rand // backoff jitter
	// History is how many receipts per type are kept (default 4).
	History int
	// Watches, when set, is told of policies appearing in the config.
	Watches *Watches
}

// Proxy is one fake proxy. Run drives it; the other methods are safe concurrently.
type Proxy struct {
	o    Options
	id   string
	node *corev3.Node

	mu         sync.Mutex
	connected  bool
	reconnects int
	lastErr    string
	latest     map[string]Receipt
	history    []Receipt // ring of o.History × types
	ready      chan struct{}
	changed    chan struct{} // closed and replaced on every receipt
}

// New checks the options and builds the node the proxy presents.
func New(o Options) (*Proxy, error) {
	if o.Conn == nil || o.Resource == nil {
		return nil, errors.New("fakeproxy: Conn and Resource are required")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = rand.New(rand.NewPCG(1, 2))
	}
	if o.History <= 0 {
		o.History = 4
	}
	b, err := resource.MarshalJSON(o.Resource)
	if err != nil {
		return nil, fmt.Errorf("fakeproxy: %w", err)
	}
	md, err := structpb.NewStruct(map[string]any{"dataplane": string(b)})
	if err != nil {
		return nil, fmt.Errorf("fakeproxy: %w", err)
	}
	id := xds.NodeID(o.Resource.Mesh, o.Resource.Name)
	return &Proxy{o: o, id: id, latest: map[string]Receipt{}, ready: make(chan struct{}), changed: make(chan struct{}),
		node: &corev3.Node{Id: id, Locality: &corev3.Locality{Zone: o.Zone}, Metadata: md, UserAgentName: "zonemesh-fakeproxy"}}, nil
}

// ID is the proxy's node id.
func (p *Proxy) ID() string { return p.id }

// Run keeps a stream open until ctx ends, reconnecting with jittered backoff. A refusal
// (bad token, bad node) ends Run with that error.
func (p *Proxy) Run(ctx context.Context) error {
	backoff := 100 * time.Millisecond
	for {
		err := p.stream(ctx)
		p.mu.Lock()
		p.connected = false
		if err != nil {
			p.lastErr = err.Error()
		}
		p.mu.Unlock()
		if ctx.Err() != nil {
			return nil
		}
		switch status.Code(err) {
		case codes.Unauthenticated, codes.PermissionDenied, codes.InvalidArgument:
			return fmt.Errorf("fakeproxy %s: %w", p.id, err)
		}
		d := backoff/2 + time.Duration(p.o.Rand.Int64N(int64(backoff)))
		backoff = min(backoff*2, 5*time.Second)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		p.mu.Lock()
		p.reconnects++
		p.mu.Unlock()
	}
}

type typeState struct {
	version, nonce string
	names          []string
}

func (p *Proxy) stream(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+p.o.Token)
	st, err := discoveryv3.NewAggregatedDiscoveryServiceClient(p.o.Conn).StreamAggregatedResources(ctx)
	if err != nil {
		return err
	}
	state := map[string]*typeState{}
	for _, t := range Types {
		state[t] = &typeState{}
	}
	state[resourcev3.SecretType].names = []string{xds.IdentitySecret, xds.MeshCASecret}
	send := func(t string, first bool) error {
		s := state[t]
		req := &discoveryv3.DiscoveryRequest{TypeUrl: t, VersionInfo: s.version, ResponseNonce: s.nonce, ResourceNames: s.names}
		if first {
			req.Node = p.node
		}
		return st.Send(req)
	}
	for i, t := range Types[:3] { // CDS, LDS wildcard and SDS by name; EDS and RDS follow from them
		if err := send(t, i == 0); err != nil {
			return err
		}
	}
	for {
		resp, err := st.Recv()
		if err != nil {
			return err
		}
		p.mu.Lock()
		p.connected = true
		p.mu.Unlock()
		t := resp.GetTypeUrl()
		s := state[t]
		if s == nil {
			continue
		}
		at := p.o.Now()
		var follow string
		var names []string
		switch t {
		case resourcev3.ClusterType:
			follow, names = resourcev3.EndpointType, p.clusters(resp, at)
		case resourcev3.ListenerType:
			follow, names = resourcev3.RouteType, p.listeners(resp, at)
		case resourcev3.RouteType:
			p.routes(resp, at)
		}
		s.version, s.nonce = resp.GetVersionInfo(), resp.GetNonce()
		p.record(Receipt{Type: t, Version: resp.GetVersionInfo(), At: at, Resources: len(resp.GetResources())})
		if err := send(t, false); err != nil { // ACK
			return err
		}
		if follow != "" && (len(names) > 0 || state[follow].names != nil) && !slices.Equal(names, state[follow].names) {
			if names == nil {
				names = []string{}
			}
			state[follow].names = names
			if err := send(follow, false); err != nil {
				return err
			}
		}
	}
}

// clusters returns the sorted CLA names the clusters need, and reports watched policies.
func (p *Proxy) clusters(resp *discoveryv3.DiscoveryResponse, at time.Time) []string {
	var names []string
	for _, a := range resp.GetResources() {
		c := &clusterv3.Cluster{}
		if a.UnmarshalTo(c) != nil {
			continue
		}
		p.o.Watches.observe(p.id, xds.PoliciesOf(c.GetMetadata()), at)
		if c.GetType() == clusterv3.Cluster_EDS {
			n := c.GetEdsClusterConfig().GetServiceName()
			if n == "" {
				n = c.GetName()
			}
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// listeners returns the sorted RDS names the listeners reference.
func (p *Proxy) listeners(resp *discoveryv3.DiscoveryResponse, at time.Time) []string {
	var names []string
	for _, a := range resp.GetResources() {
		l := &listenerv3.Listener{}
		if a.UnmarshalTo(l) != nil {
			continue
		}
		p.o.Watches.observe(p.id, xds.PoliciesOf(l.GetMetadata()), at)
		for _, fc := range l.GetFilterChains() {
			for _, f := range fc.GetFilters() {
				h := &hcmv3.HttpConnectionManager{}
				if f.GetTypedConfig().MessageIs(h) && f.GetTypedConfig().UnmarshalTo(h) == nil {
					if r := h.GetRds(); r != nil {
						names = append(names, r.GetRouteConfigName())
					}
				}
			}
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

func (p *Proxy) routes(resp *discoveryv3.DiscoveryResponse, at time.Time) {
	if !p.o.Watches.active() {
		return
	}
	for _, a := range resp.GetResources() {
		rc := &routev3.RouteConfiguration{}
		if a.UnmarshalTo(rc) != nil {
			continue
		}
		for _, vh := range rc.GetVirtualHosts() {
			p.o.Watches.observe(p.id, xds.PoliciesOf(vh.GetMetadata()), at)
		}
	}
}

func (p *Proxy) record(r Receipt) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.latest[r.Type] = r
	if len(p.latest) == len(Types) && !isClosed(p.ready) {
		close(p.ready)
	}
	if len(p.history) >= p.o.History*len(Types) {
		copy(p.history, p.history[1:])
		p.history = p.history[:len(p.history)-1]
	}
	p.history = append(p.history, r)
	close(p.changed)
	p.changed = make(chan struct{})
}

// WaitVersion returns once the last response of typeURL carried version, or ctx ends.
func (p *Proxy) WaitVersion(ctx context.Context, typeURL, version string) error {
	for {
		p.mu.Lock()
		got, ch := p.latest[typeURL].Version, p.changed
		p.mu.Unlock()
		if got == version {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %s version %q, want %q: %w", p.id, ShortType(typeURL), got, version, ctx.Err())
		case <-ch:
		}
	}
}

// Ready is closed once a response of every type has arrived.
func (p *Proxy) Ready() <-chan struct{} { return p.ready }

func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// Status is a proxy's view of its exchange with the control plane.
type Status struct {
	ID         string             `json:"id"`
	Connected  bool               `json:"connected"`
	Reconnects int                `json:"reconnects"`
	LastError  string             `json:"lastError,omitempty"`
	Latest     map[string]Receipt `json:"latest"` // by short type name
	History    []Receipt          `json:"history,omitempty"`
}

// Status returns a copy of the proxy's state.
func (p *Proxy) Status(withHistory bool) Status {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := Status{ID: p.id, Connected: p.connected, Reconnects: p.reconnects, LastError: p.lastErr, Latest: map[string]Receipt{}}
	for t, r := range p.latest {
		s.Latest[ShortType(t)] = r
	}
	if withHistory {
		s.History = append([]Receipt(nil), p.history...)
	}
	return s
}

// Version returns the last version received of a type ("" before any).
func (p *Proxy) Version(typeURL string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.latest[typeURL].Version
}

// ShortType names a type URL: clusters, listeners, secrets, endpoints, routes.
func ShortType(url string) string {
	switch url {
	case resourcev3.ClusterType:
		return "clusters"
	case resourcev3.ListenerType:
		return "listeners"
	case resourcev3.SecretType:
		return "secrets"
	case resourcev3.EndpointType:
		return "endpoints"
	case resourcev3.RouteType:
		return "routes"
	}
	return url
}
