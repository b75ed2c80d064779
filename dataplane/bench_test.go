package dataplane_test

import (
	"io"
	"net"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	resourcev3 "github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/dataplane/dptest"
)

// benchRate is the fixed request rate of the latency benchmarks.
const benchRate = 500

// paths builds, in one process, the three ways to reach the same echo: directly, through one
// caller sidecar, and caller sidecar → ingress → callee sidecar over mTLS.
type paths struct {
	direct, sidecar, crossZone string // host:port to send plain HTTP to
}

func newPaths(b *testing.B) paths {
	z := newCrossZone(b, dptest.AllowFrom(meshName, "web"))
	c := &caller{cp: dptest.Start(b), out: freeAddr(b, "127.0.0.5")}
	c.cp.Set(b, meshName+".web-2", "1", snap{}.
		add(resourcev3.ListenerType, dptest.OutboundHTTP(c.out)).
		add(resourcev3.RouteType, dptest.OutboundRoutes(dptest.VHost("echo", []*routev3.Route{dptest.Route(dptest.RouteOpts{Prefix: "/", Cluster: "echo"})}...))).
		add(resourcev3.ClusterType, []*clusterv3.Cluster{plain.Cluster(dptest.ClusterOpts{Name: "echo"})}[0]).
		add(resourcev3.EndpointType, dptest.CLA("echo", 0, dptest.Locality{Zone: "zone-b", Endpoints: []dptest.Endpoint{{Addr: z.echoB.Addr()}}})).
		add(resourcev3.SecretType))
	c.a = startDP(b, c.cp, resource.KindDataplane, "web-2", "zone-b")
	waitApplied(b, c.a, "1")
	return paths{direct: z.echoB.Addr(), sidecar: c.out, crossZone: z.outA}
}

func (p paths) each() []struct{ name, addr string } {
	return []struct{ name, addr string }{{"direct", p.direct}, {"sidecar", p.sidecar}, {"sidecar-ingress-sidecar", p.crossZone}}
}

func get(b *testing.B, c *http.Client, addr string) {
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/bench", nil)
	req.Host = "echo.mesh"
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("status %d", resp.StatusCode)
	}
}

// BenchmarkLatency sends b.N sequential requests paced at benchRate per second and reports the
// p50 and p99 latency of each path; run with -benchtime=2000x for stable quantiles.
func BenchmarkLatency(b *testing.B) {
	p := newPaths(b)
	for _, tc := range p.each() {
		b.Run(tc.name, func(b *testing.B) {
			c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
			for i := 0; i < 200; i++ {
				get(b, c, tc.addr)
			}
			lat := make([]time.Duration, 0, b.N)
			tick := time.NewTicker(time.Second / benchRate)
			defer tick.Stop()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				<-tick.C
				start := time.Now()
				get(b, c, tc.addr)
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// BenchmarkThroughput runs requests from parallel clients as fast as they go: the reported
// req/s of each path compares the cross-zone path with a direct loopback connection.
func BenchmarkThroughput(b *testing.B) {
	p := newPaths(b)
	for _, tc := range p.each() {
		b.Run(tc.name, func(b *testing.B) {
			c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			b.SetParallelism(8)
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					get(b, c, tc.addr)
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
		})
	}
}

// BenchmarkTCPBulk streams bytes one way over one connection: directly to a sink, and through
// outbound TCP listener → mTLS → ingress (splice) → inbound TCP listener → sink.
func BenchmarkTCPBulk(b *testing.B) {
	sink, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	defer sink.Close()
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := sink.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				io.Copy(io.Discard, c)
				c.Write([]byte("k")) // all read: tell the sender
				c.Close()
			}()
		}
	}()
	cross := tcpCrossZone(b, sink.Addr().String())
	chunk := make([]byte, 1<<20)
	for _, tc := range []struct{ name, addr string }{{"direct", sink.Addr().String()}, {"sidecar-ingress-sidecar", cross}} {
		b.Run(tc.name, func(b *testing.B) {
			conn, err := net.Dial("tcp", tc.addr)
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			b.SetBytes(int64(len(chunk)))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := conn.Write(chunk); err != nil {
					b.Fatal(err)
				}
			}
			conn.(*net.TCPConn).CloseWrite()
			if _, err := io.ReadFull(conn, make([]byte, 1)); err != nil {
				b.Fatalf("sink ack: %v", err)
			}
		})
	}
}

func tcpCrossZone(b *testing.B, sink string) string {
	cp := dptest.Start(b)
	ca := dptest.NewCA(b, "mesh CA")
	m := dptest.Mesh{Name: meshName, MTLS: true}
	out, inB, ing := freeAddr(b, "127.0.0.4"), freeAddr(b, "127.0.0.2"), freeAddr(b, "127.0.0.3")
	cp.Set(b, meshName+".web-1", "1", snap{}.
		add(resourcev3.ListenerType, dptest.OutboundTCP("sink", out, "sink")).
		add(resourcev3.ClusterType, m.Cluster(dptest.ClusterOpts{Name: "sink", Service: "sink"})).
		add(resourcev3.EndpointType, dptest.CLA("sink", 0, dptest.Locality{Zone: "zone-b", Endpoints: []dptest.Endpoint{{Addr: ing}}})).
		add(resourcev3.SecretType, secretsOf(ca.Issue(b, dptest.SPIFFE(meshName, "web"), nil, nil), ca)...).add(resourcev3.RouteType))
	in := dptest.Inbound{Address: inB, App: sink, Service: "sink", Protocol: "tcp", RBAC: dptest.AllowFrom(meshName, "web")}
	cp.Set(b, meshName+".sink-1", "1", snap{}.
		add(resourcev3.ListenerType, m.InboundListener(in)).add(resourcev3.ClusterType, dptest.LocalCluster(in)).
		add(resourcev3.SecretType, secretsOf(ca.Issue(b, dptest.SPIFFE(meshName, "sink"), nil, nil), ca)...).
		add(resourcev3.RouteType).add(resourcev3.EndpointType))
	cp.Set(b, "ingress-b", "1", snap{}.
		add(resourcev3.ListenerType, dptest.IngressListener(ing, map[string]string{m.SNI("sink", ""): "sink"})).
		add(resourcev3.ClusterType, dptest.IngressCluster("sink")).
		add(resourcev3.EndpointType, dptest.CLA("sink", 0, dptest.Locality{Zone: "zone-b", Endpoints: []dptest.Endpoint{{Addr: inB}}})).
		add(resourcev3.RouteType).add(resourcev3.SecretType))
	for _, n := range []struct {
		kind       resource.Kind
		name, zone string
	}{
		{resource.KindDataplane, "web-1", "zone-a"}, {resource.KindDataplane, "sink-1", "zone-b"}, {resource.KindZoneIngress, "ingress-b", "zone-b"}} {
		waitApplied(b, startDP(b, cp, n.kind, n.name, n.zone), "1")
	}
	return out
}
