package dptest

import (
	"fmt"
	"net"
	"sort"
	"strconv"
	"time"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	rbacv3 "github.com/envoyproxy/go-control-plane/envoy/config/rbac/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	faultv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/fault/v3"
	rbachttpv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/rbac/v3"
	routerv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/router/v3"
	tlsinspv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/listener/tls_inspector/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	rbacnetv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/rbac/v3"
	tcpv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/tcp_proxy/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	matcherv3 "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

func pack(m proto.Message) *anypb.Any {
	a, err := anypb.New(m)
	if err != nil {
		panic(err) // only generated messages are packed here
	}
	return a
}

func ads() *corev3.ConfigSource {
	return &corev3.ConfigSource{ResourceApiVersion: corev3.ApiVersion_V3,
		ConfigSourceSpecifier: &corev3.ConfigSource_Ads{Ads: &corev3.AggregatedConfigSource{}}}
}

func sock(hostport string) *corev3.Address {
	h, p, err := net.SplitHostPort(hostport)
	if err != nil {
		panic(fmt.Sprintf("dptest: address %q: %v", hostport, err))
	}
	port, _ := strconv.Atoi(p)
	return &corev3.Address{Address: &corev3.Address_SocketAddress{SocketAddress: &corev3.SocketAddress{
		Address: h, PortSpecifier: &corev3.SocketAddress_PortValue{PortValue: uint32(port)}}}}
}

// Mesh builds resources for one mesh.
type Mesh struct {
	Name string
	MTLS bool
}

// SNI is the server name for a service, or one version of it.
func (m Mesh) SNI(service, version string) string {
	if version != "" {
		return version + "." + service + "." + m.Name + ".mesh"
	}
	return service + "." + m.Name + ".mesh"
}

// Secrets returns the SDS resources identity and mesh_ca.
func Secrets(leaf *Leaf, caPEM []byte) []*tlsv3.Secret {
	return []*tlsv3.Secret{
		{Name: "identity", Type: &tlsv3.Secret_TlsCertificate{TlsCertificate: &tlsv3.TlsCertificate{
			CertificateChain: &corev3.DataSource{Specifier: &corev3.DataSource_InlineBytes{InlineBytes: leaf.CertPEM}},
			PrivateKey:       &corev3.DataSource{Specifier: &corev3.DataSource_InlineBytes{InlineBytes: leaf.KeyPEM}}}}},
		{Name: "mesh_ca", Type: &tlsv3.Secret_ValidationContext{ValidationContext: &tlsv3.CertificateValidationContext{
			TrustedCa: &corev3.DataSource{Specifier: &corev3.DataSource_InlineBytes{InlineBytes: caPEM}}}}},
	}
}

func common(san *matcherv3.StringMatcher) *tlsv3.CommonTlsContext {
	return &tlsv3.CommonTlsContext{
		TlsCertificateSdsSecretConfigs: []*tlsv3.SdsSecretConfig{{Name: "identity", SdsConfig: ads()}},
		ValidationContextType: &tlsv3.CommonTlsContext_CombinedValidationContext{
			CombinedValidationContext: &tlsv3.CommonTlsContext_CombinedCertificateValidationContext{
				DefaultValidationContext: &tlsv3.CertificateValidationContext{MatchTypedSubjectAltNames: []*tlsv3.SubjectAltNameMatcher{
					{SanType: tlsv3.SubjectAltNameMatcher_URI, Matcher: san}}},
				ValidationContextSdsSecretConfig: &tlsv3.SdsSecretConfig{Name: "mesh_ca", SdsConfig: ads()},
			}},
	}
}

func (m Mesh) downstream() *corev3.TransportSocket {
	if !m.MTLS {
		return nil
	}
	ctx := &tlsv3.DownstreamTlsContext{RequireClientCertificate: wrapperspb.Bool(true),
		CommonTlsContext: common(&matcherv3.StringMatcher{MatchPattern: &matcherv3.StringMatcher_Prefix{Prefix: "spiffe://" + m.Name + "/"}})}
	return &corev3.TransportSocket{Name: "envoy.transport_sockets.tls", ConfigType: &corev3.TransportSocket_TypedConfig{TypedConfig: pack(ctx)}}
}

// Inbound describes one inbound of a sidecar.
type Inbound struct {
	Address  string // the dataplane's address:port for this inbound
	App      string // the app's address:port
	Service  string
	Protocol string // "http" (default) or "tcp"
	RBAC     *rbacv3.RBAC
	Fault    *faultv3.HTTPFault
}

// LocalName is the local application cluster's name (localhost:<appPort>).
func (in Inbound) LocalName() string {
	_, p, _ := net.SplitHostPort(in.App)
	return "localhost:" + p
}

// Listener returns inbound:<address>:<port>.
func (m Mesh) InboundListener(in Inbound) *listenerv3.Listener {
	h, p, _ := net.SplitHostPort(in.Address)
	fc := &listenerv3.FilterChain{TransportSocket: m.downstream()}
	if in.Protocol == "tcp" {
		fc.Filters = []*listenerv3.Filter{
			{Name: "envoy.filters.network.rbac", ConfigType: &listenerv3.Filter_TypedConfig{TypedConfig: pack(&rbacnetv3.RBAC{StatPrefix: "rbac", Rules: in.RBAC})}},
			{Name: "envoy.filters.network.tcp_proxy", ConfigType: &listenerv3.Filter_TypedConfig{TypedConfig: pack(&tcpv3.TcpProxy{StatPrefix: "inbound",
				ClusterSpecifier: &tcpv3.TcpProxy_Cluster{Cluster: in.LocalName()}})}},
		}
	} else {
		var filters []*hcmv3.HttpFilter
		if m.MTLS {
			filters = append(filters, &hcmv3.HttpFilter{Name: "envoy.filters.http.rbac", ConfigType: &hcmv3.HttpFilter_TypedConfig{TypedConfig: pack(&rbachttpv3.RBAC{Rules: in.RBAC})}})
		}
		if in.Fault != nil {
			filters = append(filters, &hcmv3.HttpFilter{Name: "envoy.filters.http.fault", ConfigType: &hcmv3.HttpFilter_TypedConfig{TypedConfig: pack(in.Fault)}})
		}
		filters = append(filters, router())
		h := &hcmv3.HttpConnectionManager{StatPrefix: "inbound", CodecType: hcmv3.HttpConnectionManager_AUTO,
			RouteSpecifier: &hcmv3.HttpConnectionManager_RouteConfig{RouteConfig: &routev3.RouteConfiguration{
				Name: "inbound:" + in.Service, VirtualHosts: []*routev3.VirtualHost{{Name: in.Service, Domains: []string{"*"},
					Routes: []*routev3.Route{Route(RouteOpts{Prefix: "/", Cluster: in.LocalName()})}}}}},
			HttpFilters: filters}
		if m.MTLS {
			h.ForwardClientCertDetails = hcmv3.HttpConnectionManager_SANITIZE_SET
			h.SetCurrentClientCertDetails = &hcmv3.HttpConnectionManager_SetCurrentClientCertDetails{Uri: true}
		}
		fc.Filters = []*listenerv3.Filter{{Name: "envoy.filters.network.http_connection_manager", ConfigType: &listenerv3.Filter_TypedConfig{TypedConfig: pack(h)}}}
	}
	return &listenerv3.Listener{Name: "inbound:" + h + ":" + p, Address: sock(in.Address), FilterChains: []*listenerv3.FilterChain{fc}}
}

func router() *hcmv3.HttpFilter {
	return &hcmv3.HttpFilter{Name: "envoy.filters.http.router", ConfigType: &hcmv3.HttpFilter_TypedConfig{TypedConfig: pack(&routerv3.Router{})}}
}

// LocalCluster is the STATIC cluster localhost:<appPort> for an inbound.
func LocalCluster(in Inbound) *clusterv3.Cluster {
	return &clusterv3.Cluster{Name: in.LocalName(), ConnectTimeout: durationpb.New(time.Second),
		ClusterDiscoveryType: &clusterv3.Cluster_Type{Type: clusterv3.Cluster_STATIC},
		LoadAssignment:       CLA(in.LocalName(), 0, Locality{Endpoints: []Endpoint{{Addr: in.App}}})}
}

// OutboundHTTP is outbound:http on addr, routed by RDS "outbound".
func OutboundHTTP(addr string) *listenerv3.Listener {
	h := &hcmv3.HttpConnectionManager{StatPrefix: "outbound", CodecType: hcmv3.HttpConnectionManager_AUTO,
		RouteSpecifier: &hcmv3.HttpConnectionManager_Rds{Rds: &hcmv3.Rds{ConfigSource: ads(), RouteConfigName: "outbound"}},
		HttpFilters:    []*hcmv3.HttpFilter{router()}}
	return &listenerv3.Listener{Name: "outbound:http", Address: sock(addr), FilterChains: []*listenerv3.FilterChain{{
		Filters: []*listenerv3.Filter{{Name: "envoy.filters.network.http_connection_manager", ConfigType: &listenerv3.Filter_TypedConfig{TypedConfig: pack(h)}}}}}}
}

// OutboundTCP is outbound:<service>:<port> proxying to a cluster.
func OutboundTCP(service, addr, cluster string) *listenerv3.Listener {
	_, p, _ := net.SplitHostPort(addr)
	return &listenerv3.Listener{Name: "outbound:" + service + ":" + p, Address: sock(addr), FilterChains: []*listenerv3.FilterChain{{
		Filters: []*listenerv3.Filter{{Name: "envoy.filters.network.tcp_proxy", ConfigType: &listenerv3.Filter_TypedConfig{TypedConfig: pack(&tcpv3.TcpProxy{StatPrefix: service,
			ClusterSpecifier: &tcpv3.TcpProxy_Cluster{Cluster: cluster}})}}}}}}
}

// OutboundRoutes is the route config "outbound".
func OutboundRoutes(vhosts ...*routev3.VirtualHost) *routev3.RouteConfiguration {
	return &routev3.RouteConfiguration{Name: "outbound", VirtualHosts: vhosts}
}

// VHost is the virtual host of a service with domains <service>.mesh, <service>.mesh:*, <service>.
func VHost(service string, routes ...*routev3.Route) *routev3.VirtualHost {
	return &routev3.VirtualHost{Name: service, Domains: []string{service + ".mesh", service + ".mesh:*", service}, Routes: routes}
}

// RouteOpts describe one route.
type RouteOpts struct {
	Prefix, Path  string
	Headers       map[string]string // exact matches
	Cluster       string
	Weighted      map[string]uint32
	Timeout       time.Duration
	Retries       uint32 // > 0 adds retry_on 5xx,connect-failure
	PerTryTimeout time.Duration
}

// Route builds a route.
func Route(o RouteOpts) *routev3.Route {
	m := &routev3.RouteMatch{}
	if o.Path != "" {
		m.PathSpecifier = &routev3.RouteMatch_Path{Path: o.Path}
	} else {
		m.PathSpecifier = &routev3.RouteMatch_Prefix{Prefix: o.Prefix}
	}
	names := make([]string, 0, len(o.Headers))
	for k := range o.Headers {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		m.Headers = append(m.Headers, &routev3.HeaderMatcher{Name: k, HeaderMatchSpecifier: &routev3.HeaderMatcher_StringMatch{
			StringMatch: &matcherv3.StringMatcher{MatchPattern: &matcherv3.StringMatcher_Exact{Exact: o.Headers[k]}}}})
	}
	a := &routev3.RouteAction{}
	if o.Timeout > 0 {
		a.Timeout = durationpb.New(o.Timeout)
	}
	if len(o.Weighted) > 0 {
		wc := &routev3.WeightedCluster{}
		cs := make([]string, 0, len(o.Weighted))
		for c := range o.Weighted {
			cs = append(cs, c)
		}
		sort.Strings(cs)
		for _, c := range cs {
			wc.Clusters = append(wc.Clusters, &routev3.WeightedCluster_ClusterWeight{Name: c, Weight: wrapperspb.UInt32(o.Weighted[c])})
		}
		a.ClusterSpecifier = &routev3.RouteAction_WeightedClusters{WeightedClusters: wc}
	} else {
		a.ClusterSpecifier = &routev3.RouteAction_Cluster{Cluster: o.Cluster}
	}
	if o.Retries > 0 {
		a.RetryPolicy = &routev3.RetryPolicy{RetryOn: "5xx,connect-failure", NumRetries: wrapperspb.UInt32(o.Retries)}
		if o.PerTryTimeout > 0 {
			a.RetryPolicy.PerTryTimeout = durationpb.New(o.PerTryTimeout)
		}
	}
	return &routev3.Route{Match: m, Action: &routev3.Route_Route{Route: a}}
}

// ClusterOpts describe an EDS cluster.
type ClusterOpts struct {
	Name, Service, Version string
	Outlier                *clusterv3.OutlierDetection
	HealthCheck            *corev3.HealthCheck
}

// HTTPHealthCheck is an active HTTP health check of path every interval.
func HTTPHealthCheck(path string, interval time.Duration, unhealthy, healthy uint32) *corev3.HealthCheck {
	return &corev3.HealthCheck{Timeout: durationpb.New(time.Second), Interval: durationpb.New(interval),
		UnhealthyThreshold: wrapperspb.UInt32(unhealthy), HealthyThreshold: wrapperspb.UInt32(healthy),
		HealthChecker: &corev3.HealthCheck_HttpHealthCheck_{HttpHealthCheck: &corev3.HealthCheck_HttpHealthCheck{Path: path}}}
}

// Cluster is an EDS cluster for a service (or a version of it) with upstream mTLS when the mesh
// has it.
func (m Mesh) Cluster(o ClusterOpts) *clusterv3.Cluster {
	c := &clusterv3.Cluster{Name: o.Name, ConnectTimeout: durationpb.New(time.Second),
		ClusterDiscoveryType: &clusterv3.Cluster_Type{Type: clusterv3.Cluster_EDS},
		EdsClusterConfig:     &clusterv3.Cluster_EdsClusterConfig{EdsConfig: ads()},
		LbPolicy:             clusterv3.Cluster_ROUND_ROBIN, OutlierDetection: o.Outlier}
	if o.HealthCheck != nil {
		c.HealthChecks = []*corev3.HealthCheck{o.HealthCheck}
	}
	if m.MTLS {
		ctx := &tlsv3.UpstreamTlsContext{Sni: m.SNI(o.Service, o.Version),
			CommonTlsContext: common(&matcherv3.StringMatcher{MatchPattern: &matcherv3.StringMatcher_Exact{Exact: SPIFFE(m.Name, o.Service)}})}
		c.TransportSocket = &corev3.TransportSocket{Name: "envoy.transport_sockets.tls", ConfigType: &corev3.TransportSocket_TypedConfig{TypedConfig: pack(ctx)}}
	}
	return c
}

// IngressCluster is an EDS cluster without transport socket (the ingress passes TLS through).
func IngressCluster(name string) *clusterv3.Cluster {
	return Mesh{}.Cluster(ClusterOpts{Name: name})
}

// Locality is one LocalityLbEndpoints.
type Locality struct {
	Zone      string
	Priority  uint32
	Endpoints []Endpoint
}

// Endpoint is one LbEndpoint.
type Endpoint struct {
	Addr      string
	Weight    uint32 // 0: unset
	Unhealthy bool
}

// CLA builds a ClusterLoadAssignment; overprov 0 leaves Envoy's default.
func CLA(name string, overprov uint32, ls ...Locality) *endpointv3.ClusterLoadAssignment {
	cla := &endpointv3.ClusterLoadAssignment{ClusterName: name}
	if overprov > 0 {
		cla.Policy = &endpointv3.ClusterLoadAssignment_Policy{OverprovisioningFactor: wrapperspb.UInt32(overprov)}
	}
	for _, l := range ls {
		le := &endpointv3.LocalityLbEndpoints{Priority: l.Priority}
		if l.Zone != "" {
			le.Locality = &corev3.Locality{Zone: l.Zone}
		}
		for _, e := range l.Endpoints {
			lb := &endpointv3.LbEndpoint{HostIdentifier: &endpointv3.LbEndpoint_Endpoint{Endpoint: &endpointv3.Endpoint{Address: sock(e.Addr)}},
				HealthStatus: corev3.HealthStatus_HEALTHY}
			if e.Unhealthy {
				lb.HealthStatus = corev3.HealthStatus_UNHEALTHY
			}
			if e.Weight > 0 {
				lb.LoadBalancingWeight = wrapperspb.UInt32(e.Weight)
			}
			le.LbEndpoints = append(le.LbEndpoints, lb)
		}
		cla.Endpoints = append(cla.Endpoints, le)
	}
	return cla
}

// IngressListener is the ingress listener: tls_inspector and one chain per SNI (sni → cluster).
func IngressListener(addr string, chains map[string]string) *listenerv3.Listener {
	l := &listenerv3.Listener{Name: "ingress", Address: sock(addr), ListenerFilters: []*listenerv3.ListenerFilter{{
		Name: "envoy.filters.listener.tls_inspector", ConfigType: &listenerv3.ListenerFilter_TypedConfig{TypedConfig: pack(&tlsinspv3.TlsInspector{})}}}}
	snis := make([]string, 0, len(chains))
	for s := range chains {
		snis = append(snis, s)
	}
	sort.Strings(snis)
	for _, s := range snis {
		l.FilterChains = append(l.FilterChains, &listenerv3.FilterChain{
			FilterChainMatch: &listenerv3.FilterChainMatch{ServerNames: []string{s}},
			Filters: []*listenerv3.Filter{{Name: "envoy.filters.network.tcp_proxy", ConfigType: &listenerv3.Filter_TypedConfig{TypedConfig: pack(&tcpv3.TcpProxy{StatPrefix: s,
				ClusterSpecifier: &tcpv3.TcpProxy_Cluster{Cluster: chains[s]}})}}}})
	}
	return l
}

// AllowFrom is an ALLOW RBAC admitting the given services of the mesh (none: deny everyone).
func AllowFrom(mesh string, services ...string) *rbacv3.RBAC {
	r := &rbacv3.RBAC{Action: rbacv3.RBAC_ALLOW, Policies: map[string]*rbacv3.Policy{}}
	for _, s := range services {
		r.Policies["allow-"+s] = &rbacv3.Policy{
			Permissions: []*rbacv3.Permission{{Rule: &rbacv3.Permission_Any{Any: true}}},
			Principals: []*rbacv3.Principal{{Identifier: &rbacv3.Principal_Authenticated_{Authenticated: &rbacv3.Principal_Authenticated{
				PrincipalName: &matcherv3.StringMatcher{MatchPattern: &matcherv3.StringMatcher_Exact{Exact: SPIFFE(mesh, s)}}}}}},
		}
	}
	return r
}
