package xds

import (
	"errors"
	"fmt"
	"github.com/zonemesh/zonemesh/internal/defect"
	"hash/fnv"
	"sort"
	"strings"
	"sync"
	"time"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	matcherv3 "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/zonemesh/zonemesh/controlplane/resource"
)

const (
	defaultConnectTimeout = 5 * time.Second
	defaultRequestTimeout = 15 * time.Second
	defaultRetryOn        = "5xx,connect-failure"
)

// outboundPart is what every sidecar of a mesh in this zone gets alike: the outbound route
// config, one cluster (and CLA) per service and per subset that a route names. Sidecars share
// these messages, so a zone holds them once per mesh, not once per proxy.
type outboundPart struct {
	route     *routev3.RouteConfiguration
	clusters  []*clusterv3.Cluster
	endpoints []*endpointv3.ClusterLoadAssignment
	hash      uint64

	validOnce sync.Once
	validErr  error

	svcRoutesOnce sync.Once
	svcRoutes     map[string]*routev3.RouteConfiguration // service → ServiceRouteName config
}

// serviceRoutes are the per-service route configs VIP listeners use: the same virtual host (so
// the same routes, clusters and policies) as in the Host-routed config, for any Host, since an
// app that dialled a VIP may send the bare IP as Host. Built on first use, shared by every
// sidecar of the mesh; their content follows from route, so hash already covers them.
func (p *outboundPart) serviceRoutes() map[string]*routev3.RouteConfiguration {
	p.svcRoutesOnce.Do(func() {
		p.svcRoutes = make(map[string]*routev3.RouteConfiguration, len(p.route.VirtualHosts))
		for _, vh := range p.route.VirtualHosts {
			p.svcRoutes[vh.Name] = &routev3.RouteConfiguration{Name: ServiceRouteName(vh.Name), VirtualHosts: []*routev3.VirtualHost{{
				Name: vh.Name, Domains: []string{"*"}, Routes: vh.Routes, Metadata: vh.Metadata}}}
		}
	})
	return p.svcRoutes
}

// validate checks the shared resources once per Inputs, not once per sidecar.
func (p *outboundPart) validate() error {
	p.validOnce.Do(func() {
		var errs []error
		if err := validateMessage(p.route, fmt.Sprintf("route %q", p.route.Name), 0); err != nil {
			errs = append(errs, err)
		}
		for i, c := range p.clusters {
			if err := validateMessage(c, fmt.Sprintf("cluster %q", c.Name), 0); err != nil {
				errs = append(errs, err)
			}
			if err := validateMessage(p.endpoints[i], fmt.Sprintf("endpoints %q", c.Name), 0); err != nil {
				errs = append(errs, err)
			}
		}
		p.validErr = errors.Join(errs...)
	})
	return p.validErr
}

func (in *Inputs) outboundOf(mesh string) *outboundPart {
	in.mu.Lock()
	o := in.outbound[mesh]
	if o == nil {
		o = &outboundOnce{}
		in.outbound[mesh] = o
	}
	in.mu.Unlock()
	o.once.Do(func() { o.part = in.buildOutbound(mesh) })
	return o.part
}

func (in *Inputs) buildOutbound(mesh string) *outboundPart {
	services := in.Services(mesh)
	rc := &routev3.RouteConfiguration{Name: OutboundRoute, VirtualHosts: make([]*routev3.VirtualHost, 0, len(services))}
	wanted := map[string]bool{}
	for _, svc := range services {
		wanted[svc] = true
		rc.VirtualHosts = append(rc.VirtualHosts, in.virtualHost(mesh, svc, wanted))
	}
	names := make([]string, 0, len(wanted))
	for n := range wanted {
		names = append(names, n)
	}
	sort.Strings(names)
	p := &outboundPart{route: rc}
	for _, n := range names {
		c, cla := in.serviceCluster(mesh, n)
		p.clusters = append(p.clusters, c)
		p.endpoints = append(p.endpoints, cla)
	}
	h := fnv.New64a()
	h.Write(marshal(rc))
	for i := range p.clusters {
		h.Write(marshal(p.clusters[i]))
		h.Write(marshal(p.endpoints[i]))
	}
	p.hash = h.Sum64()
	return p
}

