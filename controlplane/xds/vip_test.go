package xds_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"

	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	tcpv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/tcp_proxy/v3"
	"google.golang.org/protobuf/proto"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/xds"
	"github.com/zonemesh/zonemesh/controlplane/xds/xdstest"
)

func keys(n int) []xds.VIPKey {
	out := make([]xds.VIPKey, n)
	for i := range out {
		out[i] = xds.VIPKey{Mesh: "default", Service: fmt.Sprintf("svc-%04d", i)}
	}
	return out
}

// checkTable fails unless every key has an address of cidr (never the network address) and no
// two keys share one.
func checkTable(t *testing.T, cidr netip.Prefix, ks []xds.VIPKey, got map[xds.VIPKey]netip.Addr) {
	t.Helper()
	if len(got) != len(ks) {
		t.Fatalf("%d addresses for %d services", len(got), len(ks))
	}
	seen := map[netip.Addr]xds.VIPKey{}
	for _, k := range ks {
		a, ok := got[k]
		if !ok {
			t.Fatalf("%v has no address", k)
		}
		if !cidr.Contains(a) || a == cidr.Masked().Addr() {
			t.Fatalf("%v got %s, outside %s or its network address", k, a, cidr)
		}
		if prev, dup := seen[a]; dup {
			t.Fatalf("%v and %v both got %s", prev, k, a)
		}
		seen[a] = k
	}
}

func TestAllocateVIPsNoCollisions(t *testing.T) {
	// 1,000 services in 1,023 addresses: hash collisions are certain, so the probing pass runs.
	cidr := netip.MustParsePrefix("10.0.0.0/22")
	ks := keys(1000)
	got, err := xds.AllocateVIPs(cidr, ks)
	if err != nil {
		t.Fatal(err)
	}
	checkTable(t, cidr, ks, got)
	// A full range: every usable address handed out once.
	small := netip.MustParsePrefix("10.0.0.0/28")
	full := keys(15)
	got, err = xds.AllocateVIPs(small, full)
	if err != nil {
		t.Fatal(err)
	}
	checkTable(t, small, full, got)
}

func TestAllocateVIPsStable(t *testing.T) {
	ks := keys(200)
	first, err := xds.AllocateVIPs(xds.DefaultVIPCIDR, ks)
	if err != nil {
		t.Fatal(err)
	}
	checkTable(t, xds.DefaultVIPCIDR, ks, first)
	// A restarted zone CP sees the same services in another order: the same table.
	shuffled := append([]xds.VIPKey(nil), ks...)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	again, err := xds.AllocateVIPs(xds.DefaultVIPCIDR, shuffled)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range ks {
		if first[k] != again[k] {
			t.Fatalf("%v: %s, then %s after reordering", k, first[k], again[k])
		}
	}
	// Services appear and go: in the default /10 nobody collides, so nobody moves.
	changed, err := xds.AllocateVIPs(xds.DefaultVIPCIDR, append(ks[50:], keys(300)[200:]...))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range ks[50:] {
		if first[k] != changed[k] {
			t.Fatalf("%v moved from %s to %s when other services came and went", k, first[k], changed[k])
		}
	}
	// Same name in another mesh is another service.
	other, err := xds.AllocateVIPs(xds.DefaultVIPCIDR, []xds.VIPKey{{"default", "api"}, {"other", "api"}})
	if err != nil {
		t.Fatal(err)
	}
	if other[xds.VIPKey{Mesh: "default", Service: "api"}] == other[xds.VIPKey{Mesh: "other", Service: "api"}] {
		t.Fatal("api of two meshes share a VIP")
	}
}

func TestAllocateVIPsKeepsUncontestedHomes(t *testing.T) {
	// In a tight range, adding services must not move one whose home address nobody else
	// hashes to: those are exactly the ones that got the same address in both tables and whose
	// address is not claimed by a newcomer's home.
	cidr := netip.MustParsePrefix("10.0.0.0/24")
	before, err := xds.AllocateVIPs(cidr, keys(100))
	if err != nil {
		t.Fatal(err)
	}
	after, err := xds.AllocateVIPs(cidr, keys(200))
	if err != nil {
		t.Fatal(err)
	}
	moved := 0
	for _, k := range keys(100) {
		if before[k] != after[k] {
			moved++
		}
	}
	// With 255 addresses some move (collisions with newcomers); far from all of them.
	if moved > 50 {
		t.Fatalf("%d of 100 services moved when 100 were added", moved)
	}
}

