package fakeproxy_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	resourcev3 "github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/xds"
	"github.com/zonemesh/zonemesh/controlplane/xds/server/servertest"
	"github.com/zonemesh/zonemesh/controlplane/xds/xdstest"
	"github.com/zonemesh/zonemesh/harness/fakeproxy"
)

const zone = "zone-1"

func seed(t testing.TB) []*resource.Resource {
	return []*resource.Resource{
		{Kind: resource.KindMesh, Meta: resource.Meta{Name: "default"}, Spec: &resource.MeshSpec{MTLS: resource.MTLS{Enabled: true}}},
		xdstest.MeshCA(t, "default"),
		permission("allow-all", "*"),
	}
}

func permission(name, dest string) *resource.Resource {
	return &resource.Resource{Kind: resource.KindTrafficPermission, Meta: resource.Meta{Mesh: "default", Name: name},
		Spec: &resource.TrafficPermissionSpec{Destination: resource.Selector{Service: dest},
			Sources: []resource.Selector{{Service: "*"}}, Action: resource.ActionAllow}}
}

func startFleet(t *testing.T, env *servertest.Env, n, services int) *fakeproxy.Fleet {
	t.Helper()
	f, err := fakeproxy.StartFleet(context.Background(), fakeproxy.FleetConfig{
		Addr: env.Addr, TLS: env.ClientTLS(), Zone: zone, PerConn: 8,
		Proxies: fakeproxy.SidecarResources("default", "dp", n, services),
		Token:   func(r *resource.Resource) (string, error) { return env.Token(t, r.Mesh, r.Name), nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, p := range f.Proxies() {
		select {
		case <-p.Ready():
		case <-ctx.Done():
			t.Fatalf("%s never got every type: %+v", p.ID(), p.Status(true))
		}
	}
	converge(t, env, f)
	return f
}

// converge waits until the server has generated everything up to the store's revision and
// every proxy holds the listeners version the server last set for it.
func converge(t testing.TB, env *servertest.Env, f *fakeproxy.Fleet) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := env.Server.WaitRevision(ctx, env.Store.Revision()); err != nil {
		t.Fatal(err)
	}
	byID := map[string]*fakeproxy.Proxy{}
	for _, p := range f.Proxies() {
		byID[p.ID()] = p
	}
	for _, ps := range env.Server.Proxies() {
		if p := byID[ps.ID]; p != nil {
			if err := p.WaitVersion(ctx, resourcev3.ListenerType, ps.Version); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestFleetConvergesAndPolicyReachesEveryProxy(t *testing.T) {
	env := servertest.Start(t, zone, seed(t))
	f := startFleet(t, env, 20, 4)

	for _, p := range f.Proxies() {
		st := p.Status(false)
		if !st.Connected || st.Latest["secrets"].Resources != 2 || st.Latest["endpoints"].Resources != 4 || st.Latest["routes"].Resources != 1 {
			t.Fatalf("%s: %+v", p.ID(), st)
		}
	}
	if n := len(env.Server.Proxies()); n != 20 {
		t.Fatalf("server sees %d proxies", n)
	}

	w := f.Watches.Watch(xds.PolicyKey(resource.KindTimeout, "slow"), 1)
	tm := &resource.Resource{Kind: resource.KindTimeout, Meta: resource.Meta{Mesh: "default", Name: "slow"},
		Spec: &resource.TimeoutSpec{Destination: resource.Selector{Service: "*"}, Request: resource.D(42 * time.Second)}}
	if _, err := env.Store.Put(context.Background(), tm); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := w.Wait(ctx, 20); err != nil {
		t.Fatalf("policy reached %d of 20 proxies: %v", len(w.Seen()), err)
	}
	// Every proxy ACKed what it was sent.
	for _, ps := range env.Server.Proxies() {
		for typ, ts := range ps.Types {
			if ts.Nacked != "" {
				t.Fatalf("%s NACKed %s: %s", ps.ID, typ, ts.NackError)
			}
		}
	}

	mfs, err := env.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			got[mf.GetName()] = m.GetGauge().GetValue() + m.GetCounter().GetValue() + float64(m.GetHistogram().GetSampleCount())
		}
	}
	if got["zonemesh_xds_connected_proxies"] != 20 || got["zonemesh_xds_pushes_total"] < 20 ||
		got["zonemesh_xds_generations_total"] < 20 || got["zonemesh_xds_generation_seconds"] < 1 || got["zonemesh_xds_nacks_total"] != 0 {
		t.Fatalf("metrics %v", got)
	}

	srv := httptest.NewServer(f.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/status")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `"id":"default.dp-19"`) {
		t.Fatalf("status: %s", b)
	}
}

// TestOnlyAffectedProxiesGetNewVersions changes the permission of one service: only its
// proxies may get a new snapshot.
func TestOnlyAffectedProxiesGetNewVersions(t *testing.T) {
	env := servertest.Start(t, zone, seed(t))
	f := startFleet(t, env, 12, 3)
	before := map[string]string{}
	for _, ps := range env.Server.Proxies() {
		before[ps.ID] = ps.Version
	}
	w := f.Watches.Watch(xds.PolicyKey(resource.KindTrafficPermission, "svc-1-only"), 1)
	if _, err := env.Store.Put(context.Background(), permission("svc-1-only", "svc-1")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := w.Wait(ctx, 4); err != nil {
		t.Fatal(err)
	}
	converge(t, env, f)
	for id := range w.Seen() {
		if !strings.HasPrefix(id, "default.dp-") {
			t.Fatalf("unexpected proxy %s", id)
		}
	}
	rev := env.Store.Revision()
	for _, ps := range env.Server.Proxies() {
		var i int
		fmt.Sscanf(ps.Name, "dp-%d", &i)
		changed := ps.Version != before[ps.ID]
		if affected := i%3 == 1; changed != affected {
			t.Errorf("%s (svc-%d): version %s → %s; affected=%v", ps.ID, i%3, before[ps.ID], ps.Version, affected)
		}
		if changed && !strings.HasSuffix(ps.Version, "."+fmt.Sprint(rev)) {
			t.Errorf("%s: version %s, want the store revision %d", ps.ID, ps.Version, rev)
		}
	}
	for _, p := range f.Proxies() {
		var i int
		fmt.Sscanf(p.ID(), "default.dp-%d", &i)
		if got := p.Version(resourcev3.ListenerType); strings.HasSuffix(got, "."+fmt.Sprint(rev)) != (i%3 == 1) {
			t.Errorf("%s has listeners version %s", p.ID(), got)
		}
	}

	// A route for a service nobody can reach concerns every caller of the mesh, so every proxy
	// is regenerated, but no config changes: no proxy may get a new snapshot.
	before = map[string]string{}
	for _, ps := range env.Server.Proxies() {
		before[ps.ID] = ps.Version
	}
	ghost := &resource.Resource{Kind: resource.KindHTTPRoute, Meta: resource.Meta{Mesh: "default", Name: "ghost"},
		Spec: &resource.HTTPRouteSpec{Destination: resource.Selector{Service: "ghost"},
			Rules: []resource.RouteRule{{Split: []resource.RouteSplit{{Version: "v2", Weight: 1}}}}}}
	if _, err := env.Store.Put(context.Background(), ghost); err != nil {
		t.Fatal(err)
	}
	if err := env.Server.WaitRevision(ctx, env.Store.Revision()); err != nil {
		t.Fatal(err)
	}
	for _, ps := range env.Server.Proxies() {
		if ps.Version != before[ps.ID] {
			t.Errorf("%s got version %s for an unchanged config", ps.ID, ps.Version)
		}
	}
}

func TestBadTokenRefused(t *testing.T) {
	env := servertest.Start(t, zone, seed(t))
	conn, err := grpc.NewClient(env.Addr, grpc.WithTransportCredentials(credentials.NewTLS(env.ClientTLS())))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	dp := fakeproxy.SidecarResources("default", "dp", 1, 1)[0]
	for name, tok := range map[string]string{
		"other dataplane's token": env.Token(t, "default", "someone-else"),
		"garbage":                 "not-a-token",
	} {
		p, err := fakeproxy.New(fakeproxy.Options{Conn: conn, Token: tok, Zone: zone, Resource: dp})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err = p.Run(ctx)
		cancel()
		if status.Code(err) != codes.PermissionDenied && !strings.Contains(fmt.Sprint(err), "PermissionDenied") {
			t.Fatalf("%s: got %v, want PermissionDenied", name, err)
		}
	}
	if n := len(env.Server.Proxies()); n != 0 {
		t.Fatalf("%d proxies registered with bad tokens", n)
	}
}
