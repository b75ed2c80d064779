package run

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/gonum/stat"

	"github.com/zonemesh/zonemesh/controlplane/zone"
	"github.com/zonemesh/zonemesh/harness/load"
	"github.com/zonemesh/zonemesh/harness/mesh"
	"github.com/zonemesh/zonemesh/harness/observe"
	"github.com/zonemesh/zonemesh/harness/topology"
	"github.com/zonemesh/zonemesh/reports"
)

// collect gathers what the run observed into res: timeline, faults, events, propagation,
// checks, environment and failures. It also writes the evidence files.
func (r *Runner) collect(res *reports.Results) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r.mu.Lock()
	now := r.now()
	for _, af := range r.faults { // still active at the end
		r.windows = append(r.windows, reports.FaultWindow{Name: af.name, Kind: af.kind, Target: af.target, Start: af.start.Seconds(), End: now.Seconds()})
	}
	sort.Slice(r.windows, func(i, j int) bool { return r.windows[i].Start < r.windows[j].Start })
	res.Faults = r.windows
	res.Events = r.events
	r.mu.Unlock()

	all, _, _ := r.window("", nil)
	res.Timeline = buckets(all)
	if len(all) > 0 {
		s := load.Summarize(all, nil)
		res.Load = &reports.LoadSummary{Requests: s.Requests, Successes: s.Successes, P50Ms: ms(s.P50), P99Ms: ms(s.P99), MaxMs: ms(s.Max)}
	}
	res.Propagation = r.propagation(ctx)
	res.Checks = r.judge(res.Propagation)
	res.Verdict = reports.Pass
	for _, c := range res.Checks {
		if c.Verdict == reports.Fail {
			res.Verdict = reports.Fail
			res.Failures = append(res.Failures, reports.Failure{Check: c.Name, Message: c.Message, EvidencePaths: r.evidenceFor(c.Type)})
		}
	}
	passed := 0
	for _, c := range res.Checks {
		if c.Verdict == reports.Pass {
			passed++
		}
	}
	res.Summary = fmt.Sprintf("%d of %d checks passed", passed, len(res.Checks))
	res.Environment = r.environment()
	r.evidence(ctx)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// buckets turns records (offsets on the timeline) into per-second buckets.
func buckets(recs []load.Record) []reports.Bucket {
	if len(recs) == 0 {
		return nil
	}
	last := int(recs[len(recs)-1].Offset / time.Second)
	out := make([]reports.Bucket, 0, last+1)
	i := 0
	var lat []float64
	for sec := 0; sec <= last; sec++ {
		b := reports.Bucket{T: sec, ByZone: map[string]int{}}
		lat = lat[:0]
		for ; i < len(recs) && int(recs[i].Offset/time.Second) == sec; i++ {
			b.Requests++
			lat = append(lat, ms(recs[i].Latency))
			if recs[i].OK() {
				b.Successes++
				if z := recs[i].Zone; z != "" {
					b.ByZone[z]++
				}
			}
		}
		if len(lat) > 0 {
			sort.Float64s(lat)
			b.P50Ms = stat.Quantile(0.5, stat.Empirical, lat, nil)
			b.P99Ms = stat.Quantile(0.99, stat.Empirical, lat, nil)
		}
		if b.Requests > 0 {
			out = append(out, b)
		}
	}
	return out
}

// propagation reads every zone's arrivals and proxy ACK history and attributes them to the
// timeline's writes.
func (r *Runner) propagation(ctx context.Context) []reports.Sample {
	r.mu.Lock()
	writes := append([]observe.Write(nil), r.writes...)
	r.mu.Unlock()
	if len(writes) == 0 {
		return nil
	}
	var arrivals []observe.Arrival
	var applied []observe.Applied
	for _, z := range r.env.Zones() {
		var as []zone.Arrival
		if err := mesh.GetJSON(ctx, z.Info.APIURL+"/api/v1/arrivals", &as); err != nil {
			r.progress("zone %s: arrivals: %v", z.Plan.Name, err)
			continue
		}
		for _, a := range as {
			arrivals = append(arrivals, observe.Arrival{Zone: z.Plan.Name, Key: a.Key, Version: a.Version, Deleted: a.Deleted, Time: a.Time})
		}
		var aps []zone.Applied
		if err := mesh.GetJSON(ctx, z.Info.APIURL+"/api/v1/applied", &aps); err != nil {
			r.progress("zone %s: applied: %v", z.Plan.Name, err)
			continue
		}
		for _, a := range aps {
			for k, v := range a.Policies {
				applied = append(applied, observe.Applied{Zone: z.Plan.Name, Proxy: a.Proxy, Key: k, Version: v, Time: a.Time})
			}
		}
	}
	var out []reports.Sample
	for _, s := range observe.Samples(writes, arrivals, applied) {
		out = append(out, reports.Sample{Stage: s.Stage, Zone: s.Zone, Proxy: s.Proxy, Policy: s.Key, Seconds: s.Seconds})
	}
	return out
}

func (r *Runner) environment() reports.Environment {
	zones, inst := len(r.env.Plan.Zones), 0
	for _, z := range r.env.Plan.Zones {
		inst += len(z.Instances)
	}
	host, _ := os.Hostname()
	var backends []string
	for _, b := range append([]string{r.env.Plan.Global.Backend}, zoneBackends(r.env.Plan)...) {
		if !slices.Contains(backends, b) {
			backends = append(backends, b)
		}
	}
	return reports.Environment{ZonemeshVersion: r.opts.Version, GoVersion: runtime.Version(), Backend: strings.Join(backends, "+"), Seed: r.sc.Seed,
		Machine:        reports.Machine{Cores: runtime.NumCPU(), MemoryBytes: memTotal(), OS: runtime.GOOS, Arch: runtime.GOARCH, Hostname: host},
		Implementation: reports.Implementation{Name: "zonemesh reference mesh", Version: r.opts.Version},
		Topology:       fmt.Sprintf("%d zones × %d service instances", zones, inst)}
}

func zoneBackends(p *topology.Plan) []string {
	var out []string
	for _, z := range p.Zones {
		out = append(out, z.Backend)
	}
	return out
}

// memTotal reads MemTotal from /proc/meminfo (0 where there is none).
func memTotal() uint64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}

func (r *Runner) evidenceFor(checkType string) []string {
	switch checkType {
	case "propagation":
		return []string{"zones", "logs"}
	default:
		return []string{"load", "logs"}
	}
}
