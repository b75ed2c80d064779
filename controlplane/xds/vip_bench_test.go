package xds_test

import (
	"fmt"
	"testing"

	"github.com/zonemesh/zonemesh/controlplane/xds"
	"github.com/zonemesh/zonemesh/controlplane/xds/xdstest"
)

// BenchmarkGenerateSidecarVIP: BenchmarkGenerateSidecar for a sidecar labelled for VIP
// listeners (one listener per service, the VIP table allocated once per Inputs); the baseline
// is the same sidecar without the label, in the same run.
func BenchmarkGenerateSidecarVIP(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		for _, vip := range []bool{false, true} {
			b.Run(fmt.Sprintf("services=%d/vip=%v", n, vip), func(b *testing.B) {
				rs := xdstest.Scale("default", n)
				certs := benchCerts(b, "default")
				p := *rs[1]
				if vip {
					p.Labels = map[string]string{xds.VIPPortLabel: "80"}
				}
				b.ReportAllocs()
				for b.Loop() {
					out, err := xds.Generate(xds.NewInputs(xdstest.Zone, rs, certs), &p)
					if err != nil {
						b.Fatal(err)
					}
					_ = out.Hash()
				}
			})
		}
	}
}

// BenchmarkAllocateVIPs: the zone's VIP table for N services in the default /10.
func BenchmarkAllocateVIPs(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			ks := make([]xds.VIPKey, n)
			for i := range ks {
				ks[i] = xds.VIPKey{Mesh: "default", Service: fmt.Sprintf("svc-%d", i)}
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := xds.AllocateVIPs(xds.DefaultVIPCIDR, ks); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
