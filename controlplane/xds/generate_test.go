package xds_test

import (
	"strings"
	"testing"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	rbacv3 "github.com/envoyproxy/go-control-plane/envoy/config/rbac/v3"
	faultv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/fault/v3"
	rbachttpv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/rbac/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	rbacnetv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/rbac/v3"
	tcpv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/tcp_proxy/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/xds"
	"github.com/zonemesh/zonemesh/controlplane/xds/xdstest"
)

func inputs(t testing.TB, rs []*resource.Resource) *xds.Inputs {
	t.Helper()
	certs := xds.NewCertCache(nil)
	for _, r := range rs {
		if r.Kind == resource.KindMesh {
			c := xdstest.MeshCA(t, r.Name).Spec.(*resource.MeshCASpec)
			if err := certs.SetMeshCA(r.Name, []byte(c.CertPEM), []byte(c.KeyPEM), 0); err != nil {
				t.Fatal(err)
			}
		}
	}
	return xds.NewInputs(xdstest.Zone, rs, certs)
}

func generate(t *testing.T, rs []*resource.Resource, k resource.Kind, name string) *xds.Resources {
	t.Helper()
	p := xdstest.Find(rs, k, name)
	if p == nil {
		t.Fatalf("no %s %s", k, name)
	}
	out, err := xds.Generate(inputs(t, rs), p)
	if err != nil {
		t.Fatal(err)
	}
	if err := xds.Validate(out); err != nil {
		t.Fatalf("generated config does not validate: %v", err)
	}
	return out
}

func unpack[T proto.Message](t *testing.T, a *anypb.Any, m T) T {
	t.Helper()
	if err := a.UnmarshalTo(m); err != nil {
		t.Fatal(err)
	}
	return m
}

func listener(t *testing.T, r *xds.Resources, name string) *listenerv3.Listener {
	t.Helper()
	for _, l := range r.Listeners {
		if l.Name == name {
			return l
		}
	}
	t.Fatalf("no listener %q", name)
	return nil
}

func cluster(t *testing.T, r *xds.Resources, name string) (*clusterv3.Cluster, *endpointv3.ClusterLoadAssignment) {
	t.Helper()
	var c *clusterv3.Cluster
	for _, x := range r.Clusters {
		if x.Name == name {
			c = x
		}
	}
	if c == nil {
		t.Fatalf("no cluster %q", name)
	}
	for _, e := range r.Endpoints {
		if e.ClusterName == name {
			return c, e
		}
	}
	return c, nil
}

func TestSidecarBackend(t *testing.T) {
	rs := xdstest.Decode(t, xdstest.MeshYAML)
	r := generate(t, rs, resource.KindDataplane, "backend-1")

	l := listener(t, r, "inbound:127.0.0.3:20002")
	fc := l.FilterChains[0]
	dt := unpack(t, fc.TransportSocket.GetTypedConfig(), &tlsv3.DownstreamTlsContext{})
	if !dt.RequireClientCertificate.GetValue() {
		t.Fatal("inbound does not require a client certificate")
	}
	h := unpack(t, fc.Filters[0].GetTypedConfig(), &hcmv3.HttpConnectionManager{})
	if h.ForwardClientCertDetails != hcmv3.HttpConnectionManager_SANITIZE_SET || !h.SetCurrentClientCertDetails.GetUri() {
		t.Fatal("xfcc not set")
	}
	var names []string
	for _, f := range h.HttpFilters {
		names = append(names, f.Name)
	}
	if got := strings.Join(names, ","); got != "envoy.filters.http.rbac,envoy.filters.http.fault,envoy.filters.http.router" {
		t.Fatalf("http filters %s", got)
	}
	rb := unpack(t, h.HttpFilters[0].GetTypedConfig(), &rbachttpv3.RBAC{})
	if rb.Rules.Action != rbacv3.RBAC_ALLOW || rb.Rules.Policies["allow"].Principals[0].GetAuthenticated().GetPrincipalName().GetExact() != "spiffe://default/web" {
		t.Fatalf("rbac %v", rb)
	}
	f := unpack(t, h.HttpFilters[1].GetTypedConfig(), &faultv3.HTTPFault{})
	if f.Abort.GetHttpStatus() != 503 || f.Abort.Percentage.Numerator != 125000 || f.Delay.GetFixedDelay().AsDuration().Milliseconds() != 100 {
		t.Fatalf("fault %v", f)
	}
	if len(r.Secrets) != 2 || r.Secrets[0].Name != "identity" || r.Secrets[1].Name != "mesh_ca" {
		t.Fatalf("secrets %v", r.Secrets)
	}
}

