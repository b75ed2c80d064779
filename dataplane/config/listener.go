package config

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	faultv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/fault/v3"
	rbachttpv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/rbac/v3"
	routerv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/router/v3"
	tlsinspv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/listener/tls_inspector/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	rbacnetv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/rbac/v3"
	tcpv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/tcp_proxy/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/structpb"
)

var (
	nameHCM     = string(proto.MessageName(&hcmv3.HttpConnectionManager{}))
	nameTCP     = string(proto.MessageName(&tcpv3.TcpProxy{}))
	nameNetRBAC = string(proto.MessageName(&rbacnetv3.RBAC{}))
	nameInspect = string(proto.MessageName(&tlsinspv3.TlsInspector{}))
)

// DNSMetadataKey is the listener filter_metadata key whose "names" list the sidecar's DNS
// server answers with the listener's address (docs/XDS.md, "Service VIPs and DNS").
const DNSMetadataKey = "zonemesh.dns"

// dnsNames reads a listener's DNS names: lower-case, without a trailing dot.
func dnsNames(l *listenerv3.Listener, path string) ([]string, error) {
	st := l.GetMetadata().GetFilterMetadata()[DNSMetadataKey]
	if st == nil {
		return nil, nil
	}
	p := path + ".metadata.filter_metadata[" + DNSMetadataKey + "]"
	for k := range st.GetFields() {
		if k != "names" {
			return nil, fmt.Errorf("%s.%s: not supported", p, k)
		}
	}
	lv := st.GetFields()["names"].GetListValue()
	if lv == nil {
		return nil, fmt.Errorf("%s.names: want a list of strings", p)
	}
	var out []string
	for i, v := range lv.GetValues() {
		sv, ok := v.GetKind().(*structpb.Value_StringValue)
		var name string
		if ok {
			name = strings.ToLower(strings.TrimSuffix(sv.StringValue, "."))
		}
		if name == "" {
			return nil, fmt.Errorf("%s.names[%d]: want a non-empty string", p, i)
		}
		out = append(out, name)
	}
	return out, nil
}

// TranslateListeners translates LDS resources.
func TranslateListeners(res []*anypb.Any) ([]*Listener, error) {
	out := make([]*Listener, 0, len(res))
	addrs, names := map[string]string{}, map[string]string{}
	for i, a := range res {
		l, err := unpack(a, fmt.Sprintf("listener[%d]", i), &listenerv3.Listener{})
		if err != nil {
			return nil, err
		}
		got, err := listener(l)
		if err != nil {
			return nil, err
		}
		if prev, dup := addrs[got.Address]; dup {
			return nil, fmt.Errorf("listener %q: address %s already used by listener %q", got.Name, got.Address, prev)
		}
		addrs[got.Address] = got.Name
		for _, n := range got.DNSNames {
			if prev, dup := names[n]; dup {
				return nil, fmt.Errorf("listener %q: DNS name %q already given to listener %q", got.Name, n, prev)
			}
			names[n] = got.Name
		}
		out = append(out, got)
	}
	return out, nil
}

func listener(l *listenerv3.Listener) (*Listener, error) {
	path := fmt.Sprintf("listener %q", l.GetName())
	if err := only(l, path, "name", "address", "filter_chains", "listener_filters"); err != nil {
		return nil, err
	}
	sa := l.GetAddress().GetSocketAddress()
	if sa == nil || sa.GetAddress() == "" {
		return nil, fmt.Errorf("%s.address.socket_address: missing", path)
	}
	if err := only(sa, path+".address.socket_address", "address", "port_value", "protocol"); err != nil {
		return nil, err
	}
	out := &Listener{Name: l.GetName(), Address: net.JoinHostPort(sa.GetAddress(), strconv.Itoa(int(sa.GetPortValue())))}
	names, err := dnsNames(l, path)
	if err != nil {
		return nil, err
	}
	if len(names) > 0 {
		vip, err := netip.ParseAddr(sa.GetAddress())
		if err != nil || !vip.Is4() {
			return nil, fmt.Errorf("%s.address.socket_address.address: %q carries DNS names but is not an IPv4 address", path, sa.GetAddress())
		}
		out.VIP, out.DNSNames = vip, names
	}
	inspector := false
	for i, lf := range l.GetListenerFilters() {
		if typeName(lf.GetTypedConfig()) != nameInspect {
			return nil, fmt.Errorf("%s.listener_filters[%d]: %s not supported", path, i, typeName(lf.GetTypedConfig()))
		}
		if _, err := unpack(lf.GetTypedConfig(), fmt.Sprintf("%s.listener_filters[%d]", path, i), &tlsinspv3.TlsInspector{}); err != nil {
			return nil, err
		}
		inspector = true
	}
	chains := l.GetFilterChains()
	if len(chains) == 0 {
		return nil, fmt.Errorf("%s.filter_chains: empty", path)
	}
	if inspector {
		return ingress(out, chains, path)
	}
	if len(chains) != 1 {
		return nil, fmt.Errorf("%s.filter_chains: %d chains without tls_inspector; only one is supported", path, len(chains))
	}
	return out, chain(out, chains[0], path+".filter_chains[0]")
}

