package server_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	resourcev3 "github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	statuspb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
	"github.com/zonemesh/zonemesh/controlplane/xds"
	"github.com/zonemesh/zonemesh/controlplane/xds/server/servertest"
	"github.com/zonemesh/zonemesh/controlplane/xds/xdstest"
)

const zone = xdstest.Zone

// seed is the fixture mesh without its zone-1 dataplanes and ingress (proxies register those).
func seed(t *testing.T) []*resource.Resource {
	var out []*resource.Resource
	for _, r := range xdstest.Decode(t, xdstest.MeshYAML) {
		if r.Origin == zone {
			continue
		}
		out = append(out, r)
	}
	return append(out, xdstest.MeshCA(t, "default"))
}

type stream struct {
	discoveryv3.AggregatedDiscoveryService_StreamAggregatedResourcesClient
	cancel func()
}

func node(t *testing.T, r *resource.Resource) *corev3.Node {
	b, err := resource.MarshalJSON(r)
	if err != nil {
		t.Fatal(err)
	}
	md, _ := structpb.NewStruct(map[string]any{"dataplane": string(b)})
	return &corev3.Node{Id: xds.NodeID(r.Mesh, r.Name), Metadata: md}
}

// open starts an ADS stream for r (token "" sends none) and sends the first CDS request.
func open(t *testing.T, env *servertest.Env, n *corev3.Node, token string) *stream {
	t.Helper()
	conn, err := grpc.NewClient(env.Addr, grpc.WithTransportCredentials(credentials.NewTLS(env.ClientTLS())))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if token != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
	}
	st, err := discoveryv3.NewAggregatedDiscoveryServiceClient(conn).StreamAggregatedResources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s := &stream{st, func() { cancel(); conn.Close() }}
	t.Cleanup(s.cancel)
	// A stream refused at once may report EOF here; Recv then returns the server's status.
	if err := st.Send(&discoveryv3.DiscoveryRequest{Node: n, TypeUrl: resourcev3.ClusterType}); err != nil && !errors.Is(err, io.EOF) {
		t.Fatal(err)
	}
	return s
}

// events returns the store's events from now on.
func events(t *testing.T, st store.Store) <-chan store.Event {
	ch := make(chan store.Event, 1024)
	cancel := st.Subscribe(func(e store.Event) { ch <- e })
	t.Cleanup(cancel)
	return ch
}

// waitEvent waits for an event that satisfies ok.
func waitEvent(t *testing.T, ch <-chan store.Event, what string, ok func(store.Event) bool) store.Event {
	t.Helper()
	timeout := time.NewTimer(30 * time.Second)
	defer timeout.Stop()
	for {
		select {
		case e := <-ch:
			if ok(e) {
				return e
			}
		case <-timeout.C:
			t.Fatalf("no event: %s", what)
		}
	}
}