// virtualHost routes one service; clusters it names are added to wanted.
func (in *Inputs) virtualHost(mesh, svc string, wanted map[string]bool) *routev3.VirtualHost {
	vh := &routev3.VirtualHost{Name: svc, Domains: []string{svc + ".mesh", svc + ".mesh:*", svc}}
	timeout := defaultRequestTimeout
	tp, rp, hp := in.policy(mesh, resource.KindTimeout, svc), in.policy(mesh, resource.KindRetry, svc), in.policy(mesh, resource.KindHTTPRoute, svc)
	vh.Metadata = policyMeta(tp, rp, hp)
	// Seeded defect for the conformance mutation run only (constant false in production builds).
	if p := tp; p != nil && !defect.Active(defect.TimeoutsIgnored) {
		if t := p.Spec.(*resource.TimeoutSpec).Request.Duration; t > 0 {
			timeout = t
		}
	}
	var retry *routev3.RetryPolicy
	// Seeded defect for the conformance mutation run only (constant false in production builds).
	if p := rp; p != nil && !defect.Active(defect.RetriesDisabled) {
		rs := p.Spec.(*resource.RetrySpec)
		on := defaultRetryOn
		if len(rs.On) > 0 {
			on = strings.Join(rs.On, ",")
		}
		retry = &routev3.RetryPolicy{RetryOn: on, NumRetries: wrapperspb.UInt32(uint32(rs.Attempts))}
		if rs.PerTryTimeout.Duration > 0 {
			retry.PerTryTimeout = dur(rs.PerTryTimeout.Duration)
		}
	}
	action := func(a *routev3.RouteAction) *routev3.Route_Route {
		a.Timeout = dur(timeout)
		a.RetryPolicy = retry
		return &routev3.Route_Route{Route: a}
	}
	catchAll := false
	if p := hp; p != nil {
		for _, rule := range p.Spec.(*resource.HTTPRouteSpec).Rules {
			m := routeMatch(rule.Match)
			if rule.Match.Path == nil && len(rule.Match.Headers) == 0 {
				catchAll = true
			}
			vh.Routes = append(vh.Routes, &routev3.Route{Match: m, Action: action(splitAction(svc, rule.Split, wanted))})
			if catchAll {
				break // later rules could never match
			}
		}
	}
	if !catchAll {
		vh.Routes = append(vh.Routes, &routev3.Route{
			Match:  &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/"}},
			Action: action(&routev3.RouteAction{ClusterSpecifier: &routev3.RouteAction_Cluster{Cluster: svc}}),
		})
	}
	return vh
}

func routeMatch(m resource.RouteMatch) *routev3.RouteMatch {
	out := &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/"}}
	// Seeded defect for the conformance mutation run only (constant false in production builds).
	if defect.Active(defect.HeaderMatchIgnored) {
		return out
	}
	if p := m.Path; p != nil {
		if p.Exact != "" {
			out.PathSpecifier = &routev3.RouteMatch_Path{Path: p.Exact}
		} else {
			out.PathSpecifier = &routev3.RouteMatch_Prefix{Prefix: p.Prefix}
		}
	}
	for _, h := range m.Headers {
		hm := &routev3.HeaderMatcher{Name: h.Name}
		switch {
		case h.Present:
			hm.HeaderMatchSpecifier = &routev3.HeaderMatcher_PresentMatch{PresentMatch: true}
		case h.Prefix != "":
			hm.HeaderMatchSpecifier = &routev3.HeaderMatcher_StringMatch{StringMatch: &matcherv3.StringMatcher{MatchPattern: &matcherv3.StringMatcher_Prefix{Prefix: h.Prefix}}}
		default:
			hm.HeaderMatchSpecifier = &routev3.HeaderMatcher_StringMatch{StringMatch: &matcherv3.StringMatcher{MatchPattern: &matcherv3.StringMatcher_Exact{Exact: h.Exact}}}
		}
		out.Headers = append(out.Headers, hm)
	}
	return out
}

// splitAction sends to one cluster, or weights several (zero weights are left out).
func splitAction(svc string, split []resource.RouteSplit, wanted map[string]bool) *routev3.RouteAction {
	var wc []*routev3.WeightedCluster_ClusterWeight
	for _, s := range split {
		// Seeded defect (zero-weight-kept) for the mutation run only; constant false in production builds.
		if s.Weight <= 0 && defect.Active(defect.ZeroWeightKept) {
			s.Weight = 50 // read as unset, defaulted
		}
		if s.Weight <= 0 {
			continue
		}
		n := ClusterName(svc, s.Version, s.Zone)
		wanted[n] = true
		wc = append(wc, &routev3.WeightedCluster_ClusterWeight{Name: n, Weight: wrapperspb.UInt32(uint32(s.Weight))})
	}
	// Seeded defect for the conformance mutation run only (constant false in production builds).
	if defect.Active(defect.SplitIgnored) && len(wc) > 1 {
		wc = wc[:1]
	}
	switch len(wc) {
	case 0:
		return &routev3.RouteAction{ClusterSpecifier: &routev3.RouteAction_Cluster{Cluster: svc}}
	case 1:
		return &routev3.RouteAction{ClusterSpecifier: &routev3.RouteAction_Cluster{Cluster: wc[0].Name}}
	}
	return &routev3.RouteAction{ClusterSpecifier: &routev3.RouteAction_WeightedClusters{WeightedClusters: &routev3.WeightedCluster{Clusters: wc}}}
}

