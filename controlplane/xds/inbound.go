package xds

import (
	"github.com/zonemesh/zonemesh/internal/defect"
	"sort"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	rbacv3 "github.com/envoyproxy/go-control-plane/envoy/config/rbac/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	faultcommonv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/common/fault/v3"
	faultv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/fault/v3"
	rbachttpv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/rbac/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	rbacnetv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/rbac/v3"
	matcherv3 "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"

	"github.com/zonemesh/zonemesh/controlplane/ca"
	"github.com/zonemesh/zonemesh/controlplane/resource"
)

// inbound builds the listener of one inbound and the static cluster of its app.
func (in *Inputs) inbound(mesh, address string, ib resource.Inbound) (*listenerv3.Listener, *clusterv3.Cluster) {
	name := InboundListenerName(address, ib.Port)
	svc := ib.Service()
	local := LocalClusterName(ib.ServicePort)
	mtls := in.mtls(mesh)
	rules := in.rbacRules(mesh, svc)
	faultSpec, faultRes := in.fault(mesh, svc)
	used := in.policiesFor(mesh, resource.KindTrafficPermission, svc)
	if faultRes != nil {
		used = append(used, faultRes)
	}

	chain := &listenerv3.FilterChain{Name: name}
	if mtls {
		chain.TransportSocket = downstreamTLS(mesh)
	}
	if ib.Protocol() == resource.ProtocolTCP {
		if rules != nil {
			r := &rbacnetv3.RBAC{StatPrefix: name, Rules: rules}
			chain.Filters = append(chain.Filters, &listenerv3.Filter{Name: filterNetRBAC, ConfigType: &listenerv3.Filter_TypedConfig{TypedConfig: toAny(r)}})
		}
		chain.Filters = append(chain.Filters, tcpProxyFilter(name, local))
	} else {
		h := &hcmv3.HttpConnectionManager{
			StatPrefix: name,
			CodecType:  hcmv3.HttpConnectionManager_AUTO,
			RouteSpecifier: &hcmv3.HttpConnectionManager_RouteConfig{RouteConfig: &routev3.RouteConfiguration{
				Name: InboundRouteName(svc),
				VirtualHosts: []*routev3.VirtualHost{{Name: svc, Domains: []string{"*"}, Routes: []*routev3.Route{{
					Match:  &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/"}},
					Action: &routev3.Route_Route{Route: &routev3.RouteAction{ClusterSpecifier: &routev3.RouteAction_Cluster{Cluster: local}}},
				}}}},
			}},
		}
		if mtls {
			h.ForwardClientCertDetails = hcmv3.HttpConnectionManager_SANITIZE_SET
			h.SetCurrentClientCertDetails = &hcmv3.HttpConnectionManager_SetCurrentClientCertDetails{Uri: true}
		}
		if rules != nil {
			h.HttpFilters = append(h.HttpFilters, httpFilter(filterHTTPRBAC, &rbachttpv3.RBAC{Rules: rules}))
		}
		if faultSpec != nil {
			h.HttpFilters = append(h.HttpFilters, httpFilter(filterFault, faultSpec))
		}
		h.HttpFilters = append(h.HttpFilters, routerFilter())
		chain.Filters = []*listenerv3.Filter{hcmFilter(h)}
	}
	l := &listenerv3.Listener{
		Name:             name,
		Address:          socketAddress(address, ib.Port),
		FilterChains:     []*listenerv3.FilterChain{chain},
		TrafficDirection: corev3.TrafficDirection_INBOUND,
		Metadata:         policyMeta(used...),
	}
	appAddr := ib.ServiceAddress
	if appAddr == "" {
		appAddr = "127.0.0.1"
	}
	c := &clusterv3.Cluster{
		Name:                 local,
		ClusterDiscoveryType: &clusterv3.Cluster_Type{Type: clusterv3.Cluster_STATIC},
		ConnectTimeout:       dur(defaultConnectTimeout),
		LbPolicy:             clusterv3.Cluster_ROUND_ROBIN,
		LoadAssignment: &endpointv3.ClusterLoadAssignment{ClusterName: local, Endpoints: []*endpointv3.LocalityLbEndpoints{{
			LbEndpoints: []*endpointv3.LbEndpoint{{HostIdentifier: &endpointv3.LbEndpoint_Endpoint{Endpoint: &endpointv3.Endpoint{Address: socketAddress(appAddr, ib.ServicePort)}}}},
		}}},
	}
	return l, c
}