func TestRegisterServeUnregister(t *testing.T) {
	env := servertest.Start(t, zone, seed(t))
	ch := events(t, env.Store)
	web := xdstest.Find(xdstest.Decode(t, xdstest.MeshYAML), resource.KindDataplane, "web-1")
	web.Origin = ""
	s := open(t, env, node(t, web), env.Token(t, "default", "web-1"))

	e := waitEvent(t, ch, "web-1 registered", func(e store.Event) bool {
		return e.Type == store.Put && e.Resource.Kind == resource.KindDataplane && e.Resource.Name == "web-1"
	})
	if e.Resource.Origin != zone {
		t.Fatalf("registered with origin %q", e.Resource.Origin)
	}
	resp, err := s.Recv()
	if err != nil {
		t.Fatal(err)
	}
	if resp.TypeUrl != resourcev3.ClusterType || len(resp.Resources) == 0 {
		t.Fatalf("first response %s with %d resources", resp.TypeUrl, len(resp.Resources))
	}

	// NACK the clusters, then subscribe to listeners: the server handles a stream's requests in
	// order, so once the listeners arrive the NACK is recorded.
	if err := s.Send(&discoveryv3.DiscoveryRequest{TypeUrl: resourcev3.ClusterType, ResponseNonce: resp.Nonce,
		ErrorDetail: &statuspb.Status{Code: 3, Message: "cluster \"db\": lb_policy MAGLEV not supported"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(&discoveryv3.DiscoveryRequest{TypeUrl: resourcev3.ListenerType}); err != nil {
		t.Fatal(err)
	}
	// Having accepted no version yet, the proxy may get the clusters again before the listeners.
	for i := 0; ; i++ {
		lr, err := s.Recv()
		if err != nil || i == 3 {
			t.Fatalf("no listeners: %v", err)
		}
		if lr.TypeUrl == resourcev3.ListenerType {
			break
		}
	}
	ps := env.Server.Proxies()
	if len(ps) != 1 || ps[0].ID != "default.web-1" {
		t.Fatalf("proxies %+v", ps)
	}
	cs := ps[0].Types["clusters"]
	if cs.Sent != resp.VersionInfo || cs.Nacked != resp.VersionInfo || !strings.Contains(cs.NackError, "MAGLEV") {
		t.Fatalf("clusters status %+v", cs)
	}
	if ps[0].Types["listeners"].Sent == "" {
		t.Fatalf("listeners status %+v", ps[0].Types)
	}

	dump, err := env.Server.ProxyConfig("default", "web-1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(dump), "inbound:127.0.0.2:20001") || !strings.Contains(string(dump), "BEGIN CERTIFICATE") {
		t.Fatalf("dump lacks the inbound listener or the certificate:\n%.2000s", dump)
	}
	if strings.Contains(string(dump), "PRIVATE KEY") || strings.Contains(string(dump), "private_key") {
		t.Fatal("dump leaks the private key")
	}
	if _, err := env.Server.ProxyConfig("default", "nobody"); err == nil {
		t.Fatal("dump of an unknown proxy")
	}

	s.cancel()
	waitEvent(t, ch, "web-1 unregistered", func(e store.Event) bool {
		return e.Type == store.Deleted && e.Resource.Kind == resource.KindDataplane && e.Resource.Name == "web-1"
	})
}

func TestRefusals(t *testing.T) {
	env := servertest.Start(t, zone, seed(t))
	web := xdstest.Find(xdstest.Decode(t, xdstest.MeshYAML), resource.KindDataplane, "web-1")
	wrongID := node(t, web)
	wrongID.Id = "default.backend-1"
	otherZone := xdstest.Find(xdstest.Decode(t, xdstest.MeshYAML), resource.KindZoneIngress, "ingress-2")
	for _, tc := range []struct {
		name  string
		node  *corev3.Node
		token string
		code  codes.Code
		msg   string
	}{
		{"no token", node(t, web), "", codes.Unauthenticated, "authorization"},
		{"token of another dataplane", node(t, web), env.Token(t, "default", "backend-1"), codes.PermissionDenied, "token"},
		{"node id not the dataplane's", wrongID, env.Token(t, "default", "backend-1"), codes.InvalidArgument, "node.id"},
		{"no metadata", &corev3.Node{Id: "default.web-1"}, env.Token(t, "default", "web-1"), codes.InvalidArgument, "node.metadata.dataplane"},
		{"ingress of another zone", node(t, otherZone), env.Token(t, "", "ingress-2"), codes.Unavailable, "not this zone"},
	} {
		s := open(t, env, tc.node, tc.token)
		_, err := s.Recv()
		if status.Code(err) != tc.code || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: got %v, want %s mentioning %q", tc.name, err, tc.code, tc.msg)
		}
	}
	if ps := env.Server.Proxies(); len(ps) != 0 {
		t.Fatalf("refused proxies registered: %+v", ps)
	}
}

func TestIngressAvailableServices(t *testing.T) {
	env := servertest.Start(t, zone, seed(t))
	ch := events(t, env.Store)
	fixture := xdstest.Decode(t, xdstest.MeshYAML)
	ing := xdstest.Find(fixture, resource.KindZoneIngress, "ingress-1")
	s := open(t, env, node(t, ing), env.Token(t, "", "ingress-1"))
	waitEvent(t, ch, "ingress registered", func(e store.Event) bool {
		return e.Type == store.Put && e.Resource.Kind == resource.KindZoneIngress && e.Resource.Name == "ingress-1"
	})
	if _, err := s.Recv(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, name := range []string{"backend-1", "backend-2", "db-1"} {
		if _, err := env.Store.Put(ctx, xdstest.Find(fixture, resource.KindDataplane, name)); err != nil {
			t.Fatal(err)
		}
	}
	avail := func(want string) {
		t.Helper()
		waitEvent(t, ch, "available services "+want, func(e store.Event) bool {
			if e.Type != store.Put || e.Resource.Kind != resource.KindZoneIngress || e.Resource.Name != "ingress-1" {
				return false
			}
			var got []string
			for _, as := range e.Resource.Spec.(*resource.ZoneIngressSpec).AvailableServices {
				got = append(got, as.Mesh+"/"+as.Tags["service"]+"/"+as.Tags["version"]+"="+string(rune('0'+as.Instances)))
			}
			return strings.Join(got, ",") == want
		})
	}
	// backend-2 is not ready: not advertised
	avail("default/backend/v1=1,default/db/=1")
	second := xdstest.Dataplane("default", "backend-3", "backend", "v1", "127.0.0.9", 20002)
	second.Origin = zone
	if _, err := env.Store.Put(ctx, second); err != nil {
		t.Fatal(err)
	}
	avail("default/backend/v1=2,default/db/=1")
	if err := env.Store.Delete(ctx, resource.Key{Kind: resource.KindDataplane, Mesh: "default", Name: "db-1"}); err != nil {
		t.Fatal(err)
	}
	avail("default/backend/v1=2")
}
