package xds

import (
	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	tlsinspv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/listener/tls_inspector/v3"

	"github.com/zonemesh/zonemesh/controlplane/resource"
)

// ingress builds the zone ingress: one filter chain per SNI of every local service (and each
// of its versions) of every mTLS mesh, passing the caller's TLS through to a cluster of the
// zone's own instances. The clusters are named by their SNI, which is unique across meshes.
func (in *Inputs) ingress(name string, s *resource.ZoneIngressSpec) (*Resources, error) {
	out := &Resources{}
	l := &listenerv3.Listener{
		Name:    IngressListener,
		Address: socketAddress(s.Networking.Address, s.Networking.Port),
		ListenerFilters: []*listenerv3.ListenerFilter{{Name: filterTLSInsp,
			ConfigType: &listenerv3.ListenerFilter_TypedConfig{TypedConfig: toAny(&tlsinspv3.TlsInspector{})}}},
		TrafficDirection: corev3.TrafficDirection_INBOUND,
	}
	for _, mesh := range sortedKeys(in.meshes) {
		if !in.mtls(mesh) {
			continue // without mTLS there is no SNI to route by, and the ingress takes only mTLS
		}
		e := in.endpoints[mesh]
		if e == nil {
			continue
		}
		for _, svc := range e.services {
			if len(e.byKey[svcKey{svc, ""}][in.Zone]) == 0 {
				continue
			}
			for _, v := range append([]string{""}, e.versions[svc]...) {
				if v != "" && len(e.byKey[svcKey{svc, v}][in.Zone]) == 0 {
					continue
				}
				sni := SNI(mesh, svc, v)
				l.FilterChains = append(l.FilterChains, &listenerv3.FilterChain{
					Name:             sni,
					FilterChainMatch: &listenerv3.FilterChainMatch{ServerNames: []string{sni}, TransportProtocol: "tls"},
					Filters:          []*listenerv3.Filter{tcpProxyFilter(sni, sni)},
				})
				out.Clusters = append(out.Clusters, &clusterv3.Cluster{
					Name:                 sni,
					ClusterDiscoveryType: &clusterv3.Cluster_Type{Type: clusterv3.Cluster_EDS},
					EdsClusterConfig:     &clusterv3.Cluster_EdsClusterConfig{EdsConfig: ads()},
					ConnectTimeout:       dur(defaultConnectTimeout),
					LbPolicy:             clusterv3.Cluster_ROUND_ROBIN,
				})
				out.Endpoints = append(out.Endpoints, in.loadAssignment(mesh, sni, svc, v, in.Zone, nil))
			}
		}
	}
	// A listener without chains is invalid; an ingress with nothing behind it listens for nothing.
	if len(l.FilterChains) > 0 {
		out.Listeners = []*listenerv3.Listener{l}
	}
	for _, m := range out.Listeners {
		out.own = append(out.own, m)
	}
	for i := range out.Clusters {
		out.own = append(out.own, out.Clusters[i], out.Endpoints[i])
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sortStrings(out)
	return out
}
