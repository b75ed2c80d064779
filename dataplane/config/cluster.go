package config

import (
	"fmt"
	"net"
	"strconv"
	"time"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	httpv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/upstreams/http/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
)

var nameHTTPOptions = string(proto.MessageName(&httpv3.HttpProtocolOptions{}))

// TranslateClusters translates CDS resources.
func TranslateClusters(res []*anypb.Any) (map[string]*Cluster, error) {
	out := make(map[string]*Cluster, len(res))
	for i, a := range res {
		c, err := unpack(a, fmt.Sprintf("cluster[%d]", i), &clusterv3.Cluster{})
		if err != nil {
			return nil, err
		}
		got, err := cluster(c)
		if err != nil {
			return nil, err
		}
		out[got.Name] = got
	}
	return out, nil
}

func cluster(c *clusterv3.Cluster) (*Cluster, error) {
	path := fmt.Sprintf("cluster %q", c.GetName())
	if err := only(c, path, "name", "type", "eds_cluster_config", "load_assignment", "connect_timeout",
		"lb_policy", "transport_socket", "outlier_detection", "health_checks", "typed_extension_protocol_options"); err != nil {
		return nil, err
	}
	if c.GetLbPolicy() != clusterv3.Cluster_ROUND_ROBIN {
		return nil, fmt.Errorf("%s.lb_policy: %s not supported", path, c.GetLbPolicy())
	}
	out := &Cluster{Name: c.GetName(), ConnectTimeout: dur(c.GetConnectTimeout(), 5*time.Second)}
	switch c.GetType() {
	case clusterv3.Cluster_EDS:
		eds := c.GetEdsClusterConfig()
		if eds == nil || eds.GetEdsConfig().GetAds() == nil {
			return nil, fmt.Errorf("%s.eds_cluster_config.eds_config: only ads is supported", path)
		}
		out.EDSName = eds.GetServiceName()
		if out.EDSName == "" {
			out.EDSName = c.GetName()
		}
	case clusterv3.Cluster_STATIC:
		if c.GetLoadAssignment() == nil {
			return nil, fmt.Errorf("%s.load_assignment: required for STATIC", path)
		}
		a, err := assignment(c.GetLoadAssignment(), path+".load_assignment")
		if err != nil {
			return nil, err
		}
		out.Assignment = a
	default:
		return nil, fmt.Errorf("%s.type: %s not supported", path, c.GetType())
	}
	for k, v := range c.GetTypedExtensionProtocolOptions() {
		if typeName(v) != nameHTTPOptions {
			return nil, fmt.Errorf("%s.typed_extension_protocol_options[%s]: %s not supported", path, k, typeName(v))
		}
	}
	if ts := c.GetTransportSocket(); ts != nil {
		t, err := upstreamTLS(ts.GetTypedConfig(), path+".transport_socket")
		if err != nil {
			return nil, err
		}
		out.TLS = t
	}
	if od := c.GetOutlierDetection(); od != nil {
		p := path + ".outlier_detection"
		if err := only(od, p, "consecutive_5xx", "consecutive_gateway_failure", "interval", "base_ejection_time",
			"max_ejection_percent", "enforcing_consecutive_5xx", "enforcing_consecutive_gateway_failure"); err != nil {
			return nil, err
		}
		u := func(v interface{ GetValue() uint32 }, isSet bool, def uint32) uint32 {
			if isSet {
				return v.GetValue()
			}
			return def
		}
		// Defaults are Envoy's.
		out.Outlier = &Outlier{
			Consecutive5xx:     u(od.GetConsecutive_5Xx(), od.GetConsecutive_5Xx() != nil, 5),
			ConsecutiveGateway: u(od.GetConsecutiveGatewayFailure(), od.GetConsecutiveGatewayFailure() != nil, 5),
			Enforcing5xx:       u(od.GetEnforcingConsecutive_5Xx(), od.GetEnforcingConsecutive_5Xx() != nil, 100),
			EnforcingGateway:   u(od.GetEnforcingConsecutiveGatewayFailure(), od.GetEnforcingConsecutiveGatewayFailure() != nil, 0),
			Interval:           dur(od.GetInterval(), 10*time.Second),
			BaseEjectionTime:   dur(od.GetBaseEjectionTime(), 30*time.Second),
			MaxEjectionPercent: u(od.GetMaxEjectionPercent(), od.GetMaxEjectionPercent() != nil, 10),
		}
	}
	if hcs := c.GetHealthChecks(); len(hcs) > 0 {
		if len(hcs) > 1 {
			return nil, fmt.Errorf("%s.health_checks: only one is supported", path)
		}
		hc := hcs[0]
		p := path + ".health_checks[0]"
		if err := only(hc, p, "timeout", "interval", "healthy_threshold", "unhealthy_threshold", "http_health_check"); err != nil {
			return nil, err
		}
		h := hc.GetHttpHealthCheck()
		if h == nil {
			return nil, fmt.Errorf("%s.http_health_check: required (only HTTP checks are supported)", p)
		}
		if err := only(h, p+".http_health_check", "path"); err != nil {
			return nil, err
		}
		out.HealthCheck = &HealthCheck{Path: h.GetPath(), Interval: dur(hc.GetInterval(), 0), Timeout: dur(hc.GetTimeout(), 0),
			Healthy: max(1, hc.GetHealthyThreshold().GetValue()), Unhealthy: max(1, hc.GetUnhealthyThreshold().GetValue())}
	}
	return out, nil
}

