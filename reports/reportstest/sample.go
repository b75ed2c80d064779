package reportstest

import (
	"fmt"
	"math"
	"time"

	"github.com/zonemesh/zonemesh/reports"
)

// noise is a tiny deterministic generator (splitmix64) so the fixture never depends on the
// standard library's RNG algorithms staying the same across Go releases.
type noise struct{ s uint64 }

func (n *noise) next() uint64 {
	n.s += 0x9e3779b97f4a7c15
	z := n.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// float returns a value in [0, 1).
func (n *noise) float() float64 { return float64(n.next()>>11) / (1 << 53) }

var zones = []string{"zone-1", "zone-2", "zone-3"}

// Sample returns a run of a 3-zone scenario: a caller in zone-1 sends 200 requests/s to a
// backend deployed in all three zones for 60 s. At 15 s a route splits traffic across the
// zones, from 30 s to 45 s zone-1 and zone-2 are partitioned, and at 52 s the route is deleted.
// One check fails (errors during the partition) and the conformance list has failures.
func Sample() *reports.Results {
	n := &noise{s: 42}
	start := time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)
	r := &reports.Results{
		SchemaVersion: reports.SchemaVersion,
		Kind:          reports.KindRun,
		Name:          "partition-failover",
		Description:   "frontend (zone-1) → backend in 3 zones at 200 req/s; route split, zone-1↔zone-2 partition, route deleted",
		Started:       start,
		Finished:      start.Add(61*time.Second + 250*time.Millisecond),
		Verdict:       reports.Fail,
		Summary:       "1 of 5 checks failed: error rate during the partition was 3.67% (bound 1%)",
		Environment:   environment("process"),
		EvidenceDir:   "out/run/partition-failover-20250314T092653Z",
	}
	r.Faults = []reports.FaultWindow{
		{Name: "partition zone-1/zone-2", Kind: "partition", Target: "zone-1 <-> zone-2", Start: 30, End: 45},
	}
	r.Events = []reports.Event{
		{T: 15, Kind: "apply", Label: "apply HTTPRoute backend-split"},
		{T: 52, Kind: "delete", Label: "delete HTTPRoute backend-split"},
	}
	r.Timeline = timeline(n)
	r.Propagation = append(propagation(n, "backend-split", 20), propagation(n, "backend-split-delete", 20)...)
	r.Checks = []reports.Check{
		{Name: "propagation p99 end-to-end", Type: "propagation-p99", Verdict: reports.Pass, Observed: 0.0767, Bound: 0.25, Op: "<=", Unit: "s",
			Message: "every proxy applied both changes"},
		{Name: "steady-state errors", Type: "error-rate", Verdict: reports.Pass, Observed: 0, Bound: 0, Op: "==", Unit: "ratio",
			Message: "no failed request outside fault windows"},
		{Name: "errors during partition", Type: "error-rate", Verdict: reports.Fail, Observed: 0.0367, Bound: 0.01, Op: "<=", Unit: "ratio",
			Message: "110 of 3000 requests failed until outlier detection ejected zone-2"},
		{Name: "failover time", Type: "recovery", Verdict: reports.Pass, Observed: 2.1, Bound: 5, Op: "<=", Unit: "s",
			Message: "traffic left zone-2 2.1 s after the partition began"},
		{Name: "zone-2 back after heal", Type: "recovery", Verdict: reports.Pass, Observed: 3.0, Bound: 10, Op: "<=", Unit: "s",
			Message: "zone-2 answered again 3 s after the heal"},
	}
	r.Conformance = conformance()
	r.Failures = []reports.Failure{
		{Check: "errors during partition", Message: "110 requests failed with 503 (upstream connect error) between 30 s and 33 s",
			EvidencePaths: []string{"logs/zone-1/frontend-0.sidecar.log", "config/zone-1/frontend-0.config_dump.json", "load/raw-results.bin"}},
		{Requirement: "MZ-PART-002", Message: "policy applied during the partition reached zone-2 5.8 s after heal (budget 5 s)",
			EvidencePaths: []string{"conformance/MZ-PART-002/zone-2.store.json", "logs/zone-2/zone-cp.log"}},
		{Requirement: "MZ-RES-004", Message: "zone-3 proxies returned 503 for 4.2 s after zone CP restart",
			EvidencePaths: []string{"conformance/MZ-RES-004/"}},
	}
	return r
}

