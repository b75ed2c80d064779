package reports

import (
	"slices"
	"sort"

	"gonum.org/v1/gonum/stat"
)

// Quantile returns the p-quantile (0..1) of xs by the empirical CDF; xs need not be sorted.
// It returns 0 for no data.
func Quantile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return stat.Quantile(p, stat.Empirical, s, nil)
}

// LoadStats are whole-run load figures.
type LoadStats struct {
	Requests    int
	Successes   int
	SuccessRate float64 // 0..1; 1 when there were no requests
	P50Ms       float64
	P99Ms       float64
	// Exact is false when the figures were derived from per-second buckets: then P50Ms is the
	// request-weighted median of the bucket medians and P99Ms the highest bucket p99.
	Exact bool
}

// LoadStats returns r.Load when set, otherwise figures derived from the timeline.
func (r *Results) LoadStats() LoadStats {
	var s LoadStats
	if r.Load != nil {
		s = LoadStats{Requests: r.Load.Requests, Successes: r.Load.Successes, P50Ms: r.Load.P50Ms, P99Ms: r.Load.P99Ms, Exact: true}
	} else {
		var p50s, weights []float64
		for _, b := range r.Timeline {
			s.Requests += b.Requests
			s.Successes += b.Successes
			if b.Requests > 0 {
				p50s = append(p50s, b.P50Ms)
				weights = append(weights, float64(b.Requests))
				s.P99Ms = max(s.P99Ms, b.P99Ms)
			}
		}
		if len(p50s) > 0 {
			sort.Sort(byValue{p50s, weights})
			s.P50Ms = stat.Quantile(0.5, stat.Empirical, p50s, weights)
		}
	}
	s.SuccessRate = 1
	if s.Requests > 0 {
		s.SuccessRate = float64(s.Successes) / float64(s.Requests)
	}
	return s
}

// byValue sorts values and their weights together.
type byValue struct{ v, w []float64 }

func (b byValue) Len() int           { return len(b.v) }
func (b byValue) Less(i, j int) bool { return b.v[i] < b.v[j] }
func (b byValue) Swap(i, j int) {
	b.v[i], b.v[j] = b.v[j], b.v[i]
	b.w[i], b.w[j] = b.w[j], b.w[i]
}

// PropStat summarises the propagation samples of one stage, in one zone or (Zone "") all.
type PropStat struct {
	Stage string
	Zone  string
	N     int
	P50   float64 // seconds
	P99   float64
	Max   float64
}

// Stages lists the propagation stages in pipeline order.
var Stages = []string{StageGlobalZone, StageZoneProxy, StageEndToEnd}

// PropagationStats returns, per stage present in r (in pipeline order), the all-zones figures
// followed by each zone's, zones sorted by name.
func (r *Results) PropagationStats() []PropStat {
	byStage := map[string]map[string][]float64{}
	for _, s := range r.Propagation {
		if byStage[s.Stage] == nil {
			byStage[s.Stage] = map[string][]float64{}
		}
		byStage[s.Stage][""] = append(byStage[s.Stage][""], s.Seconds)
		byStage[s.Stage][s.Zone] = append(byStage[s.Stage][s.Zone], s.Seconds)
	}
	var out []PropStat
	for _, st := range Stages {
		zs := byStage[st]
		if zs == nil {
			continue
		}
		names := make([]string, 0, len(zs))
		for z := range zs {
			names = append(names, z)
		}
		sort.Strings(names) // "" (all zones) sorts first
		for _, z := range names {
			xs := zs[z]
			out = append(out, PropStat{Stage: st, Zone: z, N: len(xs), P50: Quantile(xs, 0.5), P99: Quantile(xs, 0.99), Max: slices.Max(xs)})
		}
	}
	return out
}

// Counts tallies conformance results.
type Counts struct {
	Succeeded, Failed, Skipped, NotSupported int
}

// Total is the number of requirements counted.
func (c Counts) Total() int { return c.Succeeded + c.Failed + c.Skipped + c.NotSupported }

func (c *Counts) add(res Result) {
	switch res {
	case Succeeded:
		c.Succeeded++
	case Failed:
		c.Failed++
	case Skipped:
		c.Skipped++
	case NotSupported:
		c.NotSupported++
	}
}

// ConformanceCounts tallies all requirements.
func (r *Results) ConformanceCounts() Counts {
	var c Counts
	for _, q := range r.Conformance {
		c.add(q.Result)
	}
	return c
}

// ProfileCounts tallies requirements per profile.
func (r *Results) ProfileCounts() map[string]Counts {
	m := map[string]Counts{}
	for _, q := range r.Conformance {
		c := m[q.Profile]
		c.add(q.Result)
		m[q.Profile] = c
	}
	return m
}

// CheckCounts returns how many checks passed and how many there are.
func (r *Results) CheckCounts() (passed, total int) {
	for _, c := range r.Checks {
		if c.Verdict == Pass {
			passed++
		}
	}
	return passed, len(r.Checks)
}

// Zones returns the answering zones seen in the timeline, sorted.
func (r *Results) Zones() []string {
	seen := map[string]bool{}
	for _, b := range r.Timeline {
		for z := range b.ByZone {
			seen[z] = true
		}
	}
	out := make([]string, 0, len(seen))
	for z := range seen {
		out = append(out, z)
	}
	sort.Strings(out)
	return out
}
