package reportstest

import (
	"fmt"
	"math"

	"github.com/zonemesh/zonemesh/reports"
)

const rate = 200 // requests per second in Sample

// timeline models what the caller in zone-1 saw each second of Sample.
func timeline(n *noise) []reports.Bucket {
	var out []reports.Bucket
	for t := 0; t < 60; t++ {
		share := map[string]float64{"zone-1": 1}
		if t >= 15 && t < 52 {
			share = map[string]float64{"zone-1": 0.5, "zone-2": 0.25, "zone-3": 0.25}
		}
		failed := 0
		p50, p99 := 1.1+0.2*n.float(), 3.5+1.5*n.float()
		switch {
		case t >= 15 && t < 52 && t >= 30 && t < 32:
			// zone-2 is unreachable and not yet ejected: its share fails after the connect timeout.
			failed = int(share["zone-2"] * rate)
			share["zone-2"] = 0
			p99 = 250
		case t == 32:
			failed = 10
			share = map[string]float64{"zone-1": 2.0 / 3, "zone-3": 1.0 / 3}
			p99 = 250
		case t > 32 && t < 48:
			// zone-2 is ejected; its weight is shared by the reachable zones.
			share = map[string]float64{"zone-1": 2.0 / 3, "zone-3": 1.0 / 3}
		}
		if share["zone-2"] > 0 || share["zone-3"] > 0 {
			p50 += 1.4 // half of the traffic crosses a zone and two more hops
			if p99 < 250 {
				p99 += 3 + 2*n.float()
			}
		}
		ok := rate - failed
		b := reports.Bucket{T: t, Requests: rate, Successes: ok, ByZone: map[string]int{},
			P50Ms: round2(p50), P99Ms: round2(p99)}
		left := ok
		for i, z := range zones {
			c := int(math.Round(share[z] * float64(rate-failed) / (1 - lost(share))))
			if i == len(zones)-1 || c > left {
				c = left
			}
			if share[z] == 0 {
				c = 0
			}
			left -= c
			if c > 0 {
				b.ByZone[z] = c
			}
		}
		if left > 0 {
			b.ByZone["zone-1"] += left
		}
		out = append(out, b)
	}
	return out
}

// lost is the share of weight that answers nobody (set to 0 while its zone is unreachable).
func lost(share map[string]float64) float64 {
	s := 0.0
	for _, v := range share {
		s += v
	}
	return 1 - s
}

// propagation returns per-zone and per-proxy propagation samples of one policy change.
func propagation(n *noise, policy string, proxiesPerZone int) []reports.Sample {
	var out []reports.Sample
	for zi, z := range zones {
		wan := 0.002 * float64(zi+1) // zone-3 is furthest from global
		gz := wan + 0.003 + 0.004*n.float()
		out = append(out, reports.Sample{Stage: reports.StageGlobalZone, Zone: z, Policy: policy, Seconds: round6(gz)})
		for p := 0; p < proxiesPerZone; p++ {
			// A zone CP pushes to its proxies from a worker pool: later proxies wait longer.
			zp := 0.006 + 0.0025*float64(p) + 0.02*n.float()*n.float()
			proxy := fmt.Sprintf("%s/frontend-%d", z, p)
			out = append(out,
				reports.Sample{Stage: reports.StageZoneProxy, Zone: z, Proxy: proxy, Policy: policy, Seconds: round6(zp)},
				reports.Sample{Stage: reports.StageEndToEnd, Zone: z, Proxy: proxy, Policy: policy, Seconds: round6(gz + zp)})
		}
	}
	return out
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }
func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }
