package htmlreport

import (
	"fmt"
	"sort"
	"strings"

	"github.com/zonemesh/zonemesh/reports"
)

// The view types hold preformatted strings so the template only lays things out.

type tile struct{ Label, Value, Sub, Class string }

type swatch struct{ Name, Color string }

type checkRow struct {
	Pass                                 bool
	Name, Type, Observed, Bound, Message string
}

type windowRow struct {
	Name, Kind, Target, Span string
	Requests, Failed         int
	Success, WorstP99        string
	Answered                 []swatch // zone and its share of successes, e.g. "zone-1 67%"
	Bad                      bool
}

type eventRow struct{ T, Kind, Label string }

type propRow struct {
	Stage, Zone, Color string
	N                  int
	P50, P99, Max      string
	First              bool // first row of its stage
}

type reqRow struct {
	reports.Requirement
	Duration string
}

type profileView struct {
	Name   string
	Counts reports.Counts
	Rows   []reqRow
}

type failureRow struct {
	Subject, Message string
	Paths            []string
}

type kv struct{ K, V string }

// zoneOrder returns every zone named in the timeline or the propagation samples, sorted, so
// a zone keeps one colour across all charts.
func zoneOrder(r *reports.Results) []string {
	seen := map[string]bool{}
	for _, z := range r.Zones() {
		seen[z] = true
	}
	for _, s := range r.Propagation {
		seen[s.Zone] = true
	}
	out := make([]string, 0, len(seen))
	for z := range seen {
		out = append(out, z)
	}
	sort.Strings(out)
	return out
}

func zoneSwatches(zones []string) []swatch {
	out := make([]swatch, len(zones))
	for i, z := range zones {
		out[i] = swatch{Name: z, Color: zoneColor(i)}
	}
	return out
}

// windowRows summarises the traffic inside each fault window: what a reader wants to know
// first about a fault is whether requests failed and where they went instead.
func windowRows(r *reports.Results, zones []string) []windowRow {
	var out []windowRow
	for _, f := range r.Faults {
		w := windowRow{Name: f.Name, Kind: f.Kind, Target: f.Target,
			Span: fmt.Sprintf("%s – %s", reports.FormatSeconds(f.Start), reports.FormatSeconds(f.End))}
		ok, worst := 0, 0.0
		byZone := map[string]int{}
		for _, b := range r.Timeline {
			if float64(b.T) < f.Start || float64(b.T) >= f.End {
				continue
			}
			w.Requests += b.Requests
			ok += b.Successes
			worst = max(worst, b.P99Ms)
			for z, n := range b.ByZone {
				byZone[z] += n
			}
		}
		w.Failed = w.Requests - ok
		w.Bad = w.Failed > 0
		if w.Requests > 0 {
			w.Success = reports.FormatPercent(float64(ok) / float64(w.Requests))
			w.WorstP99 = reports.FormatMs(worst)
		}
		for i, z := range zones {
			if n := byZone[z]; n > 0 && ok > 0 {
				w.Answered = append(w.Answered, swatch{Name: fmt.Sprintf("%s %.0f%%", z, 100*float64(n)/float64(ok)), Color: zoneColor(i)})
			}
		}
		out = append(out, w)
	}
	return out
}

func checkRows(r *reports.Results) []checkRow {
	out := make([]checkRow, len(r.Checks))
	for i, c := range r.Checks {
		bound := reports.FormatValue(c.Bound, c.Unit)
		if c.Op != "" {
			bound = c.Op + " " + bound
		}
		out[i] = checkRow{Pass: c.Verdict == reports.Pass, Name: c.Name, Type: c.Type,
			Observed: reports.FormatValue(c.Observed, c.Unit), Bound: bound, Message: c.Message}
	}
	return out
}

func propRows(r *reports.Results, zones []string) []propRow {
	color := map[string]string{"": "#333333"}
	for i, z := range zones {
		color[z] = zoneColor(i)
	}
	var out []propRow
	prev := ""
	for _, s := range r.PropagationStats() {
		z := s.Zone
		if z == "" {
			z = "all zones"
		}
		out = append(out, propRow{Stage: s.Stage, Zone: z, Color: color[s.Zone], N: s.N, First: s.Stage != prev,
			P50: reports.FormatSeconds(s.P50), P99: reports.FormatSeconds(s.P99), Max: reports.FormatSeconds(s.Max)})
		prev = s.Stage
	}
	return out
}

var profileOrder = map[string]int{"core": 0, "routing": 1, "security": 2, "resilience": 3, "scale": 4}

func profiles(r *reports.Results) []profileView {
	byName := map[string]*profileView{}
	var names []string
	for _, q := range r.Conformance {
		pv := byName[q.Profile]
		if pv == nil {
			pv = &profileView{Name: q.Profile}
			byName[q.Profile] = pv
			names = append(names, q.Profile)
		}
		d := "—"
		if q.DurationSeconds > 0 {
			d = reports.FormatSeconds(q.DurationSeconds)
		}
		pv.Rows = append(pv.Rows, reqRow{Requirement: q, Duration: d})
	}
	counts := r.ProfileCounts()
	sort.SliceStable(names, func(i, j int) bool {
		oi, iok := profileOrder[names[i]]
		oj, jok := profileOrder[names[j]]
		if iok != jok {
			return iok
		}
		if iok && oi != oj {
			return oi < oj
		}
		return names[i] < names[j]
	})
	out := make([]profileView, len(names))
	for i, n := range names {
		byName[n].Counts = counts[n]
		out[i] = *byName[n]
	}
	return out
}

func failureRows(r *reports.Results) []failureRow {
	out := make([]failureRow, len(r.Failures))
	for i, f := range r.Failures {
		subj := f.Check
		if f.Requirement != "" {
			subj = strings.TrimSpace(f.Requirement + " " + f.Check)
		}
		if subj == "" {
			subj = "run"
		}
		out[i] = failureRow{Subject: subj, Message: f.Message, Paths: f.EvidencePaths}
	}
	return out
}

func environment(r *reports.Results) []kv {
	e := r.Environment
	m := e.Machine
	rows := []kv{
		{"implementation", strings.TrimSpace(e.Implementation.Name + " " + e.Implementation.Version)},
		{"backend", e.Backend},
		{"topology", e.Topology},
		{"zonemesh", e.ZonemeshVersion},
		{"go", e.GoVersion},
		{"seed", fmt.Sprint(e.Seed)},
		{"machine", fmt.Sprintf("%d cores · %s memory · %s/%s", m.Cores, bytesIEC(m.MemoryBytes), m.OS, m.Arch)},
		{"host", m.Hostname},
		{"started", r.Started.UTC().Format("2006-01-02 15:04:05 MST")},
		{"finished", r.Finished.UTC().Format("2006-01-02 15:04:05 MST")},
		{"evidence", r.EvidenceDir},
		{"schema", r.SchemaVersion},
	}
	out := rows[:0]
	for _, row := range rows {
		if row.V != "" {
			out = append(out, row)
		}
	}
	return out
}

func bytesIEC(b uint64) string {
	switch {
	case b == 0:
		return "unknown"
	case b >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30))
	default:
		return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20))
	}
}