func TestAllocateVIPsExhausted(t *testing.T) {
	_, err := xds.AllocateVIPs(netip.MustParsePrefix("127.64.0.0/30"), keys(4))
	if !errors.Is(err, xds.ErrVIPExhausted) || !strings.Contains(err.Error(), "4 services") || !strings.Contains(err.Error(), "3 usable") {
		t.Fatalf("err = %v, want ErrVIPExhausted naming 4 services and 3 usable addresses", err)
	}
	if _, err := xds.AllocateVIPs(netip.MustParsePrefix("fd00::/64"), keys(1)); err == nil || !strings.Contains(err.Error(), "IPv4") {
		t.Fatalf("IPv6 cidr: err = %v", err)
	}
}

// withVIPPort labels a dataplane of rs to ask for VIP listeners.
func withVIPPort(t *testing.T, rs []*resource.Resource, name, port string) []*resource.Resource {
	t.Helper()
	dp := xdstest.Find(rs, resource.KindDataplane, name)
	if dp.Labels == nil {
		dp.Labels = map[string]string{}
	}
	dp.Labels[xds.VIPPortLabel] = port
	return rs
}

func TestSidecarVIPListeners(t *testing.T) {
	rs := withVIPPort(t, xdstest.Decode(t, xdstest.MeshYAML), "web-1", "80")
	in := inputs(t, rs)
	r, err := xds.Generate(in, xdstest.Find(rs, resource.KindDataplane, "web-1"))
	if err != nil {
		t.Fatal(err)
	}
	if err := xds.Validate(r); err != nil {
		t.Fatalf("generated config does not validate: %v", err)
	}
	vips, err := in.VIPs()
	if err != nil {
		t.Fatal(err)
	}
	services := in.Services("default")
	if strings.Join(services, ",") != "backend,cache,db,web" {
		t.Fatalf("services %v", services)
	}
	var outbound *hcmv3.HttpConnectionManager
	for _, svc := range services {
		vip := vips[xds.VIPKey{Mesh: "default", Service: svc}]
		if !xds.DefaultVIPCIDR.Contains(vip) {
			t.Fatalf("%s: VIP %s outside %s", svc, vip, xds.DefaultVIPCIDR)
		}
		l := listener(t, r, xds.VIPListenerName(vip.String(), 80))
		if sa := l.Address.GetSocketAddress(); sa.Address != vip.String() || sa.GetPortValue() != 80 {
			t.Fatalf("%s: listener address %v", svc, sa)
		}
		if got := strings.Join(xds.ListenerDNSNames(l), ","); got != svc+".mesh,"+svc+".default.mesh" {
			t.Fatalf("%s: DNS names %s", svc, got)
		}
		f := l.FilterChains[0].Filters[0].GetTypedConfig()
		if svc == "db" { // protocol tcp: straight to its cluster
			if tp := unpack(t, f, &tcpv3.TcpProxy{}); tp.GetCluster() != "db" {
				t.Fatalf("db VIP listener proxies to %q", tp.GetCluster())
			}
			continue
		}
		h := unpack(t, f, &hcmv3.HttpConnectionManager{})
		rc := routeConfig(t, r, h.GetRds().GetRouteConfigName())
		if rc.Name != xds.ServiceRouteName(svc) || len(rc.VirtualHosts) != 1 || strings.Join(rc.VirtualHosts[0].Domains, ",") != "*" {
			t.Fatalf("%s: route config %v", svc, rc)
		}
		// The same routes (and so clusters, timeouts, retries, splits) as by Host.
		byHost := vhost(t, routeConfig(t, r, xds.OutboundRoute), svc)
		if len(byHost.Routes) != len(rc.VirtualHosts[0].Routes) {
			t.Fatalf("%s: %d routes by VIP, %d by Host", svc, len(rc.VirtualHosts[0].Routes), len(byHost.Routes))
		}
		for i := range byHost.Routes {
			if !proto.Equal(byHost.Routes[i], rc.VirtualHosts[0].Routes[i]) {
				t.Fatalf("%s route %d differs by VIP: %v vs %v", svc, i, rc.VirtualHosts[0].Routes[i], byHost.Routes[i])
			}
		}
		outbound = h
	}
	if outbound == nil {
		t.Fatal("no HTTP VIP listener")
	}

	// Without the label: no VIP listeners, and a different hash.
	plain := xdstest.Decode(t, xdstest.MeshYAML)
	p := generate(t, plain, resource.KindDataplane, "web-1")
	for _, l := range p.Listeners {
		if len(xds.ListenerDNSNames(l)) > 0 {
			t.Fatalf("unlabelled dataplane got VIP listener %s", l.Name)
		}
	}
	if p.Hash() == r.Hash() {
		t.Fatal("VIP listeners do not change the hash")
	}
	if len(r.Listeners) != len(p.Listeners)+len(services) {
		t.Fatalf("%d listeners with VIPs, %d without, %d services", len(r.Listeners), len(p.Listeners), len(services))
	}
}

