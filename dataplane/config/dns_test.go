package config_test

import (
	"net/netip"
	"strings"
	"testing"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	tcpv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/tcp_proxy/v3"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/xds"
	"github.com/zonemesh/zonemesh/controlplane/xds/xdstest"
	"github.com/zonemesh/zonemesh/dataplane/config"
)

// TestVIPListenersAccepted: the VIP listeners the zone generates translate, and the DNS table
// the proxy derives from them is the zone's VIP table for the mesh.
func TestVIPListenersAccepted(t *testing.T) {
	if config.DNSMetadataKey != xds.DNSMetadataKey {
		t.Fatalf("metadata key %q here, %q in the control plane", config.DNSMetadataKey, xds.DNSMetadataKey)
	}
	rs := xdstest.Decode(t, xdstest.MeshYAML)
	web := xdstest.Find(rs, resource.KindDataplane, "web-1")
	web.Labels = map[string]string{xds.VIPPortLabel: "18080"}
	in := xds.NewInputs(xdstest.Zone, rs, certsFor(t, rs))
	out, err := xds.Generate(in, web)
	if err != nil {
		t.Fatal(err)
	}
	ls, err := config.TranslateListeners(anys(t, out.Listeners))
	if err != nil {
		t.Fatalf("VIP listeners NACKed: %v", err)
	}
	if _, err := config.TranslateRoutes(anys(t, out.Routes)); err != nil {
		t.Fatalf("VIP routes NACKed: %v", err)
	}
	vips, err := in.VIPs()
	if err != nil {
		t.Fatal(err)
	}
	table := (&config.Config{Listeners: ls}).DNSTable()
	if len(table) != 2*len(in.Services("default")) {
		t.Fatalf("DNS table %v: want two names per service of %v", table, in.Services("default"))
	}
	for _, svc := range in.Services("default") {
		want := vips[xds.VIPKey{Mesh: "default", Service: svc}]
		for _, n := range []string{svc + ".mesh", svc + ".default.mesh"} {
			if table[n] != want {
				t.Fatalf("%s → %s, want %s", n, table[n], want)
			}
		}
	}
}

func certsFor(t *testing.T, rs []*resource.Resource) *xds.CertCache {
	certs := xds.NewCertCache(nil)
	for _, r := range rs {
		if r.Kind == resource.KindMesh {
			c := xdstest.MeshCA(t, r.Name).Spec.(*resource.MeshCASpec)
			if err := certs.SetMeshCA(r.Name, []byte(c.CertPEM), []byte(c.KeyPEM), 0); err != nil {
				t.Fatal(err)
			}
		}
	}
	return certs
}

func vipListener(t *testing.T, name, addr string, names *structpb.Value) *anypb.Any {
	l := &listenerv3.Listener{Name: name,
		Address: &corev3.Address{Address: &corev3.Address_SocketAddress{SocketAddress: &corev3.SocketAddress{
			Address: addr, PortSpecifier: &corev3.SocketAddress_PortValue{PortValue: 80}}}},
		FilterChains: []*listenerv3.FilterChain{{Filters: []*listenerv3.Filter{{Name: "tcp",
			ConfigType: &listenerv3.Filter_TypedConfig{TypedConfig: tcpProxy(t, "api")}}}}},
		Metadata: &corev3.Metadata{FilterMetadata: map[string]*structpb.Struct{
			config.DNSMetadataKey: {Fields: map[string]*structpb.Value{"names": names}}}},
	}
	a, err := anypb.New(l)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func list(ss ...string) *structpb.Value {
	l, _ := structpb.NewList(nil)
	for _, s := range ss {
		l.Values = append(l.Values, structpb.NewStringValue(s))
	}
	return structpb.NewListValue(l)
}

func TestDNSMetadataRefused(t *testing.T) {
	ok, err := config.TranslateListeners([]*anypb.Any{vipListener(t, "a", "127.64.0.9", list("API.mesh."))})
	if err != nil {
		t.Fatal(err)
	}
	if ok[0].VIP != netip.MustParseAddr("127.64.0.9") || strings.Join(ok[0].DNSNames, ",") != "api.mesh" {
		t.Fatalf("VIP %s names %v: want 127.64.0.9 and the name lower-cased without its dot", ok[0].VIP, ok[0].DNSNames)
	}
	for _, c := range []struct {
		what string
		ls   []*anypb.Any
		want string
	}{
		{"hostname address", []*anypb.Any{vipListener(t, "a", "localhost", list("api.mesh"))}, "not an IPv4 address"},
		{"names not a list", []*anypb.Any{vipListener(t, "a", "127.64.0.9", structpb.NewStringValue("api.mesh"))}, "want a list of strings"},
		{"empty name", []*anypb.Any{vipListener(t, "a", "127.64.0.9", list(""))}, "names[0]: want a non-empty string"},
		{"name twice", []*anypb.Any{vipListener(t, "a", "127.64.0.9", list("api.mesh")), vipListener(t, "b", "127.64.0.10", list("api.mesh"))},
			`DNS name "api.mesh" already given to listener "a"`},
	} {
		if _, err := config.TranslateListeners(c.ls); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.what, err, c.want)
		}
	}
}

func tcpProxy(t *testing.T, cluster string) *anypb.Any {
	a, err := anypb.New(&tcpv3.TcpProxy{StatPrefix: cluster, ClusterSpecifier: &tcpv3.TcpProxy_Cluster{Cluster: cluster}})
	if err != nil {
		t.Fatal(err)
	}
	return a
}