func TestSidecarWebOutbound(t *testing.T) {
	rs := xdstest.Decode(t, xdstest.MeshYAML)
	r := generate(t, rs, resource.KindDataplane, "web-1")
	listener(t, r, "outbound:http")
	tcp := listener(t, r, "outbound:db:15432")
	if tp := unpack(t, tcp.FilterChains[0].Filters[0].GetTypedConfig(), &tcpv3.TcpProxy{}); tp.GetCluster() != "db" {
		t.Fatalf("tcp outbound to %q", tp.GetCluster())
	}
	if len(r.Routes) != 1 || r.Routes[0].Name != "outbound" {
		t.Fatalf("routes %v", r.Routes)
	}
	var vh []string
	for _, v := range r.Routes[0].VirtualHosts {
		vh = append(vh, v.Name)
	}
	if got := strings.Join(vh, ","); got != "backend,cache,db,web" {
		t.Fatalf("virtual hosts %s", got)
	}
	be := r.Routes[0].VirtualHosts[0]
	if pm := xds.PoliciesOf(be.Metadata); len(pm) != 3 {
		t.Fatalf("virtual host policies %v", pm)
	}
	if _, ok := xds.PoliciesOf(be.Metadata)["Retry/backend"]; !ok {
		t.Fatalf("virtual host policies %v", xds.PoliciesOf(be.Metadata))
	}
	if len(be.Routes) != 2 || be.Routes[0].GetRoute().GetCluster() != "backend~v2" {
		t.Fatalf("backend routes %v", be.Routes)
	}
	wc := be.Routes[1].GetRoute().GetWeightedClusters().GetClusters()
	if len(wc) != 3 || wc[2].Name != "backend@zone-2" || wc[0].Weight.GetValue() != 80 {
		t.Fatalf("split %v", wc)
	}
	if a := be.Routes[1].GetRoute(); a.Timeout.AsDuration().Seconds() != 3 || a.RetryPolicy.GetNumRetries().GetValue() != 3 || a.RetryPolicy.RetryOn != "5xx,reset" {
		t.Fatalf("timeout/retry %v", a)
	}

	c, cla := cluster(t, r, "backend")
	ut := unpack(t, c.TransportSocket.GetTypedConfig(), &tlsv3.UpstreamTlsContext{})
	if ut.Sni != "backend.default.mesh" {
		t.Fatalf("sni %q", ut.Sni)
	}
	san := ut.CommonTlsContext.GetCombinedValidationContext().DefaultValidationContext.MatchTypedSubjectAltNames[0]
	if san.Matcher.GetExact() != "spiffe://default/backend" {
		t.Fatalf("san %v", san)
	}
	if c.ConnectTimeout.AsDuration().Seconds() != 2 || c.OutlierDetection.Consecutive_5Xx.GetValue() != 5 || c.HealthChecks[0].GetHttpHealthCheck().Path != "/ready" {
		t.Fatalf("cluster policies %v", c)
	}
	// local first, then the failover order zone-3, zone-2; spill at 50% healthy
	if cla.Policy.OverprovisioningFactor.GetValue() != 200 {
		t.Fatalf("overprovisioning %v", cla.Policy)
	}
	var got []string
	for _, le := range cla.Endpoints {
		got = append(got, le.Locality.Zone+"="+string(rune('0'+le.Priority)))
	}
	if strings.Join(got, ",") != "zone-1=0,zone-3=1,zone-2=2" {
		t.Fatalf("priorities %v", got)
	}
	if n := len(cla.Endpoints[0].LbEndpoints); n != 2 {
		t.Fatalf("local endpoints %d", n)
	}
	if w := cla.Endpoints[2].LbEndpoints[0].LoadBalancingWeight.GetValue(); w != 3 {
		t.Fatalf("zone-2 ingress weight %d", w)
	}
	_, v2 := cluster(t, r, "backend~v2")
	if v2.Endpoints[0].LbEndpoints[0].HealthStatus.String() != "UNHEALTHY" {
		t.Fatalf("not-ready backend-2 is %v", v2.Endpoints[0].LbEndpoints[0].HealthStatus)
	}
	_, z2 := cluster(t, r, "backend@zone-2")
	if len(z2.Endpoints) != 1 || z2.Endpoints[0].Locality.Zone != "zone-2" {
		t.Fatalf("zone split CLA %v", z2)
	}
	c2, _ := cluster(t, r, "backend~v2")
	if s := unpack(t, c2.TransportSocket.GetTypedConfig(), &tlsv3.UpstreamTlsContext{}).Sni; s != "v2.backend.default.mesh" {
		t.Fatalf("subset sni %q", s)
	}
}

