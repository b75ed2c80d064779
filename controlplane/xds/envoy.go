package xds

import (
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routerv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/router/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	tcpv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/tcp_proxy/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	matcherv3 "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/zonemesh/zonemesh/controlplane/ca"
)

// Well-known filter names; the proxy recognises filters by type, Envoy by these names.
const (
	filterHCM      = "envoy.filters.network.http_connection_manager"
	filterTCP      = "envoy.filters.network.tcp_proxy"
	filterNetRBAC  = "envoy.filters.network.rbac"
	filterHTTPRBAC = "envoy.filters.http.rbac"
	filterFault    = "envoy.filters.http.fault"
	filterRouter   = "envoy.filters.http.router"
	filterTLSInsp  = "envoy.filters.listener.tls_inspector"
	socketTLS      = "envoy.transport_sockets.tls"
)

func toAny(m proto.Message) *anypb.Any {
	a, err := anypb.New(m)
	if err != nil {
		panic("xds: pack " + string(proto.MessageName(m)) + ": " + err.Error())
	}
	return a
}

func dur(d time.Duration) *durationpb.Duration { return durationpb.New(d) }

func ads() *corev3.ConfigSource {
	return &corev3.ConfigSource{ConfigSourceSpecifier: &corev3.ConfigSource_Ads{Ads: &corev3.AggregatedConfigSource{}}}
}

func sds(name string) *tlsv3.SdsSecretConfig {
	return &tlsv3.SdsSecretConfig{Name: name, SdsConfig: ads()}
}

func socketAddress(addr string, port int) *corev3.Address {
	return &corev3.Address{Address: &corev3.Address_SocketAddress{SocketAddress: &corev3.SocketAddress{
		Address: addr, PortSpecifier: &corev3.SocketAddress_PortValue{PortValue: uint32(port)}}}}
}

// commonTLS presents the identity secret and checks the peer against the mesh CA and a SPIFFE
// URI SAN: an exact identity, or (exact == false) any identity of the mesh.
func commonTLS(mesh, san string, exact bool) *tlsv3.CommonTlsContext {
	m := &matcherv3.StringMatcher{MatchPattern: &matcherv3.StringMatcher_Prefix{Prefix: san}}
	if exact {
		m = &matcherv3.StringMatcher{MatchPattern: &matcherv3.StringMatcher_Exact{Exact: san}}
	}
	return &tlsv3.CommonTlsContext{
		TlsCertificateSdsSecretConfigs: []*tlsv3.SdsSecretConfig{sds(IdentitySecret)},
		ValidationContextType: &tlsv3.CommonTlsContext_CombinedValidationContext{
			CombinedValidationContext: &tlsv3.CommonTlsContext_CombinedCertificateValidationContext{
				DefaultValidationContext: &tlsv3.CertificateValidationContext{
					MatchTypedSubjectAltNames: []*tlsv3.SubjectAltNameMatcher{{SanType: tlsv3.SubjectAltNameMatcher_URI, Matcher: m}},
				},
				ValidationContextSdsSecretConfig: sds(MeshCASecret),
			}},
	}
}

// upstreamTLS is what a caller's cluster uses to reach service (version "" = any) in mesh.
func upstreamTLS(mesh, service, version string) *corev3.TransportSocket {
	ctx := &tlsv3.UpstreamTlsContext{
		Sni:              SNI(mesh, service, version),
		CommonTlsContext: commonTLS(mesh, ca.SPIFFEID(mesh, service), true),
	}
	return &corev3.TransportSocket{Name: socketTLS, ConfigType: &corev3.TransportSocket_TypedConfig{TypedConfig: toAny(ctx)}}
}

// downstreamTLS terminates mTLS on an inbound and accepts any identity of the mesh; RBAC then
// decides which identities may call.
func downstreamTLS(mesh string) *corev3.TransportSocket {
	ctx := &tlsv3.DownstreamTlsContext{
		RequireClientCertificate: wrapBool(true),
		CommonTlsContext:         commonTLS(mesh, "spiffe://"+mesh+"/", false),
	}
	return &corev3.TransportSocket{Name: socketTLS, ConfigType: &corev3.TransportSocket_TypedConfig{TypedConfig: toAny(ctx)}}
}

func tcpProxyFilter(statPrefix, cluster string) *listenerv3.Filter {
	t := &tcpv3.TcpProxy{StatPrefix: statPrefix, ClusterSpecifier: &tcpv3.TcpProxy_Cluster{Cluster: cluster}}
	return &listenerv3.Filter{Name: filterTCP, ConfigType: &listenerv3.Filter_TypedConfig{TypedConfig: toAny(t)}}
}

func hcmFilter(h *hcmv3.HttpConnectionManager) *listenerv3.Filter {
	return &listenerv3.Filter{Name: filterHCM, ConfigType: &listenerv3.Filter_TypedConfig{TypedConfig: toAny(h)}}
}

func httpFilter(name string, m proto.Message) *hcmv3.HttpFilter {
	return &hcmv3.HttpFilter{Name: name, ConfigType: &hcmv3.HttpFilter_TypedConfig{TypedConfig: toAny(m)}}
}

func routerFilter() *hcmv3.HttpFilter { return httpFilter(filterRouter, &routerv3.Router{}) }

func wrapBool(b bool) *wrapperspb.BoolValue { return wrapperspb.Bool(b) }
