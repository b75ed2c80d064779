package config_test

import (
	"strings"
	"testing"
	"time"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	faultcommonv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/common/fault/v3"
	faultv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/fault/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	"github.com/zonemesh/zonemesh/dataplane/config"
	"github.com/zonemesh/zonemesh/dataplane/dptest"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

var mesh = dptest.Mesh{Name: "default", MTLS: true}

func TestNackNamesTheField(t *testing.T) {
	maglev := mesh.Cluster(dptest.ClusterOpts{Name: "echo", Service: "echo"})
	maglev.LbPolicy = clusterv3.Cluster_MAGLEV
	dns := mesh.Cluster(dptest.ClusterOpts{Name: "echo", Service: "echo"})
	dns.ClusterDiscoveryType = &clusterv3.Cluster_Type{Type: clusterv3.Cluster_STRICT_DNS}
	circuit := mesh.Cluster(dptest.ClusterOpts{Name: "echo", Service: "echo"})
	circuit.CircuitBreakers = &clusterv3.CircuitBreakers{}
	invalid := mesh.Cluster(dptest.ClusterOpts{Name: "echo", Service: "echo"})
	invalid.ConnectTimeout = durationpb.New(-time.Second)
	for _, tc := range []struct {
		c    *clusterv3.Cluster
		want string
	}{
		{maglev, `cluster "echo".lb_policy: MAGLEV not supported`},
		{dns, `cluster "echo".type: STRICT_DNS not supported`},
		{circuit, `cluster "echo".circuit_breakers: not supported`},
		{invalid, `ConnectTimeout`},
	} {
		_, err := config.TranslateClusters(anys(t, []*clusterv3.Cluster{tc.c}))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("err %v, want it to contain %q", err, tc.want)
		}
	}

	// A listener whose HCM (inside an Any) is invalid: PGV on the listener alone would pass it.
	l := dptest.OutboundHTTP("127.0.0.1:1")
	h := &hcmv3.HttpConnectionManager{StatPrefix: "", HttpFilters: nil}
	l.FilterChains[0].Filters[0].ConfigType = &listenerv3.Filter_TypedConfig{TypedConfig: mustAny(t, h)}
	if _, err := config.TranslateListeners(anys(t, []*listenerv3.Listener{l})); err == nil || !strings.Contains(err.Error(), "filters[0]") {
		t.Errorf("invalid HCM inside Any: err %v", err)
	}
	// An unknown HTTP filter.
	l = dptest.OutboundHTTP("127.0.0.1:1")
	h = &hcmv3.HttpConnectionManager{StatPrefix: "x", RouteSpecifier: &hcmv3.HttpConnectionManager_Rds{Rds: &hcmv3.Rds{RouteConfigName: "outbound",
		ConfigSource: dptest.Mesh{}.Cluster(dptest.ClusterOpts{Name: "x"}).GetEdsClusterConfig().GetEdsConfig()}},
		HttpFilters: []*hcmv3.HttpFilter{{Name: "cors", ConfigType: &hcmv3.HttpFilter_TypedConfig{TypedConfig: mustAny(t, &clusterv3.Cluster{Name: "x"})}}}}
	l.FilterChains[0].Filters[0].ConfigType = &listenerv3.Filter_TypedConfig{TypedConfig: mustAny(t, h)}
	if _, err := config.TranslateListeners(anys(t, []*listenerv3.Listener{l})); err == nil || !strings.Contains(err.Error(), "router") {
		t.Errorf("unknown filter: err %v", err)
	}
	// Two listeners on one address.
	if _, err := config.TranslateListeners(anys(t, []*listenerv3.Listener{dptest.OutboundHTTP("127.0.0.1:1"), dptest.OutboundTCP("db", "127.0.0.1:1", "db")})); err == nil ||
		!strings.Contains(err.Error(), "already used") {
		t.Errorf("duplicate address: err %v", err)
	}
	// A route with a redirect action.
	rc := dptest.OutboundRoutes(dptest.VHost("echo", &routev3.Route{Match: &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/"}},
		Action: &routev3.Route_Redirect{Redirect: &routev3.RedirectAction{}}}))
	if _, err := config.TranslateRoutes(anys(t, []*routev3.RouteConfiguration{rc})); err == nil || !strings.Contains(err.Error(), "routes[0].redirect") {
		t.Errorf("redirect: err %v", err)
	}
}

