package dataplane_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	rbacv3 "github.com/envoyproxy/go-control-plane/envoy/config/rbac/v3"
	faultcommonv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/common/fault/v3"
	faultv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/fault/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	resourcev3 "github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/dataplane/ads"
	"github.com/zonemesh/zonemesh/dataplane/dptest"
	"github.com/zonemesh/zonemesh/dataplane/echo"
	"google.golang.org/protobuf/types/known/durationpb"
)

func TestKeepsServingWhileControlPlaneIsDown(t *testing.T) {
	z := newCrossZone(t, dptest.AllowFrom(meshName, "web"))
	hc := newClient()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	z.cp.Stop()
	if err := z.a.ADS.Wait(ctx, func([]ads.TypeStatus) bool { return !z.a.ADS.Connected() }); err != nil {
		t.Fatal("the stream did not notice the control plane went away")
	}
	for i := 0; i < 10; i++ {
		if code, _, rep := call(t, hc, z.outA, "echo.mesh", "/", nil); code != http.StatusOK || rep.Zone != "zone-b" {
			t.Fatalf("control plane down: status %d zone %q", code, rep.Zone)
		}
	}
	z.cp.Restart(t)
	z.setB(t, "2", dptest.AllowFrom(meshName)) // deny everyone from now on
	waitApplied(t, z.b, "2")
	if code, _, _ := call(t, hc, z.outA, "echo.mesh", "/", nil); code != http.StatusForbidden {
		t.Fatalf("after reconnect and a new snapshot: status %d, want 403", code)
	}
}

func TestAdminAPI(t *testing.T) {
	z := newCrossZone(t, dptest.AllowFrom(meshName, "web"))
	call(t, newClient(), z.outA, "echo.mesh", "/", nil)
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + z.a.AdminAddr() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get("/ready"); code != http.StatusOK {
		t.Fatalf("/ready %d", code)
	}
	code, body := get("/config/versions")
	var v struct {
		Connected bool
		Types     []ads.TypeStatus
	}
	if err := json.Unmarshal([]byte(body), &v); code != 200 || err != nil || !v.Connected || len(v.Types) != 5 {
		t.Fatalf("/config/versions %d %v: %s", code, err, body)
	}
	for _, ts := range v.Types {
		if ts.Version != "1" || ts.Received.IsZero() || ts.Applied.Before(ts.Received) {
			t.Fatalf("type status %+v", ts)
		}
	}
	code, body = get("/config_dump")
	if code != 200 || !strings.Contains(body, "outbound:http") || !strings.Contains(body, "certificateChain") || strings.Contains(body, "privateKey") {
		t.Fatalf("/config_dump %d: listener missing or private key shown", code)
	}
	code, body = get("/clusters")
	if code != 200 || !strings.Contains(body, `"name": "echo"`) || !strings.Contains(body, `"healthy": true`) {
		t.Fatalf("/clusters %d: %s", code, body)
	}
	code, body = get("/metrics")
	if code != 200 || !strings.Contains(body, `zonemesh_dp_cluster_responses_total{class="2xx",cluster="echo"} 1`) ||
		!strings.Contains(body, "zonemesh_dp_xds_applied_timestamp_seconds") {
		t.Fatalf("/metrics %d: %s", code, body)
	}
}

