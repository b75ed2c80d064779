package adapter

import (
	"fmt"
	"runtime"
	"slices"
	"time"

	"github.com/zonemesh/zonemesh/reports"
	"github.com/zonemesh/zonemesh/scenarios"
	"github.com/zonemesh/zonemesh/sim"
)

// Epoch is the Started time of every simulated result: virtual time has no wall clock, and a
// fixed origin keeps results.json byte-identical across runs of the same scenario and seed.
var Epoch = time.Unix(0, 0).UTC()

// meshPoints is how many evenly spaced quantiles summarise each stage's whole-mesh histogram;
// the report draws them as a CDF and reads its quantiles from them. Per-zone quantiles are in
// sim.json: a thousand zone curves would drown the chart.
const (
	meshPoints = 1000
	meshZone   = "mesh"
)

// Report turns a simulation into a results file: Simulated, virtual times from Epoch, the
// scenario's propagation checks judged; checks that need load or named steps cannot be judged
// by the simulator and are listed in the summary instead.
func Report(s *scenarios.Scenario, cfg sim.Config, r *sim.Results, version string) *reports.Results {
	out := &reports.Results{
		SchemaVersion: reports.SchemaVersion, Kind: reports.KindSim, Name: s.Name, Simulated: true,
		Description: fmt.Sprintf("SIMULATED: %d zones, %d proxies, %s of virtual time", r.Zones, r.Proxies, cfg.Duration),
		Started:     Epoch, Finished: Epoch.Add(cfg.Duration),
		Environment: reports.Environment{
			ZonemeshVersion: version, GoVersion: runtime.Version(), Backend: "sim", Seed: int64(cfg.Seed),
			Machine:  reports.Machine{Cores: runtime.NumCPU(), OS: runtime.GOOS, Arch: runtime.GOARCH},
			Topology: fmt.Sprintf("%d zones × %d proxies (simulated)", r.Zones, r.Proxies),
		},
	}
	if s.Description != "" {
		out.Description += " — " + s.Description
	}
	var skipped []string
	for _, c := range s.Checks {
		if c.Type != scenarios.CheckPropagation {
			skipped = append(skipped, c.Name)
			continue
		}
		out.Checks = append(out.Checks, propagationCheck(c, r))
	}
	passed, total := 0, len(out.Checks)
	for _, c := range out.Checks {
		if c.Verdict == reports.Pass {
			passed++
		}
	}
	out.Verdict = reports.Pass
	if passed < total {
		out.Verdict = reports.Fail
	}
	out.Summary = fmt.Sprintf("simulated; %d of %d propagation checks passed", passed, total)
	if len(skipped) > 0 {
		out.Summary += fmt.Sprintf("; not judged by the simulator: %v", skipped)
	}
	for i, f := range cfg.Faults {
		fs := r.Faults[i]
		target := fmt.Sprintf("%d zones", fs.Zones)
		if f.Kind == sim.GlobalFailover {
			target = "global"
		}
		name := fmt.Sprintf("%s-%d", f.Kind, i)
		out.Faults = append(out.Faults, reports.FaultWindow{Name: name, Kind: string(f.Kind), Target: target,
			Start: f.At.Seconds(), End: (f.At + f.Duration).Seconds()})
		if fs.Converged {
			out.Events = append(out.Events, reports.Event{T: (f.At + f.Duration).Seconds() + fs.ConvergenceMs/1e3,
				Kind: "converged", Label: name + " converged"})
		}
	}
	slices.SortStableFunc(out.Events, func(a, b reports.Event) int {
		switch {
		case a.T < b.T:
			return -1
		case a.T > b.T:
			return 1
		}
		return 0
	})
	out.Propagation = propagation(r)
	out.SimSeries = series(r)
	return out
}

func propagationCheck(c scenarios.Check, r *sim.Results) reports.Check {
	ch := reports.Check{Name: c.Name, Type: "propagation-" + c.Stage, Op: "<=", Unit: "ms",
		Bound: float64(c.Max.Duration().Microseconds()) / 1e3}
	for i, st := range r.Stages {
		if st.Stage == c.Stage {
			ch.Observed = float64(r.Hists[i].Quantile(c.Quantile)/1e3) / 1e3
		}
	}
	ch.Verdict = reports.Pass
	if ch.Observed > ch.Bound {
		ch.Verdict = reports.Fail
	}
	ch.Message = fmt.Sprintf("simulated %s q%g %.1fms (bound %.1fms)", c.Stage, c.Quantile, ch.Observed, ch.Bound)
	return ch
}

// propagation resamples each stage's whole-mesh histogram at evenly spaced quantiles 0…1.
func propagation(r *sim.Results) []reports.Sample {
	var out []reports.Sample
	for i, st := range r.Stages {
		h := r.Hists[i]
		if h.Count() == 0 {
			continue
		}
		for k := range meshPoints {
			q := float64(k+1) / meshPoints // the empirical quantile p of these points is the histogram's; the last is the maximum
			out = append(out, reports.Sample{Stage: st.Stage, Zone: meshZone, Policy: "quantile-resampled",
				Seconds: float64(h.Quantile(q)) / 1e9})
		}
	}
	return out
}

func series(r *sim.Results) []reports.Series {
	type col struct {
		name, unit string
		get        func(t sim.Tick) float64
	}
	cols := []col{
		{"global intake queue", "writes", func(t sim.Tick) float64 { return float64(t.IntakeQueue) }},
		{"global send utilisation", "ratio", func(t sim.Tick) float64 { return t.SendUtil }},
		{"zone push queue, all zones", "proxies", func(t sim.Tick) float64 { return float64(t.ZoneQueueTotal) }},
		{"zone utilisation, mean", "ratio", func(t sim.Tick) float64 { return t.ZoneUtilMean }},
		{"zone utilisation, max", "ratio", func(t sim.Tick) float64 { return t.ZoneUtilMax }},
		{"zones connected", "zones", func(t sim.Tick) float64 { return float64(t.ZonesConnected) }},
		{"zones converged", "zones", func(t sim.Tick) float64 { return float64(t.ZonesConverged) }},
	}
	out := make([]reports.Series, 0, len(cols))
	for _, c := range cols {
		s := reports.Series{Name: c.name, Unit: c.unit, Points: make([]reports.Point, 0, len(r.Timeline))}
		for _, t := range r.Timeline {
			s.Points = append(s.Points, reports.Point{T: float64(t.T), V: c.get(t)})
		}
		out = append(out, s)
	}
	return out
}