func mustAny(t *testing.T, m proto.Message) *anypb.Any {
	t.Helper()
	a, err := anypb.New(m)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestTranslateInboundAndRoutes(t *testing.T) {
	fault := &faultv3.HTTPFault{
		Abort: &faultv3.FaultAbort{ErrorType: &faultv3.FaultAbort_HttpStatus{HttpStatus: 503},
			Percentage: &typev3.FractionalPercent{Numerator: 125000, Denominator: typev3.FractionalPercent_MILLION}},
		Delay: &faultcommonv3.FaultDelay{FaultDelaySecifier: &faultcommonv3.FaultDelay_FixedDelay{FixedDelay: durationpb.New(100 * time.Millisecond)},
			Percentage: &typev3.FractionalPercent{Numerator: 50, Denominator: typev3.FractionalPercent_HUNDRED}},
	}
	in := dptest.Inbound{Address: "127.0.0.2:20001", App: "127.0.0.1:8080", Service: "echo", RBAC: dptest.AllowFrom("default", "web"), Fault: fault}
	ls, err := config.TranslateListeners(anys(t, []*listenerv3.Listener{mesh.InboundListener(in)}))
	if err != nil {
		t.Fatal(err)
	}
	l := ls[0]
	if l.Name != "inbound:127.0.0.2:20001" || l.Kind != config.KindHTTP || !l.XFCC || l.TLS == nil || !l.TLS.RequireClientCert ||
		l.TLS.SAN[0].Prefix != "spiffe://default/" || l.InlineRoute.VirtualHosts[0].Routes[0].Cluster != "localhost:8080" {
		t.Fatalf("inbound %+v tls %+v", l, l.TLS)
	}
	if l.Fault.AbortPPM != 125000 || l.Fault.AbortStatus != 503 || l.Fault.DelayPPM != 500000 || l.Fault.Delay != 100*time.Millisecond {
		t.Fatalf("fault %+v", l.Fault)
	}
	if ok, _ := l.RBAC.Allowed("spiffe://default/web"); !ok {
		t.Fatal("web denied")
	}
	if ok, _ := l.RBAC.Allowed("spiffe://default/other"); ok {
		t.Fatal("other allowed")
	}
	rc := dptest.OutboundRoutes(dptest.VHost("echo", dptest.Route(dptest.RouteOpts{Prefix: "/", Weighted: map[string]uint32{"echo~v1": 90, "echo~v2": 10},
		Timeout: time.Second, Retries: 3, PerTryTimeout: 200 * time.Millisecond})))
	routes, err := config.TranslateRoutes(anys(t, []*routev3.RouteConfiguration{rc}))
	if err != nil {
		t.Fatal(err)
	}
	r := routes["outbound"].VirtualHosts[0].Routes[0]
	if r.TotalWeight != 100 || r.Timeout != time.Second || r.Retry.NumRetries != 3 || !r.Retry.On5xx || !r.Retry.OnConnectFailure || r.Retry.PerTryTimeout != 200*time.Millisecond {
		t.Fatalf("route %+v retry %+v", r, r.Retry)
	}
	// No timeout set: Envoy's 15s default.
	rc = dptest.OutboundRoutes(dptest.VHost("echo", dptest.Route(dptest.RouteOpts{Prefix: "/", Cluster: "echo"})))
	routes, _ = config.TranslateRoutes(anys(t, []*routev3.RouteConfiguration{rc}))
	if got := routes["outbound"].VirtualHosts[0].Routes[0].Timeout; got != config.DefaultTimeout {
		t.Fatalf("default timeout %v", got)
	}
}

func TestOutlierDefaultsAreEnvoys(t *testing.T) {
	c := mesh.Cluster(dptest.ClusterOpts{Name: "echo", Service: "echo", Outlier: &clusterv3.OutlierDetection{}})
	cs, err := config.TranslateClusters(anys(t, []*clusterv3.Cluster{c}))
	if err != nil {
		t.Fatal(err)
	}
	o := cs["echo"].Outlier
	if o.Consecutive5xx != 5 || o.ConsecutiveGateway != 5 || o.EnforcingGateway != 0 || o.Enforcing5xx != 100 ||
		o.BaseEjectionTime != 30*time.Second || o.MaxEjectionPercent != 10 {
		t.Fatalf("defaults %+v", o)
	}
	c.OutlierDetection = &clusterv3.OutlierDetection{Consecutive_5Xx: wrapperspb.UInt32(0)}
	cs, _ = config.TranslateClusters(anys(t, []*clusterv3.Cluster{c}))
	if cs["echo"].Outlier.Consecutive5xx != 0 {
		t.Fatal("an explicit 0 was replaced by the default")
	}
	if tls := cs["echo"].TLS; tls.SNI != "echo.default.mesh" || tls.SAN[0].Exact != "spiffe://default/echo" || tls.CertName != "identity" || tls.CAName != "mesh_ca" {
		t.Fatalf("upstream tls %+v", tls)
	}
}
