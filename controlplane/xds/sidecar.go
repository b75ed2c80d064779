package xds

import (
	"fmt"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"

	"github.com/zonemesh/zonemesh/controlplane/resource"
)

// IdentityService is the service whose SPIFFE identity a dataplane presents: its first
// inbound's, or its name when it has no inbound (a pure client).
func IdentityService(name string, s *resource.DataplaneSpec) string {
	if len(s.Networking.Inbound) > 0 {
		return s.Networking.Inbound[0].Service()
	}
	return name
}

func (in *Inputs) sidecar(mesh, name string, s *resource.DataplaneSpec, vipPort int) (*Resources, error) {
	out := &Resources{}
	n := s.Networking
	seenApp := map[string]bool{}
	for _, ib := range n.Inbound {
		l, app := in.inbound(mesh, n.Address, ib)
		out.Listeners = append(out.Listeners, l)
		if !seenApp[app.Name] {
			seenApp[app.Name] = true
			out.Clusters = append(out.Clusters, app)
		}
	}
	outAddr := n.OutboundAddress
	if outAddr == "" {
		outAddr = "127.0.0.1"
	}
	if n.OutboundPort > 0 {
		h := &hcmv3.HttpConnectionManager{
			StatPrefix: "outbound",
			CodecType:  hcmv3.HttpConnectionManager_AUTO,
			RouteSpecifier: &hcmv3.HttpConnectionManager_Rds{Rds: &hcmv3.Rds{
				RouteConfigName: OutboundRoute, ConfigSource: ads()}},
			HttpFilters: []*hcmv3.HttpFilter{routerFilter()},
		}
		out.Listeners = append(out.Listeners, &listenerv3.Listener{
			Name:             OutboundHTTPListener,
			Address:          socketAddress(outAddr, n.OutboundPort),
			FilterChains:     []*listenerv3.FilterChain{{Filters: []*listenerv3.Filter{hcmFilter(h)}}},
			TrafficDirection: corev3.TrafficDirection_OUTBOUND,
		})
	}
	for _, ob := range n.Outbound {
		addr := ob.Address
		if addr == "" {
			addr = outAddr
		}
		ln := OutboundTCPListenerName(ob.Service, ob.Port)
		out.Listeners = append(out.Listeners, &listenerv3.Listener{
			Name:             ln,
			Address:          socketAddress(addr, ob.Port),
			FilterChains:     []*listenerv3.FilterChain{{Filters: []*listenerv3.Filter{tcpProxyFilter(ln, ob.Service)}}},
			TrafficDirection: corev3.TrafficDirection_OUTBOUND,
		})
	}
	sh := in.outboundOf(mesh)
	out.shared = sh
	if n.OutboundPort > 0 {
		out.Routes = []*routev3.RouteConfiguration{sh.route}
	}
	if vipPort > 0 {
		ls, rcs, err := in.vipListeners(mesh, vipPort, sh)
		if err != nil {
			return nil, fmt.Errorf("dataplane %s.%s: %w", mesh, name, err)
		}
		out.Listeners = append(out.Listeners, ls...)
		out.Routes = append(out.Routes, rcs...) // shared: covered by sh.hash, not added to own
	}
	for _, l := range out.Listeners {
		out.own = append(out.own, l)
	}
	for _, c := range out.Clusters {
		out.own = append(out.own, c)
	}
	out.Clusters = append(out.Clusters, sh.clusters...)
	out.Endpoints = append(out.Endpoints, sh.endpoints...)
	// A declared TCP outbound to a service the zone cannot reach yet still needs its cluster.
	have := map[string]bool{}
	for _, c := range out.Clusters {
		have[c.Name] = true
	}
	for _, ob := range n.Outbound {
		if !have[ob.Service] {
			have[ob.Service] = true
			c, cla := in.serviceCluster(mesh, ob.Service)
			out.Clusters = append(out.Clusters, c)
			out.Endpoints = append(out.Endpoints, cla)
			out.own = append(out.own, c, cla)
		}
	}
	if in.mtls(mesh) {
		secrets, err := in.secrets(mesh, IdentityService(name, s))
		if err != nil {
			return nil, fmt.Errorf("dataplane %s.%s: %w", mesh, name, err)
		}
		out.Secrets = secrets
		for _, sc := range secrets {
			out.own = append(out.own, sc)
		}
	}
	return out, nil
}

func (in *Inputs) secrets(mesh, service string) ([]*tlsv3.Secret, error) {
	if in.Certs == nil {
		return nil, fmt.Errorf("xds: mesh %s has mTLS but no certificate source", mesh)
	}
	cert, key, err := in.Certs.Identity(mesh, service)
	if err != nil {
		return nil, fmt.Errorf("identity: %w", err)
	}
	bundle, err := in.Certs.Bundle(mesh)
	if err != nil {
		return nil, fmt.Errorf("ca bundle: %w", err)
	}
	return []*tlsv3.Secret{
		{Name: IdentitySecret, Type: &tlsv3.Secret_TlsCertificate{TlsCertificate: &tlsv3.TlsCertificate{
			CertificateChain: &corev3.DataSource{Specifier: &corev3.DataSource_InlineString{InlineString: string(cert)}},
			PrivateKey:       &corev3.DataSource{Specifier: &corev3.DataSource_InlineString{InlineString: string(key)}},
		}}},
		{Name: MeshCASecret, Type: &tlsv3.Secret_ValidationContext{ValidationContext: &tlsv3.CertificateValidationContext{
			TrustedCa: &corev3.DataSource{Specifier: &corev3.DataSource_InlineString{InlineString: string(bundle)}},
		}}},
	}, nil
}