func TestTCPInboundDenyWins(t *testing.T) {
	rs := xdstest.Decode(t, xdstest.MeshYAML)
	r := generate(t, rs, resource.KindDataplane, "db-1")
	fs := listener(t, r, "inbound:127.0.0.5:20003").FilterChains[0].Filters
	if len(fs) != 2 {
		t.Fatalf("filters %v", fs)
	}
	rb := unpack(t, fs[0].GetTypedConfig(), &rbacnetv3.RBAC{})
	// allow "*" and deny cache folds into a DENY of cache
	if rb.Rules.Action != rbacv3.RBAC_DENY || rb.Rules.Policies["deny"].Principals[0].GetAuthenticated().GetPrincipalName().GetExact() != "spiffe://default/cache" {
		t.Fatalf("rbac %v", rb.Rules)
	}
}

func TestNoPermissionDenies(t *testing.T) {
	rs := xdstest.Decode(t, xdstest.MeshYAML)
	var kept []*resource.Resource
	for _, r := range rs {
		if r.Kind != resource.KindTrafficPermission {
			kept = append(kept, r)
		}
	}
	r := generate(t, kept, resource.KindDataplane, "backend-1")
	h := unpack(t, r.Listeners[0].FilterChains[0].Filters[0].GetTypedConfig(), &hcmv3.HttpConnectionManager{})
	rb := unpack(t, h.HttpFilters[0].GetTypedConfig(), &rbachttpv3.RBAC{})
	if rb.Rules == nil || rb.Rules.Action != rbacv3.RBAC_ALLOW || len(rb.Rules.Policies) != 0 {
		t.Fatalf("want deny-all (ALLOW with no policy), got %v", rb.Rules)
	}
}

func TestNoMTLS(t *testing.T) {
	rs := xdstest.Decode(t, xdstest.MeshYAML)
	rs[0].Spec.(*resource.MeshSpec).MTLS.Enabled = false
	r := generate(t, rs, resource.KindDataplane, "web-1")
	if len(r.Secrets) != 0 {
		t.Fatal("secrets without mTLS")
	}
	for _, c := range r.Clusters {
		if c.TransportSocket != nil {
			t.Fatalf("cluster %s has TLS without mTLS", c.Name)
		}
	}
	if listener(t, r, "inbound:127.0.0.2:20001").FilterChains[0].TransportSocket != nil {
		t.Fatal("inbound TLS without mTLS")
	}
}