// TestTCPAcrossZones: outbound TCP listener → mTLS through the ingress → TCP inbound with
// network RBAC → raw TCP echo; a denied caller's connection is closed.
func TestTCPAcrossZones(t *testing.T) {
	cp := dptest.Start(t)
	ca := dptest.NewCA(t, "mesh CA")
	m := dptest.Mesh{Name: meshName, MTLS: true}
	e := echo.New(echo.Identity{Service: "db", Zone: "zone-b"})
	if err := e.Start("127.0.0.1:0", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	out, inB, ing := freeAddr(t, "127.0.0.4"), freeAddr(t, "127.0.0.2"), freeAddr(t, "127.0.0.3")
	cp.Set(t, meshName+".web-1", "1", snap{}.
		add(resourcev3.ListenerType, dptest.OutboundTCP("db", out, "db")).
		add(resourcev3.ClusterType, m.Cluster(dptest.ClusterOpts{Name: "db", Service: "db"})).
		add(resourcev3.EndpointType, dptest.CLA("db", 0, dptest.Locality{Zone: "zone-b", Endpoints: []dptest.Endpoint{{Addr: ing}}})).
		add(resourcev3.SecretType, secretsOf(ca.Issue(t, dptest.SPIFFE(meshName, "web"), nil, nil), ca)...).add(resourcev3.RouteType))
	setB := func(version string, rbac *rbacv3.RBAC) {
		in := dptest.Inbound{Address: inB, App: e.TCPAddr(), Service: "db", Protocol: "tcp", RBAC: rbac}
		cp.Set(t, meshName+".db-1", version, snap{}.
			add(resourcev3.ListenerType, m.InboundListener(in)).add(resourcev3.ClusterType, dptest.LocalCluster(in)).
			add(resourcev3.SecretType, secretsOf(ca.Issue(t, dptest.SPIFFE(meshName, "db"), nil, nil), ca)...).
			add(resourcev3.RouteType).add(resourcev3.EndpointType))
	}
	setB("1", dptest.AllowFrom(meshName, "web"))
	cp.Set(t, "ingress-b", "1", snap{}.
		add(resourcev3.ListenerType, dptest.IngressListener(ing, map[string]string{m.SNI("db", ""): "db"})).
		add(resourcev3.ClusterType, dptest.IngressCluster("db")).
		add(resourcev3.EndpointType, dptest.CLA("db", 0, dptest.Locality{Zone: "zone-b", Endpoints: []dptest.Endpoint{{Addr: inB}}})).
		add(resourcev3.RouteType).add(resourcev3.SecretType))
	a := startDP(t, cp, resource.KindDataplane, "web-1", "zone-a")
	b := startDP(t, cp, resource.KindDataplane, "db-1", "zone-b")
	ingress := startDP(t, cp, resource.KindZoneIngress, "ingress-b", "zone-b")
	waitApplied(t, a, "1")
	waitApplied(t, b, "1")
	waitApplied(t, ingress, "1")

	conn, err := net.Dial("tcp", out)
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	rd := bufio.NewReader(conn)
	for _, line := range []string{"hello\n", "across zones\n"} {
		io.WriteString(conn, line)
		got, err := rd.ReadString('\n')
		if err != nil || got != line {
			t.Fatalf("echo %q: got %q, %v", line, got, err)
		}
	}
	conn.Close()

	setB("2", dptest.AllowFrom(meshName))
	waitApplied(t, b, "2")
	conn, err = net.Dial("tcp", out)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(conn, "denied?\n")
	if got, _ := io.ReadAll(conn); len(got) != 0 {
		t.Fatalf("denied caller got %q back", got)
	}
}

func TestFaultFilter(t *testing.T) {
	e := startEcho(t, "127.0.0.1", echo.Identity{Service: "echo", Zone: "zone-a"})
	cp := dptest.Start(t)
	inAddr := freeAddr(t, "127.0.0.2")
	in := dptest.Inbound{Address: inAddr, App: e.Addr(), Service: "echo", Fault: &faultv3.HTTPFault{
		Abort: &faultv3.FaultAbort{ErrorType: &faultv3.FaultAbort_HttpStatus{HttpStatus: 418},
			Percentage: &typev3.FractionalPercent{Numerator: 100}},
		Delay: &faultcommonv3.FaultDelay{FaultDelaySecifier: &faultcommonv3.FaultDelay_FixedDelay{FixedDelay: durationpb.New(50 * time.Millisecond)},
			Percentage: &typev3.FractionalPercent{Numerator: 100}},
	}}
	cp.Set(t, meshName+".echo-1", "1", snap{}.add(resourcev3.ListenerType, plain.InboundListener(in)).
		add(resourcev3.ClusterType, dptest.LocalCluster(in)).add(resourcev3.RouteType).add(resourcev3.EndpointType).add(resourcev3.SecretType))
	a := startDP(t, cp, resource.KindDataplane, "echo-1", "zone-a")
	waitApplied(t, a, "1")
	start := time.Now()
	code, _, _ := call(t, newClient(), inAddr, "echo", "/", nil)
	if elapsed := time.Since(start); code != 418 || elapsed < 50*time.Millisecond {
		t.Fatalf("fault: status %d after %v, want 418 after ≥ 50ms", code, elapsed)
	}
	if e.Served() != 0 {
		t.Fatal("an aborted request reached the app")
	}
}
