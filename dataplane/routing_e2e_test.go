package dataplane_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	resourcev3 "github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/dataplane"
	"github.com/zonemesh/zonemesh/dataplane/dptest"
	"github.com/zonemesh/zonemesh/dataplane/echo"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// caller is one sidecar (zone-a) in a mesh without mTLS whose clusters point straight at echo
// instances: routing and load-balancing behaviour without the cost of TLS.
type caller struct {
	cp  *dptest.Server
	a   *dataplane.Agent
	out string
}

func newCaller(t testing.TB) *caller {
	return &caller{cp: dptest.Start(t), out: freeAddr(t, "127.0.0.4")}
}

// set installs the caller's snapshot (outbound:http + the given routes, clusters and CLAs) and
// waits until it is applied.
func (c *caller) set(t testing.TB, version string, routes []*routev3.Route, clusters []*clusterv3.Cluster, s snap) {
	t.Helper()
	s = s.add(resourcev3.ListenerType, dptest.OutboundHTTP(c.out)).
		add(resourcev3.RouteType, dptest.OutboundRoutes(dptest.VHost("echo", routes...))).add(resourcev3.SecretType)
	for _, cl := range clusters {
		s = s.add(resourcev3.ClusterType, cl)
	}
	c.cp.Set(t, meshName+".web-1", version, s)
	if c.a == nil {
		c.a = startDP(t, c.cp, resource.KindDataplane, "web-1", "zone-a")
	}
	waitApplied(t, c.a, version)
}

var plain = dptest.Mesh{Name: meshName}

func TestWeightedSplitAndHeaderMatch(t *testing.T) {
	v1 := startEcho(t, "127.0.0.1", echo.Identity{Service: "echo", Version: "v1", Zone: "zone-a"})
	v2 := startEcho(t, "127.0.0.1", echo.Identity{Service: "echo", Version: "v2", Zone: "zone-a"})
	c := newCaller(t)
	c.set(t, "1",
		[]*routev3.Route{
			dptest.Route(dptest.RouteOpts{Prefix: "/", Headers: map[string]string{"x-version": "v2"}, Cluster: "echo~v2"}),
			dptest.Route(dptest.RouteOpts{Path: "/only-v1", Cluster: "echo~v1"}),
			dptest.Route(dptest.RouteOpts{Prefix: "/", Weighted: map[string]uint32{"echo~v1": 90, "echo~v2": 10}}),
		},
		[]*clusterv3.Cluster{plain.Cluster(dptest.ClusterOpts{Name: "echo~v1"}), plain.Cluster(dptest.ClusterOpts{Name: "echo~v2"})},
		snap{}.add(resourcev3.EndpointType,
			dptest.CLA("echo~v1", 0, dptest.Locality{Zone: "zone-a", Endpoints: []dptest.Endpoint{{Addr: v1.Addr()}}}),
			dptest.CLA("echo~v2", 0, dptest.Locality{Zone: "zone-a", Endpoints: []dptest.Endpoint{{Addr: v2.Addr()}}})))
	hc := newClient()
	const n = 2000
	got := map[string]int{}
	for i := 0; i < n; i++ {
		code, _, rep := call(t, hc, c.out, "echo.mesh", "/split", nil)
		if code != http.StatusOK {
			t.Fatalf("request %d: status %d", i, code)
		}
		got[rep.Version]++
	}
	share := float64(got["v2"]) * 100 / n
	t.Logf("v1 %d, v2 %d of %d (v2 %.1f%%)", got["v1"], got["v2"], n, share)
	if share < 7 || share > 13 {
		t.Fatalf("v2 took %.1f%% of %d requests, want 10 ± 3", share, n)
	}
	for i := 0; i < 20; i++ {
		if _, _, rep := call(t, hc, c.out, "echo.mesh:80", "/x", map[string]string{"x-version": "v2"}); rep.Version != "v2" {
			t.Fatalf("header match sent x-version: v2 to %q", rep.Version)
		}
		if _, _, rep := call(t, hc, c.out, "echo", "/only-v1", nil); rep.Version != "v1" {
			t.Fatalf("exact path /only-v1 went to %q", rep.Version)
		}
	}
	if code, _, _ := call(t, hc, c.out, "unknown.mesh", "/", nil); code != http.StatusNotFound {
		t.Fatalf("unknown host: status %d, want 404", code)
	}
}

