package xds

import (
	"errors"
	"fmt"
	"hash/fnv"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	cachev3 "github.com/envoyproxy/go-control-plane/pkg/cache/v3"
	resourcev3 "github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"google.golang.org/protobuf/proto"

	"github.com/zonemesh/zonemesh/controlplane/resource"
)

// Resources is the whole config of one proxy, per xDS type, in a stable order.
type Resources struct {
	Listeners []*listenerv3.Listener
	Routes    []*routev3.RouteConfiguration
	Clusters  []*clusterv3.Cluster
	Endpoints []*endpointv3.ClusterLoadAssignment
	Secrets   []*tlsv3.Secret

	// shared is the mesh-wide part these resources include (nil for an ingress); its hash is
	// computed once per Inputs instead of once per proxy.
	shared *outboundPart
	own    []proto.Message // the resources not in shared, for Hash
}

// ErrUnknownMesh is returned for a dataplane of a mesh the zone has no Mesh resource for.
var ErrUnknownMesh = errors.New("xds: unknown mesh")

// Generate builds the resources of one proxy: proxy is its Dataplane or ZoneIngress resource.
func Generate(in *Inputs, proxy *resource.Resource) (*Resources, error) {
	switch s := proxy.Spec.(type) {
	case *resource.DataplaneSpec:
		if in.meshes[proxy.Mesh] == nil {
			return nil, fmt.Errorf("dataplane %s: %w %q", proxy.Name, ErrUnknownMesh, proxy.Mesh)
		}
		vipPort, err := VIPPort(proxy)
		if err != nil {
			return nil, fmt.Errorf("dataplane %s.%s: %w", proxy.Mesh, proxy.Name, err)
		}
		return in.sidecar(proxy.Mesh, proxy.Name, s, vipPort)
	case *resource.ZoneIngressSpec:
		return in.ingress(proxy.Name, s)
	}
	return nil, fmt.Errorf("xds: %s %s is neither a Dataplane nor a ZoneIngress", proxy.Kind, proxy.Name)
}

// ByType returns the resources keyed by type URL, as a snapshot wants them.
func (r *Resources) ByType() map[resourcev3.Type][]types.Resource {
	m := map[resourcev3.Type][]types.Resource{}
	add := func(t resourcev3.Type, n int, at func(int) types.Resource) {
		s := make([]types.Resource, n)
		for i := range s {
			s[i] = at(i)
		}
		m[t] = s
	}
	add(resourcev3.ListenerType, len(r.Listeners), func(i int) types.Resource { return r.Listeners[i] })
	add(resourcev3.RouteType, len(r.Routes), func(i int) types.Resource { return r.Routes[i] })
	add(resourcev3.ClusterType, len(r.Clusters), func(i int) types.Resource { return r.Clusters[i] })
	add(resourcev3.EndpointType, len(r.Endpoints), func(i int) types.Resource { return r.Endpoints[i] })
	add(resourcev3.SecretType, len(r.Secrets), func(i int) types.Resource { return r.Secrets[i] })
	return m
}

// Snapshot wraps the resources in a go-control-plane snapshot with one version for every type.
func (r *Resources) Snapshot(version string) (*cachev3.Snapshot, error) {
	s, err := cachev3.NewSnapshot(version, r.ByType())
	if err != nil {
		return nil, fmt.Errorf("xds: snapshot: %w", err)
	}
	return s, nil
}

// Hash is a digest of the content; equal hashes mean there is nothing new to send.
func (r *Resources) Hash() uint64 {
	h := fnv.New64a()
	if r.shared != nil {
		var b [8]byte
		for i, v := 0, r.shared.hash; i < 8; i++ {
			b[i] = byte(v >> (8 * i))
		}
		h.Write(b[:])
	}
	for _, m := range r.own {
		h.Write(marshal(m))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

var deterministic = proto.MarshalOptions{Deterministic: true}

func marshal(m proto.Message) []byte {
	b, err := deterministic.Marshal(m)
	if err != nil {
		// Generated messages always marshal; a failure here is a programming error.
		panic("xds: marshal: " + err.Error())
	}
	return b
}

// Count is the number of resources of every type.
func (r *Resources) Count() int {
	return len(r.Listeners) + len(r.Routes) + len(r.Clusters) + len(r.Endpoints) + len(r.Secrets)
}