func ingress(out *Listener, chains []*listenerv3.FilterChain, path string) (*Listener, error) {
	out.Kind = KindIngress
	out.SNI = map[string]string{}
	for i, fc := range chains {
		p := fmt.Sprintf("%s.filter_chains[%d]", path, i)
		if err := only(fc, p, "name", "filter_chain_match", "filters"); err != nil {
			return nil, err
		}
		m := fc.GetFilterChainMatch()
		if m == nil || len(m.GetServerNames()) == 0 {
			return nil, fmt.Errorf("%s.filter_chain_match.server_names: required on an ingress listener", p)
		}
		if err := only(m, p+".filter_chain_match", "server_names", "transport_protocol"); err != nil {
			return nil, err
		}
		if len(fc.GetFilters()) != 1 || typeName(fc.GetFilters()[0].GetTypedConfig()) != nameTCP {
			return nil, fmt.Errorf("%s.filters: an ingress chain has exactly one tcp_proxy", p)
		}
		cluster, err := tcpProxy(fc.GetFilters()[0].GetTypedConfig(), p+".filters[0]")
		if err != nil {
			return nil, err
		}
		for _, sni := range m.GetServerNames() {
			if _, dup := out.SNI[sni]; dup {
				return nil, fmt.Errorf("%s.filter_chain_match.server_names: %q appears twice", p, sni)
			}
			out.SNI[sni] = cluster
		}
	}
	return out, nil
}

func chain(out *Listener, fc *listenerv3.FilterChain, path string) error {
	if err := only(fc, path, "name", "filters", "transport_socket"); err != nil {
		return err
	}
	if ts := fc.GetTransportSocket(); ts != nil {
		t, err := downstreamTLS(ts.GetTypedConfig(), path+".transport_socket")
		if err != nil {
			return err
		}
		out.TLS = t
	}
	filters := fc.GetFilters()
	if len(filters) == 0 {
		return fmt.Errorf("%s.filters: empty", path)
	}
	for i, f := range filters {
		p := fmt.Sprintf("%s.filters[%d]", path, i)
		last := i == len(filters)-1
		switch typeName(f.GetTypedConfig()) {
		case nameNetRBAC:
			r, err := unpack(f.GetTypedConfig(), p, &rbacnetv3.RBAC{})
			if err != nil {
				return err
			}
			if err := only(r, p, "rules"); err != nil {
				return err
			}
			if out.NetRBAC, err = translateRBAC(r.GetRules(), p+".rules"); err != nil {
				return err
			}
		case nameTCP:
			if !last {
				return fmt.Errorf("%s: tcp_proxy must be the last filter", p)
			}
			c, err := tcpProxy(f.GetTypedConfig(), p)
			if err != nil {
				return err
			}
			out.Kind, out.Cluster = KindTCP, c
		case nameHCM:
			if !last {
				return fmt.Errorf("%s: http_connection_manager must be the last filter", p)
			}
			if out.NetRBAC != nil {
				return fmt.Errorf("%s: network rbac before an http_connection_manager is not supported", path)
			}
			out.Kind = KindHTTP
			if err := hcm(out, f.GetTypedConfig(), p); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%s: filter %s not supported", p, typeName(f.GetTypedConfig()))
		}
	}
	if out.Kind == KindTCP && out.Cluster == "" || out.Kind == KindHTTP && out.RouteName == "" && out.InlineRoute == nil {
		return fmt.Errorf("%s.filters: needs a terminal tcp_proxy or http_connection_manager", path)
	}
	return nil
}

func tcpProxy(a *anypb.Any, path string) (string, error) {
	t, err := unpack(a, path, &tcpv3.TcpProxy{})
	if err != nil {
		return "", err
	}
	if err := only(t, path, "cluster"); err != nil {
		return "", err
	}
	return t.GetCluster(), nil
}

