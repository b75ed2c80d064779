package xds

import (
	"github.com/zonemesh/zonemesh/internal/defect"
	"math"
	"sort"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/zonemesh/zonemesh/controlplane/resource"
)

// DefaultFailoverThreshold is the healthy share under which traffic spills to the next priority.
const DefaultFailoverThreshold = 0.7

// loadAssignment groups a service's endpoints by zone. Without a locality-aware LoadBalancing
// every zone is priority 0 and instances share the traffic by weight; with one, the local zone
// is priority 0, then the failover zones in order, then every other zone (unless onlyListed).
// Priorities are numbered densely over the zones that have endpoints, since Envoy treats a
// missing priority as an empty one.
func (in *Inputs) loadAssignment(mesh, name, svc, version, onlyZone string, lb *resource.LoadBalancingSpec) *endpointv3.ClusterLoadAssignment {
	cla := &endpointv3.ClusterLoadAssignment{ClusterName: name}
	var byZone map[string][]endpoint
	if e := in.endpoints[mesh]; e != nil {
		byZone = e.byKey[svcKey{svc, version}]
	}
	zones := make([]string, 0, len(byZone))
	for z := range byZone {
		if onlyZone == "" || z == onlyZone {
			zones = append(zones, z)
		}
	}
	sort.Strings(zones)
	prio := map[string]int{}
	if lb != nil && lb.LocalityAware {
		order := in.failoverOrder(lb, zones)
		zones = zones[:0]
		for _, z := range order {
			if len(byZone[z]) > 0 && (onlyZone == "" || z == onlyZone) {
				prio[z] = len(zones)
				zones = append(zones, z)
			}
		}
		t := lb.Threshold
		if t <= 0 {
			t = DefaultFailoverThreshold
		}
		cla.Policy = &endpointv3.ClusterLoadAssignment_Policy{
			OverprovisioningFactor: wrapperspb.UInt32(uint32(math.Round(100 / t))),
		}
	}
	for _, z := range zones {
		// Seeded defect for the conformance mutation run only (constant false in production builds).
		if defect.Active(defect.FailoverDisabled) {
			prio[z] = 0
		}
		le := &endpointv3.LocalityLbEndpoints{Locality: &corev3.Locality{Zone: z}, Priority: uint32(prio[z])}
		for _, ep := range byZone[z] {
			st := corev3.HealthStatus_HEALTHY
			if !ep.Healthy {
				st = corev3.HealthStatus_UNHEALTHY
			}
			le.LbEndpoints = append(le.LbEndpoints, &endpointv3.LbEndpoint{
				HostIdentifier:      &endpointv3.LbEndpoint_Endpoint{Endpoint: &endpointv3.Endpoint{Address: socketAddress(ep.Address, ep.Port)}},
				HealthStatus:        st,
				LoadBalancingWeight: wrapperspb.UInt32(uint32(ep.Weight)),
			})
		}
		cla.Endpoints = append(cla.Endpoints, le)
	}
	return cla
}

// failoverOrder is local zone, the failover list for callers in this zone (an entry for the
// zone itself beats "*"), then the remaining zones by name unless onlyListed.
func (in *Inputs) failoverOrder(lb *resource.LoadBalancingSpec, zones []string) []string {
	order := []string{in.Zone}
	seen := map[string]bool{in.Zone: true}
	var to []string
	for _, f := range lb.Failover {
		if f.From == in.Zone {
			to = f.To
			break
		}
		if f.From == resource.MatchAll && to == nil {
			to = f.To
		}
	}
	for _, z := range to {
		if !seen[z] {
			seen[z] = true
			order = append(order, z)
		}
	}
	if !lb.OnlyListed {
		for _, z := range zones {
			if !seen[z] {
				seen[z] = true
				order = append(order, z)
			}
		}
	}
	return order
}

func sortStrings(s []string) { sort.Strings(s) }
