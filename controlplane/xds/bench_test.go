package xds_test

import (
	"fmt"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/xds"
	"github.com/zonemesh/zonemesh/controlplane/xds/xdstest"
)

// BenchmarkGenerateSidecar: one sidecar in a mesh of N services, from a fresh Inputs (so the
// mesh-wide outbound part is built too), hashed as the reconciler does.
func BenchmarkGenerateSidecar(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			rs := xdstest.Scale("default", n)
			certs := benchCerts(b, "default")
			p := rs[1]
			b.ReportAllocs()
			for b.Loop() {
				out, err := xds.Generate(xds.NewInputs(xdstest.Zone, rs, certs), p)
				if err != nil {
					b.Fatal(err)
				}
				_ = out.Hash()
			}
		})
	}
}

// BenchmarkMarshalSidecar is the baseline: serialising the same resources once, the least any
// control plane pays to send them.
func BenchmarkMarshalSidecar(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			rs := xdstest.Scale("default", n)
			out, err := xds.Generate(xds.NewInputs(xdstest.Zone, rs, benchCerts(b, "default")), rs[1])
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				for _, list := range out.ByType() {
					for _, m := range list {
						if _, err := proto.Marshal(m); err != nil {
							b.Fatal(err)
						}
					}
				}
			}
		})
	}
}

// BenchmarkValidateSidecar: Validate (PGV through every Any, consistency) of one sidecar.
func BenchmarkValidateSidecar(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			rs := xdstest.Scale("default", n)
			out, err := xds.Generate(xds.NewInputs(xdstest.Zone, rs, benchCerts(b, "default")), rs[1])
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := xds.Validate(out); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRegenerate1000: one policy changed in a mesh of 1,000 sidecars over 100 services;
// the round the reconciler runs: new Inputs, generate and hash every proxy, validate the ones
// whose hash changed (all of them: a Timeout touches every caller).
func BenchmarkRegenerate1000(b *testing.B) {
	rs := xdstest.Scale("default", 100)
	for i := 100; i < 1000; i++ {
		rs = append(rs, xdstest.Dataplane("default", fmt.Sprintf("svc-%d-%d", i%100, i/100), fmt.Sprintf("svc-%d", i%100), "v1",
			fmt.Sprintf("127.2.%d.%d", i/250, i%250+1), 20000))
	}
	var proxies []*resource.Resource
	for _, r := range rs {
		if r.Kind == resource.KindDataplane {
			proxies = append(proxies, r)
		}
	}
	certs := benchCerts(b, "default")
	tm := &resource.Resource{Kind: resource.KindTimeout, Meta: resource.Meta{Mesh: "default", Name: "t"},
		Spec: &resource.TimeoutSpec{Destination: resource.Selector{Service: "*"}}}
	rs = append(rs, tm)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		tm.Version = uint64(i + 1)
		tm.Spec.(*resource.TimeoutSpec).Request = resource.D(time.Duration(1+i%5) * time.Second)
		in := xds.NewInputs(xdstest.Zone, rs, certs)
		for _, p := range proxies {
			out, err := xds.Generate(in, p)
			if err != nil {
				b.Fatal(err)
			}
			_ = out.Hash()
			if err := xds.Validate(out); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(proxies)), "proxies/op")
}

func benchCerts(b *testing.B, mesh string) *xds.CertCache {
	c := xdstest.MeshCA(b, mesh).Spec.(*resource.MeshCASpec)
	certs := xds.NewCertCache(nil)
	if err := certs.SetMeshCA(mesh, []byte(c.CertPEM), []byte(c.KeyPEM), 0); err != nil {
		b.Fatal(err)
	}
	return certs
}
