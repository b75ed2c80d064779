package dataplane_test

import (
	"net"
	"testing"

	rbacv3 "github.com/envoyproxy/go-control-plane/envoy/config/rbac/v3"
	resourcev3 "github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/dataplane"
	"github.com/zonemesh/zonemesh/dataplane/dptest"
	"github.com/zonemesh/zonemesh/dataplane/echo"
)

// crossZone is caller sidecar (zone-a, service web) → ingress (zone-b) → sidecar (zone-b,
// service echo) → echo, every hop a real proxy fed by an in-test ADS server.
type crossZone struct {
	cp        *dptest.Server
	ca        *dptest.CA
	mesh      dptest.Mesh
	echoB     *echo.Server
	a, b, ing *dataplane.Agent
	outA      string // sidecar A's outbound:http
	inB       string // sidecar B's inbound
	ingAddr   string
	inbound   dptest.Inbound
}

func newCrossZone(t testing.TB, rbac *rbacv3.RBAC) *crossZone {
	z := &crossZone{cp: dptest.Start(t), ca: dptest.NewCA(t, "mesh CA"), mesh: dptest.Mesh{Name: meshName, MTLS: true}}
	z.cp.Token = "dp-token"
	z.echoB = startEcho(t, "127.0.0.1", echo.Identity{Service: "echo", Version: "v1", Zone: "zone-b", Instance: "echo-b-1"})
	z.outA, z.inB, z.ingAddr = freeAddr(t, "127.0.0.4"), freeAddr(t, "127.0.0.2"), freeAddr(t, "127.0.0.3")
	z.inbound = dptest.Inbound{Address: z.inB, App: z.echoB.Addr(), Service: "echo"}

	// Sidecar A: outbound only; echo lives in zone-b, reached through zone-b's ingress.
	leafA := z.ca.Issue(t, dptest.SPIFFE(meshName, "web"), nil, nil)
	z.cp.Set(t, meshName+".web-1", "1", snap{}.
		add(resourcev3.ListenerType, dptest.OutboundHTTP(z.outA)).
		add(resourcev3.RouteType, dptest.OutboundRoutes(dptest.VHost("echo", dptest.Route(dptest.RouteOpts{Prefix: "/", Cluster: "echo"})))).
		add(resourcev3.ClusterType, z.mesh.Cluster(dptest.ClusterOpts{Name: "echo", Service: "echo"})).
		add(resourcev3.EndpointType, dptest.CLA("echo", 0, dptest.Locality{Zone: "zone-b", Endpoints: []dptest.Endpoint{{Addr: z.ingAddr, Weight: 1}}})).
		add(resourcev3.SecretType, secretsOf(leafA, z.ca)...))
	z.setB(t, "1", rbac)
	// The ingress: SNI echo.default.mesh → sidecar B's inbound. No secrets, no TLS termination.
	z.cp.Set(t, "ingress-b", "1", snap{}.
		add(resourcev3.ListenerType, dptest.IngressListener(z.ingAddr, map[string]string{z.mesh.SNI("echo", ""): "echo"})).
		add(resourcev3.ClusterType, dptest.IngressCluster("echo")).
		add(resourcev3.EndpointType, dptest.CLA("echo", 0, dptest.Locality{Zone: "zone-b", Endpoints: []dptest.Endpoint{{Addr: z.inB}}})).
		add(resourcev3.RouteType).add(resourcev3.SecretType))

	z.a = startDP(t, z.cp, resource.KindDataplane, "web-1", "zone-a")
	z.b = startDP(t, z.cp, resource.KindDataplane, "echo-1", "zone-b")
	z.ing = startDP(t, z.cp, resource.KindZoneIngress, "ingress-b", "zone-b")
	for _, a := range []*dataplane.Agent{z.a, z.b, z.ing} {
		waitApplied(t, a, "1")
	}
	return z
}

// setB installs sidecar B's snapshot: the echo inbound with the given RBAC rules.
func (z *crossZone) setB(t testing.TB, version string, rbac *rbacv3.RBAC) {
	in := z.inbound
	in.RBAC = rbac
	leafB := z.ca.Issue(t, dptest.SPIFFE(meshName, "echo"), nil, nil)
	z.cp.Set(t, meshName+".echo-1", version, snap{}.
		add(resourcev3.ListenerType, z.mesh.InboundListener(in)).
		add(resourcev3.ClusterType, dptest.LocalCluster(in)).
		add(resourcev3.SecretType, secretsOf(leafB, z.ca)...).
		add(resourcev3.RouteType).add(resourcev3.EndpointType))
}

func host(addr string) string {
	h, _, _ := net.SplitHostPort(addr)
	return h
}