// zoneShare sends n requests and returns how many each zone answered; every answer must be 200.
func zoneShare(t testing.TB, hc *http.Client, out string, n int) map[string]int {
	t.Helper()
	got := map[string]int{}
	for i := 0; i < n; i++ {
		code, _, rep := call(t, hc, out, "echo.mesh", "/", nil)
		if code != http.StatusOK {
			t.Fatalf("request %d: status %d", i, code)
		}
		got[rep.Zone]++
	}
	return got
}

func TestLocalityPriorityFailoverAndBack(t *testing.T) {
	local := startEcho(t, "127.0.0.1", echo.Identity{Service: "echo", Zone: "zone-a"})
	remote := startEcho(t, "127.0.0.1", echo.Identity{Service: "echo", Zone: "zone-b"})
	localAddr := local.Addr()
	od := &clusterv3.OutlierDetection{Consecutive_5Xx: wrapperspb.UInt32(2), Interval: durationpb.New(time.Second),
		BaseEjectionTime: durationpb.New(200 * time.Millisecond)}
	routes := []*routev3.Route{dptest.Route(dptest.RouteOpts{Prefix: "/", Cluster: "echo", Retries: 3})}
	clusters := []*clusterv3.Cluster{plain.Cluster(dptest.ClusterOpts{Name: "echo", Outlier: od})}
	cla := func(localUnhealthy bool) snap {
		return snap{}.add(resourcev3.EndpointType, dptest.CLA("echo", 0,
			dptest.Locality{Zone: "zone-a", Priority: 0, Endpoints: []dptest.Endpoint{{Addr: localAddr, Unhealthy: localUnhealthy}}},
			dptest.Locality{Zone: "zone-b", Priority: 1, Endpoints: []dptest.Endpoint{{Addr: remote.Addr()}}}))
	}
	c := newCaller(t)
	c.set(t, "1", routes, clusters, cla(false))
	hc := newClient()
	if got := zoneShare(t, hc, c.out, 300); got["zone-a"] < 297 {
		t.Fatalf("healthy local zone: %v, want ≥ 99%% zone-a", got)
	}
	// The control plane marks the local endpoint unhealthy: everything spills to priority 1.
	c.set(t, "2", routes, clusters, cla(true))
	if got := zoneShare(t, hc, c.out, 100); got["zone-b"] != 100 {
		t.Fatalf("local unhealthy: %v, want all zone-b", got)
	}
	c.set(t, "3", routes, clusters, cla(false))
	if got := zoneShare(t, hc, c.out, 300); got["zone-a"] < 297 {
		t.Fatalf("local healthy again: %v, want ≥ 99%% zone-a", got)
	}
	// The local echo dies: connect failures eject it (outlier detection) and retries hide them.
	local.Close()
	if got := zoneShare(t, hc, c.out, 100); got["zone-b"] != 100 {
		t.Fatalf("local killed: %v, want all zone-b", got)
	}
	cs, _ := c.a.Proxy.Stats()
	if cs[0].Ejections == 0 {
		t.Fatalf("no ejection recorded: %+v", cs[0])
	}
	// It comes back on the same address; after base_ejection_time traffic returns.
	back := echo.New(echo.Identity{Service: "echo", Zone: "zone-a"})
	if err := back.Start(localAddr, ""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { back.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		if _, _, rep := call(t, hc, c.out, "echo.mesh", "/", nil); rep.Zone == "zone-a" {
			break
		}
	}
	if got := zoneShare(t, hc, c.out, 300); got["zone-a"] < 297 {
		t.Fatalf("local back: %v, want ≥ 99%% zone-a", got)
	}
}

func TestTimeoutAndRetries(t *testing.T) {
	e := startEcho(t, "127.0.0.1", echo.Identity{Service: "echo", Zone: "zone-a"})
	c := newCaller(t)
	const timeout = 100 * time.Millisecond
	c.set(t, "1", []*routev3.Route{
		dptest.Route(dptest.RouteOpts{Prefix: "/slow", Cluster: "echo", Timeout: timeout}),
		dptest.Route(dptest.RouteOpts{Prefix: "/retry", Cluster: "echo", Retries: 3}),
		dptest.Route(dptest.RouteOpts{Prefix: "/pertry", Cluster: "echo", Retries: 2, PerTryTimeout: 60 * time.Millisecond, Timeout: 5 * time.Second}),
		dptest.Route(dptest.RouteOpts{Prefix: "/", Cluster: "echo"}),
	}, []*clusterv3.Cluster{plain.Cluster(dptest.ClusterOpts{Name: "echo"})},
		snap{}.add(resourcev3.EndpointType, dptest.CLA("echo", 0, dptest.Locality{Zone: "zone-a", Endpoints: []dptest.Endpoint{{Addr: e.Addr()}}})))
	hc := newClient()
	control := func(path string) {
		resp, err := http.Post("http://"+e.Addr()+path, "text/plain", nil)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("control %s: %v %v", path, err, resp)
		}
		resp.Body.Close()
	}
	control("/_control/delay?delay=400ms")
	start := time.Now()
	code, _, _ := call(t, hc, c.out, "echo.mesh", "/slow", nil)
	if elapsed := time.Since(start); code != http.StatusGatewayTimeout || elapsed < timeout {
		t.Fatalf("slow upstream: status %d after %v, want 504 after ≥ %v", code, elapsed, timeout)
	}
	// Every try exceeds its per-try timeout: three tries, then 504.
	before, _ := c.a.Proxy.Stats()
	start = time.Now()
	code, _, _ = call(t, hc, c.out, "echo.mesh", "/pertry", nil)
	after, _ := c.a.Proxy.Stats()
	if elapsed := time.Since(start); code != http.StatusGatewayTimeout || elapsed < 3*60*time.Millisecond || after[0].Retries-before[0].Retries != 2 {
		t.Fatalf("per-try timeouts: status %d after %v with %d retries, want 504 after ≥ 180ms with 2", code, elapsed, after[0].Retries-before[0].Retries)
	}
	control("/_control/reset")
	// The app may speak HTTP/2 without TLS (prior knowledge) to its sidecar.
	var protos http.Protocols
	protos.SetUnencryptedHTTP2(true)
	h2c := &http.Client{Transport: &http.Transport{Protocols: &protos}, Timeout: 5 * time.Second}
	req, _ := http.NewRequest(http.MethodGet, "http://"+c.out+"/h2c", nil)
	req.Host = "echo.mesh"
	resp, err := h2c.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK || resp.ProtoMajor != 2 {
		t.Fatalf("h2c request: %v %v", err, resp)
	}
	resp.Body.Close()
	control("/_control/fail?share=0.5&code=503")
	ok := 0
	const n = 200
	for i := 0; i < n; i++ {
		if code, _, _ := call(t, hc, c.out, "echo.mesh", "/retry", nil); code == http.StatusOK {
			ok++
		}
	}
	if ok < n*99/100 {
		t.Fatalf("with 3 retries %d/%d succeeded, want ≥ 99%%", ok, n)
	}
	plainOK := 0
	for i := 0; i < n; i++ {
		if code, _, _ := call(t, hc, c.out, "echo.mesh", "/plain", nil); code == http.StatusOK {
			plainOK++
		}
	}
	if plainOK > n*6/10 {
		t.Fatalf("without retries %d/%d succeeded: the echo is not failing half", plainOK, n)
	}
	if cs, _ := c.a.Proxy.Stats(); cs[0].Retries == 0 || cs[0].Timeouts == 0 {
		t.Fatalf("stats do not show retries and timeouts: %+v", cs[0])
	}
}