// rbacRules turns the TrafficPermissions of a service into one RBAC rule set (nil: no RBAC, when
// the mesh has no mTLS and so no caller identity). The proxy applies one RBAC filter, so "deny
// wins" is folded in here: a wildcard allow becomes a DENY of the denied sources (the TLS layer
// already admits only identities of the mesh), anything else an ALLOW of allowed minus denied.
// No permission at all, or a wildcard deny, is an ALLOW with no policy: everything is refused.
func (in *Inputs) rbacRules(mesh, service string) *rbacv3.RBAC {
	// Seeded defect (permissions-ignored) for the conformance mutation run only; constant false in production builds.
	if !in.mtls(mesh) || defect.Active(defect.PermissionsIgnored) {
		return nil
	}
	allow, deny := map[string]bool{}, map[string]bool{}
	for _, p := range in.policiesFor(mesh, resource.KindTrafficPermission, service) {
		tp := p.Spec.(*resource.TrafficPermissionSpec)
		set := allow
		if tp.Action == resource.ActionDeny {
			set = deny
		}
		for _, s := range tp.Sources {
			set[s.Service] = true
		}
	}
	denyAll := &rbacv3.RBAC{Action: rbacv3.RBAC_ALLOW, Policies: map[string]*rbacv3.Policy{}}
	switch {
	case deny[resource.MatchAll]:
		return denyAll
	case allow[resource.MatchAll] && len(deny) == 0:
		return &rbacv3.RBAC{Action: rbacv3.RBAC_ALLOW, Policies: map[string]*rbacv3.Policy{
			"allow": {Permissions: anyPermission(), Principals: []*rbacv3.Principal{principal("spiffe://"+mesh+"/", false)}}}}
	case allow[resource.MatchAll]:
		return &rbacv3.RBAC{Action: rbacv3.RBAC_DENY, Policies: map[string]*rbacv3.Policy{
			"deny": {Permissions: anyPermission(), Principals: principals(mesh, keys(deny))}}}
	}
	var ok []string
	for s := range allow {
		if !deny[s] {
			ok = append(ok, s)
		}
	}
	if len(ok) == 0 {
		return denyAll
	}
	sort.Strings(ok)
	return &rbacv3.RBAC{Action: rbacv3.RBAC_ALLOW, Policies: map[string]*rbacv3.Policy{
		"allow": {Permissions: anyPermission(), Principals: principals(mesh, ok)}}}
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func anyPermission() []*rbacv3.Permission {
	return []*rbacv3.Permission{{Rule: &rbacv3.Permission_Any{Any: true}}}
}

func principals(mesh string, services []string) []*rbacv3.Principal {
	out := make([]*rbacv3.Principal, len(services))
	for i, s := range services {
		out[i] = principal(ca.SPIFFEID(mesh, s), true)
	}
	return out
}

func principal(name string, exact bool) *rbacv3.Principal {
	m := &matcherv3.StringMatcher{MatchPattern: &matcherv3.StringMatcher_Prefix{Prefix: name}}
	if exact {
		m = &matcherv3.StringMatcher{MatchPattern: &matcherv3.StringMatcher_Exact{Exact: name}}
	}
	return &rbacv3.Principal{Identifier: &rbacv3.Principal_Authenticated_{Authenticated: &rbacv3.Principal_Authenticated{PrincipalName: m}}}
}

// fault builds the fault filter from the FaultInjection of a service. The proxy applies one
// fault filter to every caller, so only policies without a source restriction (or with "*")
// apply; one naming the service beats a wildcard.
func (in *Inputs) fault(mesh, service string) (*faultv3.HTTPFault, *resource.Resource) {
	var pick *resource.FaultInjectionSpec
	var picked *resource.Resource
	for _, p := range in.policiesFor(mesh, resource.KindFaultInjection, service) {
		fi := p.Spec.(*resource.FaultInjectionSpec)
		if !anySource(fi.Sources) {
			continue
		}
		if pick == nil || fi.Destination.Service == service && pick.Destination.Service == resource.MatchAll {
			pick, picked = fi, p
		}
	}
	if pick == nil || pick.Abort == nil && pick.Delay == nil {
		return nil, nil
	}
	f := &faultv3.HTTPFault{}
	if a := pick.Abort; a != nil {
		f.Abort = &faultv3.FaultAbort{
			ErrorType:  &faultv3.FaultAbort_HttpStatus{HttpStatus: uint32(a.HTTPStatus)},
			Percentage: percent(a.Percentage),
		}
	}
	if d := pick.Delay; d != nil {
		f.Delay = &faultcommonv3.FaultDelay{
			FaultDelaySecifier: &faultcommonv3.FaultDelay_FixedDelay{FixedDelay: dur(d.Value.Duration)},
			Percentage:         percent(d.Percentage),
		}
	}
	return f, picked
}

func anySource(ss []resource.Selector) bool {
	if len(ss) == 0 {
		return true
	}
	for _, s := range ss {
		if s.Service == resource.MatchAll {
			return true
		}
	}
	return false
}

// percent converts 0..100 (with fractions) to parts per million.
func percent(p float64) *typev3.FractionalPercent {
	return &typev3.FractionalPercent{Numerator: uint32(p*10000 + 0.5), Denominator: typev3.FractionalPercent_MILLION}
}