// TranslateEndpoints translates EDS resources, keyed by cluster_name.
func TranslateEndpoints(res []*anypb.Any) (map[string]*Assignment, error) {
	out := make(map[string]*Assignment, len(res))
	for i, a := range res {
		cla, err := unpack(a, fmt.Sprintf("cluster_load_assignment[%d]", i), &endpointv3.ClusterLoadAssignment{})
		if err != nil {
			return nil, err
		}
		got, err := assignment(cla, fmt.Sprintf("cluster_load_assignment %q", cla.GetClusterName()))
		if err != nil {
			return nil, err
		}
		out[cla.GetClusterName()] = got
	}
	return out, nil
}

func assignment(cla *endpointv3.ClusterLoadAssignment, path string) (*Assignment, error) {
	if err := only(cla, path, "cluster_name", "endpoints", "policy"); err != nil {
		return nil, err
	}
	out := &Assignment{Overprovisioning: 140}
	if pol := cla.GetPolicy(); pol != nil {
		if err := only(pol, path+".policy", "overprovisioning_factor"); err != nil {
			return nil, err
		}
		if f := pol.GetOverprovisioningFactor(); f != nil {
			out.Overprovisioning = f.GetValue()
		}
	}
	for i, le := range cla.GetEndpoints() {
		p := fmt.Sprintf("%s.endpoints[%d]", path, i)
		if err := only(le, p, "locality", "lb_endpoints", "load_balancing_weight", "priority"); err != nil {
			return nil, err
		}
		prio := int(le.GetPriority())
		for len(out.Priorities) <= prio {
			out.Priorities = append(out.Priorities, nil)
		}
		for j, lb := range le.GetLbEndpoints() {
			ep := fmt.Sprintf("%s.lb_endpoints[%d]", p, j)
			if err := only(lb, ep, "endpoint", "health_status", "load_balancing_weight"); err != nil {
				return nil, err
			}
			sa := lb.GetEndpoint().GetAddress().GetSocketAddress()
			if sa == nil {
				return nil, fmt.Errorf("%s.endpoint.address.socket_address: missing", ep)
			}
			healthy := true
			switch lb.GetHealthStatus() {
			case corev3.HealthStatus_UNKNOWN, corev3.HealthStatus_HEALTHY:
			case corev3.HealthStatus_UNHEALTHY, corev3.HealthStatus_DRAINING, corev3.HealthStatus_TIMEOUT:
				healthy = false
			default:
				return nil, fmt.Errorf("%s.health_status: %s not supported", ep, lb.GetHealthStatus())
			}
			w := uint32(1)
			if lb.GetLoadBalancingWeight() != nil {
				w = lb.GetLoadBalancingWeight().GetValue()
			}
			out.Priorities[prio] = append(out.Priorities[prio], Endpoint{
				Address: net.JoinHostPort(sa.GetAddress(), strconv.Itoa(int(sa.GetPortValue()))),
				Weight:  w, Zone: le.GetLocality().GetZone(), Healthy: healthy,
			})
		}
	}
	return out, nil
}