func TestUnsupportedConfigIsNackedAndOldConfigServes(t *testing.T) {
	e := startEcho(t, "127.0.0.1", echo.Identity{Service: "echo", Zone: "zone-a"})
	c := newCaller(t)
	routes := []*routev3.Route{dptest.Route(dptest.RouteOpts{Prefix: "/", Cluster: "echo"})}
	eds := snap{}.add(resourcev3.EndpointType, dptest.CLA("echo", 0, dptest.Locality{Zone: "zone-a", Endpoints: []dptest.Endpoint{{Addr: e.Addr()}}}))
	c.set(t, "1", routes, []*clusterv3.Cluster{plain.Cluster(dptest.ClusterOpts{Name: "echo"})}, eds)
	hc := newClient()
	if code, _, _ := call(t, hc, c.out, "echo.mesh", "/", nil); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	bad := plain.Cluster(dptest.ClusterOpts{Name: "echo"})
	bad.LbPolicy = clusterv3.Cluster_MAGLEV
	s := snap{}.add(resourcev3.ListenerType, dptest.OutboundHTTP(c.out)).
		add(resourcev3.RouteType, dptest.OutboundRoutes(dptest.VHost("echo", routes...))).
		add(resourcev3.ClusterType, bad).add(resourcev3.SecretType)
	s[resourcev3.EndpointType] = eds[resourcev3.EndpointType]
	c.cp.Set(t, meshName+".web-1", "2", s)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	nack, ok := c.cp.WaitNack(ctx, resourcev3.ClusterType)
	if !ok {
		t.Fatal("no NACK for the MAGLEV cluster")
	}
	if !strings.Contains(nack.Message, "lb_policy") || nack.Version != "1" {
		t.Fatalf("NACK %+v: want the field named and the last applied version 1", nack)
	}
	for _, st := range c.a.ADS.Status() {
		if st.TypeURL == resourcev3.ClusterType && (st.Version != "1" || !strings.Contains(st.Nack, "lb_policy")) {
			t.Fatalf("cluster status %+v", st)
		}
	}
	for i := 0; i < 20; i++ {
		if code, _, _ := call(t, hc, c.out, "echo.mesh", "/", nil); code != http.StatusOK {
			t.Fatalf("after NACK: status %d", code)
		}
	}
}