// SimSample returns a simulated run of 100 zones with queue-length and utilisation series.
func SimSample() *reports.Results {
	n := &noise{s: 7}
	start := time.Date(2025, 3, 14, 10, 0, 0, 0, time.UTC)
	r := &reports.Results{
		SchemaVersion: reports.SchemaVersion,
		Kind:          reports.KindSim,
		Name:          "global-outage-100-zones",
		Description:   "simulated 100 zones × 10,000 proxies; global CP down 60–180 s, reconnect storm on restart",
		Simulated:     true,
		Started:       start,
		Finished:      start.Add(300 * time.Second),
		Verdict:       reports.Pass,
		Summary:       "all 2 checks passed",
		Environment:   environment("sim"),
	}
	r.Environment.Topology = "100 zones × 100 proxies"
	r.Faults = []reports.FaultWindow{{Name: "global CP down", Kind: "kill", Target: "global", Start: 60, End: 180}}
	r.Events = []reports.Event{{T: 30, Kind: "apply", Label: "apply 1000 policies"}, {T: 200, Kind: "apply", Label: "apply Timeout t1"}}
	for _, z := range []string{"zone-007", "zone-042", "zone-099"} {
		for i := 0; i < 60; i++ {
			gz := 0.004 + 0.01*n.float()
			zp := 0.02 + 0.05*n.float()*n.float()
			r.Propagation = append(r.Propagation,
				reports.Sample{Stage: reports.StageGlobalZone, Zone: z, Policy: "t1", Seconds: gz},
				reports.Sample{Stage: reports.StageZoneProxy, Zone: z, Proxy: fmt.Sprintf("%s/p%03d", z, i), Policy: "t1", Seconds: zp},
				reports.Sample{Stage: reports.StageEndToEnd, Zone: z, Proxy: fmt.Sprintf("%s/p%03d", z, i), Policy: "t1", Seconds: gz + zp})
		}
	}
	q := reports.Series{Name: "global intake queue", Unit: "events"}
	u := reports.Series{Name: "zone CP utilisation (mean)", Unit: "ratio"}
	for t := 0.0; t <= 300; t += 5 {
		ql, ut := 2+3*n.float(), 0.15+0.05*n.float()
		if t >= 30 && t < 45 {
			ql, ut = 400*math.Exp(-(t-30)/6), 0.9
		}
		if t >= 180 && t < 210 {
			ql, ut = 2500*math.Exp(-(t-180)/8), 0.97
		}
		q.Points = append(q.Points, reports.Point{T: t, V: math.Round(ql*10) / 10})
		u.Points = append(u.Points, reports.Point{T: t, V: math.Round(ut*1000) / 1000})
	}
	r.SimSeries = []reports.Series{q, u}
	r.Checks = []reports.Check{
		{Name: "resync after global restart", Type: "recovery", Verdict: reports.Pass, Observed: 24.5, Bound: 60, Op: "<=", Unit: "s"},
		{Name: "propagation p99 end-to-end", Type: "propagation-p99", Verdict: reports.Pass, Observed: 0.0728, Bound: 2, Op: "<=", Unit: "s"},
	}
	return r
}

func environment(backend string) reports.Environment {
	return reports.Environment{
		ZonemeshVersion: "v0.1.0-dev",
		GoVersion:       "go1.26.8",
		Backend:         backend,
		Seed:            20250314,
		Machine:         reports.Machine{Cores: 2, MemoryBytes: 8 << 30, OS: "linux", Arch: "amd64"},
		Implementation:  reports.Implementation{Name: "zonemesh reference mesh", Version: "v0.1.0-dev"},
		Topology:        "3 zones × 4 services",
	}
}
