package compare

import (
	"errors"
	"fmt"
	"math"

	"github.com/zonemesh/zonemesh/reports"
)

// Tolerance says how much worse than the baseline a figure may be before it is a regression.
type Tolerance struct {
	// Relative applies to latencies and propagation times: worse by more than this fraction
	// of the baseline (0.10 = 10%) is a regression.
	Relative float64
	// MinSeconds ignores time differences smaller than this, so sub-millisecond noise on
	// loopback figures is not flagged.
	MinSeconds float64
	// SuccessRate is the drop in success rate, as a ratio (0.001 = 0.1 percentage points),
	// that counts as a regression.
	SuccessRate float64
}

// DefaultTolerance is 10% on times (ignoring differences below 1 ms) and 0.1 percentage
// points on success rate.
var DefaultTolerance = Tolerance{Relative: 0.10, MinSeconds: 0.001, SuccessRate: 0.001}

// Row is one figure across the runs. Cells[i] is run i's value as text ("—" when the run
// has no such figure); Regressed[i] is true when run i is worse than run 0.
type Row struct {
	Label     string
	Cells     []string
	Regressed []bool
}

// Comparison is the table of figures.
type Comparison struct {
	Runs        []string // a label per run, e.g. its file name
	Rows        []Row
	Regressions int // number of flagged cells
}

// direction says which way is worse.
type direction int

const (
	none        direction = iota // informational
	higherWorse                  // times, failure counts
	lowerWorse                   // success rate, passed counts
)

type metric struct {
	label string
	dir   direction
	kind  string // "time" (seconds), "rate", "count"
	value func(r *reports.Results) (float64, bool)
}

func metrics() []metric {
	ms := []metric{
		{"verdict (1 = pass)", lowerWorse, "count", func(r *reports.Results) (float64, bool) {
			return map[bool]float64{true: 1, false: 0}[r.Verdict == reports.Pass], true
		}},
		{"checks passed", lowerWorse, "count", func(r *reports.Results) (float64, bool) {
			p, n := r.CheckCounts()
			return float64(p), n > 0
		}},
		{"checks failed", higherWorse, "count", func(r *reports.Results) (float64, bool) {
			p, n := r.CheckCounts()
			return float64(n - p), n > 0
		}},
		{"requests", none, "count", func(r *reports.Results) (float64, bool) {
			l := r.LoadStats()
			return float64(l.Requests), hasLoad(r)
		}},
		{"success rate", lowerWorse, "rate", func(r *reports.Results) (float64, bool) { return r.LoadStats().SuccessRate, hasLoad(r) }},
		{"latency p50", higherWorse, "time", func(r *reports.Results) (float64, bool) { return r.LoadStats().P50Ms / 1e3, hasLoad(r) }},
		{"latency p99", higherWorse, "time", func(r *reports.Results) (float64, bool) { return r.LoadStats().P99Ms / 1e3, hasLoad(r) }},
	}
	for _, st := range reports.Stages {
		for _, q := range []struct {
			name string
			get  func(s reports.PropStat) float64
		}{{"p50", func(s reports.PropStat) float64 { return s.P50 }}, {"p99", func(s reports.PropStat) float64 { return s.P99 }}} {
			ms = append(ms, metric{"propagation " + st + " " + q.name, higherWorse, "time", func(r *reports.Results) (float64, bool) {
				for _, s := range r.PropagationStats() {
					if s.Stage == st && s.Zone == "" {
						return q.get(s), true
					}
				}
				return 0, false
			}})
		}
	}
	conf := func(label string, dir direction, get func(c reports.Counts) int) metric {
		return metric{"conformance " + label, dir, "count", func(r *reports.Results) (float64, bool) {
			c := r.ConformanceCounts()
			return float64(get(c)), c.Total() > 0
		}}
	}
	return append(ms,
		conf("succeeded", lowerWorse, func(c reports.Counts) int { return c.Succeeded }),
		conf("failed", higherWorse, func(c reports.Counts) int { return c.Failed }),
		conf("skipped", none, func(c reports.Counts) int { return c.Skipped }),
		conf("not supported", none, func(c reports.Counts) int { return c.NotSupported }),
	)
}

func hasLoad(r *reports.Results) bool { return r.Load != nil || len(r.Timeline) > 0 }

// Compare builds the table. labels name the runs; the first run is the baseline.
func Compare(labels []string, runs []*reports.Results, tol Tolerance) (*Comparison, error) {
	if len(runs) < 2 {
		return nil, errors.New("compare: need at least two results")
	}
	if len(labels) != len(runs) {
		return nil, fmt.Errorf("compare: %d labels for %d results", len(labels), len(runs))
	}
	c := &Comparison{Runs: labels}
	for _, m := range metrics() {
		row := Row{Label: m.label, Cells: make([]string, len(runs)), Regressed: make([]bool, len(runs))}
		base, baseOK := m.value(runs[0])
		any := false
		for i, r := range runs {
			v, ok := m.value(r)
			if !ok {
				row.Cells[i] = "—"
				continue
			}
			any = true
			row.Cells[i] = format(m, v)
			if i > 0 && baseOK && worse(m, base, v, tol) {
				row.Regressed[i] = true
				c.Regressions++
			}
		}
		if any {
			if m.label == "verdict (1 = pass)" {
				row.Label = "verdict"
				for i, r := range runs {
					row.Cells[i] = string(r.Verdict)
				}
			}
			c.Rows = append(c.Rows, row)
		}
	}
	return c, nil
}

func worse(m metric, base, v float64, tol Tolerance) bool {
	switch m.kind {
	case "time":
		d := v - base
		return m.dir == higherWorse && d > tol.MinSeconds && d > base*tol.Relative
	case "rate":
		return m.dir == lowerWorse && base-v > tol.SuccessRate
	default:
		switch m.dir {
		case higherWorse:
			return v > base
		case lowerWorse:
			return v < base
		}
	}
	return false
}

func format(m metric, v float64) string {
	switch m.kind {
	case "time":
		return reports.FormatSeconds(v)
	case "rate":
		return reports.FormatPercent(v)
	default:
		return fmt.Sprint(int64(math.Round(v)))
	}
}