// serviceCluster builds the EDS cluster (and its CLA) named by ClusterName.
func (in *Inputs) serviceCluster(mesh, name string) (*clusterv3.Cluster, *endpointv3.ClusterLoadAssignment) {
	svc, version, zone := ParseClusterName(name)
	c := &clusterv3.Cluster{
		Name:                 name,
		ClusterDiscoveryType: &clusterv3.Cluster_Type{Type: clusterv3.Cluster_EDS},
		EdsClusterConfig:     &clusterv3.Cluster_EdsClusterConfig{EdsConfig: ads()},
		ConnectTimeout:       dur(defaultConnectTimeout),
		LbPolicy:             clusterv3.Cluster_ROUND_ROBIN,
	}
	tp, op, hp := in.policy(mesh, resource.KindTimeout, svc), in.policy(mesh, resource.KindOutlierDetection, svc), in.policy(mesh, resource.KindHealthCheck, svc)
	lp := in.policy(mesh, resource.KindLoadBalancing, svc)
	c.Metadata = policyMeta(tp, op, hp, lp)
	if p := tp; p != nil {
		if t := p.Spec.(*resource.TimeoutSpec).Connect.Duration; t > 0 {
			c.ConnectTimeout = dur(t)
		}
	}
	if in.mtls(mesh) {
		c.TransportSocket = upstreamTLS(mesh, svc, version)
	}
	if p := op; p != nil {
		c.OutlierDetection = outlier(p.Spec.(*resource.OutlierDetectionSpec))
	}
	if p := hp; p != nil {
		c.HealthChecks = []*corev3.HealthCheck{healthCheck(p.Spec.(*resource.HealthCheckSpec))}
	}
	var lb *resource.LoadBalancingSpec
	if p := lp; p != nil {
		lb = p.Spec.(*resource.LoadBalancingSpec)
	}
	return c, in.loadAssignment(mesh, name, svc, version, zone, lb)
}

func outlier(s *resource.OutlierDetectionSpec) *clusterv3.OutlierDetection {
	od := &clusterv3.OutlierDetection{}
	if s.Consecutive5xx > 0 {
		od.Consecutive_5Xx = wrapperspb.UInt32(uint32(s.Consecutive5xx))
	}
	if s.ConsecutiveGatewayFailure > 0 {
		od.ConsecutiveGatewayFailure = wrapperspb.UInt32(uint32(s.ConsecutiveGatewayFailure))
		// Envoy enforces gateway-failure ejection at 0% unless told otherwise.
		od.EnforcingConsecutiveGatewayFailure = wrapperspb.UInt32(100)
	}
	if s.Interval.Duration > 0 {
		od.Interval = dur(s.Interval.Duration)
	}
	if s.BaseEjectionTime.Duration > 0 {
		od.BaseEjectionTime = dur(s.BaseEjectionTime.Duration)
	}
	if s.MaxEjectionPercent > 0 {
		od.MaxEjectionPercent = wrapperspb.UInt32(uint32(s.MaxEjectionPercent))
	}
	return od
}

func healthCheck(s *resource.HealthCheckSpec) *corev3.HealthCheck {
	unhealthy, healthy := s.UnhealthyThreshold, s.HealthyThreshold
	if unhealthy <= 0 {
		unhealthy = 3
	}
	if healthy <= 0 {
		healthy = 1
	}
	return &corev3.HealthCheck{
		Timeout:            dur(s.Timeout.Duration),
		Interval:           dur(s.Interval.Duration),
		UnhealthyThreshold: wrapperspb.UInt32(uint32(unhealthy)),
		HealthyThreshold:   wrapperspb.UInt32(uint32(healthy)),
		HealthChecker:      &corev3.HealthCheck_HttpHealthCheck_{HttpHealthCheck: &corev3.HealthCheck_HttpHealthCheck{Path: s.Path}},
	}
}