func TestSidecarVIPErrors(t *testing.T) {
	rs := withVIPPort(t, xdstest.Decode(t, xdstest.MeshYAML), "web-1", "http")
	_, err := xds.Generate(inputs(t, rs), xdstest.Find(rs, resource.KindDataplane, "web-1"))
	if err == nil || !strings.Contains(err.Error(), xds.VIPPortLabel) {
		t.Fatalf("bad port label: err = %v, want one naming %s", err, xds.VIPPortLabel)
	}
	rs = withVIPPort(t, xdstest.Decode(t, xdstest.MeshYAML), "web-1", "80")
	in := xds.NewInputs(xdstest.Zone, rs, inputs(t, rs).Certs, xds.WithVIPCIDR(netip.MustParsePrefix("127.64.0.0/30")))
	_, err = xds.Generate(in, xdstest.Find(rs, resource.KindDataplane, "web-1"))
	if !errors.Is(err, xds.ErrVIPExhausted) {
		t.Fatalf("4 services in a /30: err = %v, want ErrVIPExhausted", err)
	}
	// A wider custom range is used as given.
	cidr := netip.MustParsePrefix("127.200.0.0/16")
	in = xds.NewInputs(xdstest.Zone, rs, inputs(t, rs).Certs, xds.WithVIPCIDR(cidr))
	vips, err := in.VIPs()
	if err != nil {
		t.Fatal(err)
	}
	for k, a := range vips {
		if !cidr.Contains(a) {
			t.Fatalf("%v: %s outside %s", k, a, cidr)
		}
	}
}

func TestValidateListenerClashes(t *testing.T) {
	rs := withVIPPort(t, xdstest.Decode(t, xdstest.MeshYAML), "web-1", "80")
	r := generate(t, rs, resource.KindDataplane, "web-1")
	var vip *listenerv3.Listener
	for _, l := range r.Listeners {
		if len(xds.ListenerDNSNames(l)) > 0 {
			vip = l
			break
		}
	}
	twin := proto.Clone(vip).(*listenerv3.Listener)
	twin.Name = "twin"
	r.Listeners = append(r.Listeners, twin)
	err := xds.Validate(r)
	if err == nil || !strings.Contains(err.Error(), "already used by listener") || !strings.Contains(err.Error(), "already given to listener") {
		t.Fatalf("a second listener on a VIP with its names: err = %v", err)
	}
	twin.Address.GetSocketAddress().Address = "api.example"
	err = xds.Validate(r)
	if err == nil || !strings.Contains(err.Error(), "not an IP") {
		t.Fatalf("DNS names on a hostname address: err = %v", err)
	}
}

func routeConfig(t *testing.T, r *xds.Resources, name string) *routev3.RouteConfiguration {
	t.Helper()
	for _, rc := range r.Routes {
		if rc.Name == name {
			return rc
		}
	}
	t.Fatalf("no route config %q", name)
	return nil
}

func vhost(t *testing.T, rc *routev3.RouteConfiguration, name string) *routev3.VirtualHost {
	t.Helper()
	for _, vh := range rc.VirtualHosts {
		if vh.Name == name {
			return vh
		}
	}
	t.Fatalf("route config %q: no virtual host %q", rc.Name, name)
	return nil
}