func hcm(out *Listener, a *anypb.Any, path string) error {
	h, err := unpack(a, path, &hcmv3.HttpConnectionManager{})
	if err != nil {
		return err
	}
	if err := only(h, path, "codec_type", "rds", "route_config", "http_filters",
		"forward_client_cert_details", "set_current_client_cert_details"); err != nil {
		return err
	}
	if h.GetCodecType() != hcmv3.HttpConnectionManager_AUTO {
		return fmt.Errorf("%s.codec_type: only AUTO is supported", path)
	}
	switch {
	case h.GetRds() != nil:
		if src := h.GetRds().GetConfigSource(); src.GetAds() == nil {
			return fmt.Errorf("%s.rds.config_source: only ads is supported", path)
		}
		out.RouteName = h.GetRds().GetRouteConfigName()
	case h.GetRouteConfig() != nil:
		if out.InlineRoute, err = routeConfig(h.GetRouteConfig()); err != nil {
			return fmt.Errorf("%s.route_config: %w", path, err)
		}
	default:
		return fmt.Errorf("%s: needs rds or route_config", path)
	}
	switch h.GetForwardClientCertDetails() {
	case hcmv3.HttpConnectionManager_SANITIZE:
	case hcmv3.HttpConnectionManager_SANITIZE_SET:
		if !h.GetSetCurrentClientCertDetails().GetUri() {
			return fmt.Errorf("%s.set_current_client_cert_details.uri: must be true with SANITIZE_SET", path)
		}
		out.XFCC = true
	default:
		return fmt.Errorf("%s.forward_client_cert_details: %s not supported", path, h.GetForwardClientCertDetails())
	}
	if s := h.GetSetCurrentClientCertDetails(); s != nil {
		if err := only(s, path+".set_current_client_cert_details", "uri"); err != nil {
			return err
		}
	}
	return httpFilters(out, h.GetHttpFilters(), path+".http_filters")
}

var (
	nameRouter   = string(proto.MessageName(&routerv3.Router{}))
	nameHTTPRBAC = string(proto.MessageName(&rbachttpv3.RBAC{}))
	nameFault    = string(proto.MessageName(&faultv3.HTTPFault{}))
)

func httpFilters(out *Listener, fs []*hcmv3.HttpFilter, path string) error {
	if len(fs) == 0 || typeName(fs[len(fs)-1].GetTypedConfig()) != nameRouter {
		return fmt.Errorf("%s: the last filter must be envoy.filters.http.router", path)
	}
	for i, f := range fs {
		p := fmt.Sprintf("%s[%d]", path, i)
		if err := only(f, p, "name", "typed_config"); err != nil {
			return err
		}
		switch typeName(f.GetTypedConfig()) {
		case nameRouter:
			r, err := unpack(f.GetTypedConfig(), p, &routerv3.Router{})
			if err != nil {
				return err
			}
			if i != len(fs)-1 {
				return fmt.Errorf("%s: router must be last", p)
			}
			if err := only(r, p); err != nil {
				return err
			}
		case nameHTTPRBAC:
			r, err := unpack(f.GetTypedConfig(), p, &rbachttpv3.RBAC{})
			if err != nil {
				return err
			}
			if err := only(r, p, "rules"); err != nil {
				return err
			}
			if out.RBAC, err = translateRBAC(r.GetRules(), p+".rules"); err != nil {
				return err
			}
		case nameFault:
			ft, err := unpack(f.GetTypedConfig(), p, &faultv3.HTTPFault{})
			if err != nil {
				return err
			}
			if out.Fault, err = fault(ft, p); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%s: http filter %s not supported", p, typeName(f.GetTypedConfig()))
		}
	}
	return nil
}

func fault(f *faultv3.HTTPFault, path string) (*Fault, error) {
	if err := only(f, path, "delay", "abort"); err != nil {
		return nil, err
	}
	out := &Fault{}
	if d := f.GetDelay(); d != nil {
		if err := only(d, path+".delay", "fixed_delay", "percentage"); err != nil {
			return nil, err
		}
		out.Delay = d.GetFixedDelay().AsDuration()
		out.DelayPPM = ppm(d.GetPercentage())
	}
	if a := f.GetAbort(); a != nil {
		if err := only(a, path+".abort", "http_status", "percentage"); err != nil {
			return nil, err
		}
		if a.GetHttpStatus() == 0 {
			return nil, fmt.Errorf("%s.abort.http_status: required", path)
		}
		out.AbortStatus = int(a.GetHttpStatus())
		out.AbortPPM = ppm(a.GetPercentage())
	}
	return out, nil
}

// ppm converts a FractionalPercent to parts per million, capped at one million.
func ppm(p *typev3.FractionalPercent) uint32 {
	if p == nil {
		return 0
	}
	n := uint64(p.GetNumerator())
	switch p.GetDenominator() {
	case typev3.FractionalPercent_HUNDRED:
		n *= 10000
	case typev3.FractionalPercent_TEN_THOUSAND:
		n *= 100
	}
	return uint32(min(n, 1_000_000))
}