func TestActiveHealthCheck(t *testing.T) {
	local := startEcho(t, "127.0.0.1", echo.Identity{Service: "echo", Zone: "zone-a"})
	remote := startEcho(t, "127.0.0.1", echo.Identity{Service: "echo", Zone: "zone-b"})
	c := newCaller(t)
	hcheck := dptest.HTTPHealthCheck("/ready", 20*time.Millisecond, 1, 1)
	c.set(t, "1", []*routev3.Route{dptest.Route(dptest.RouteOpts{Prefix: "/", Cluster: "echo"})},
		[]*clusterv3.Cluster{plain.Cluster(dptest.ClusterOpts{Name: "echo", HealthCheck: hcheck})},
		snap{}.add(resourcev3.EndpointType, dptest.CLA("echo", 0,
			dptest.Locality{Zone: "zone-a", Priority: 0, Endpoints: []dptest.Endpoint{{Addr: local.Addr()}}},
			dptest.Locality{Zone: "zone-b", Priority: 1, Endpoints: []dptest.Endpoint{{Addr: remote.Addr()}}})))
	hc := newClient()
	until := func(zone string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for ctx.Err() == nil {
			if _, _, rep := call(t, hc, c.out, "echo.mesh", "/", nil); rep.Zone == zone {
				return
			}
		}
		t.Fatalf("traffic never reached %s", zone)
	}
	until("zone-a")
	local.Reset()
	resp, err := http.Post("http://"+local.Addr()+"/_control/ready?value=false", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	until("zone-b") // the health check failed the local endpoint
	if got := zoneShare(t, hc, c.out, 50); got["zone-b"] != 50 {
		t.Fatalf("local not ready: %v", got)
	}
	cs, _ := c.a.Proxy.Stats()
	for _, e := range cs[0].Endpoints {
		if e.Zone == "zone-a" && !e.HCFailed {
			t.Fatalf("local endpoint not marked by the health check: %+v", e)
		}
	}
	local.Reset()
	until("zone-a")
}