func TestIngress(t *testing.T) {
	rs := xdstest.Decode(t, xdstest.MeshYAML)
	r := generate(t, rs, resource.KindZoneIngress, "ingress-1")
	l := listener(t, r, "ingress")
	if len(l.ListenerFilters) != 1 {
		t.Fatal("no tls_inspector")
	}
	var snis []string
	for _, fc := range l.FilterChains {
		snis = append(snis, fc.FilterChainMatch.ServerNames[0])
		if fc.TransportSocket != nil {
			t.Fatal("ingress terminates TLS")
		}
	}
	want := "backend.default.mesh,v1.backend.default.mesh,v2.backend.default.mesh,db.default.mesh,web.default.mesh,v1.web.default.mesh"
	if got := strings.Join(snis, ","); got != want {
		t.Fatalf("SNIs\n got %s\nwant %s", got, want)
	}
	for _, c := range r.Clusters {
		if c.TransportSocket != nil {
			t.Fatalf("ingress cluster %s has a transport socket", c.Name)
		}
	}
	_, cla := cluster(t, r, "backend.default.mesh")
	if len(cla.Endpoints) != 1 || cla.Endpoints[0].Locality.Zone != "zone-1" {
		t.Fatalf("ingress CLA must list only local instances: %v", cla)
	}
}

// TestValidateCatchesInvalidAny puts an HCM with an empty stat_prefix inside a listener: the
// listener alone passes ValidateAll, Validate must not.
func TestValidateCatchesInvalidAny(t *testing.T) {
	rs := xdstest.Decode(t, xdstest.MeshYAML)
	r := generate(t, rs, resource.KindDataplane, "backend-1")
	l := listener(t, r, "inbound:127.0.0.3:20002")
	h := unpack(t, l.FilterChains[0].Filters[0].GetTypedConfig(), &hcmv3.HttpConnectionManager{})
	h.StatPrefix = ""
	a, _ := anypb.New(h)
	l.FilterChains[0].Filters[0].ConfigType = &listenerv3.Filter_TypedConfig{TypedConfig: a}
	if err := l.ValidateAll(); err != nil {
		t.Fatalf("premise: listener alone should pass ValidateAll, got %v", err)
	}
	err := xds.Validate(r)
	if err == nil || !strings.Contains(err.Error(), "StatPrefix") {
		t.Fatalf("invalid HCM inside an Any not caught: %v", err)
	}
	// one level deeper: an RBAC filter config inside the HCM inside the listener
	h.StatPrefix = "x"
	h.HttpFilters[0].ConfigType = &hcmv3.HttpFilter_TypedConfig{TypedConfig: mustAny(t, &rbachttpv3.RBAC{Rules: &rbacv3.RBAC{Action: 99}})}
	l.FilterChains[0].Filters[0].ConfigType = &listenerv3.Filter_TypedConfig{TypedConfig: mustAny(t, h)}
	if err := xds.Validate(r); err == nil || !strings.Contains(err.Error(), "Action") {
		t.Fatalf("invalid RBAC two Anys deep not caught: %v", err)
	}
}

func mustAny(t *testing.T, m proto.Message) *anypb.Any {
	a, err := anypb.New(m)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestValidateConsistency(t *testing.T) {
	rs := xdstest.Decode(t, xdstest.MeshYAML)
	r := generate(t, rs, resource.KindDataplane, "web-1")
	r.Endpoints = r.Endpoints[1:]
	if err := xds.Validate(r); err == nil || !strings.Contains(err.Error(), "consistent") {
		t.Fatalf("missing CLA not caught: %v", err)
	}
	r, err := xds.Generate(inputs(t, rs), xdstest.Find(rs, resource.KindDataplane, "web-1"))
	if err != nil {
		t.Fatal(err)
	}
	r.Routes[0].VirtualHosts[0].Routes[0].GetRoute().ClusterSpecifier = nil
	if err := xds.Validate(r); err == nil {
		t.Fatal("route without a cluster passed")
	}
}

func TestHashStable(t *testing.T) {
	rs := xdstest.Decode(t, xdstest.MeshYAML)
	in := inputs(t, rs)
	p := xdstest.Find(rs, resource.KindDataplane, "web-1")
	a, _ := xds.Generate(in, p)
	b, _ := xds.Generate(in, p)
	if a.Hash() != b.Hash() {
		t.Fatal("same inputs, different hash")
	}
	xdstest.Find(rs, resource.KindTimeout, "all").Spec.(*resource.TimeoutSpec).Request = resource.D(9e9)
	c, _ := xds.Generate(xds.NewInputs(xdstest.Zone, rs, in.Certs), p)
	if c.Hash() == a.Hash() {
		t.Fatal("timeout change did not change the hash")
	}
}
