package sim

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"
)

// Results is the outcome of one simulation. It holds no wall-clock figures, so equal inputs
// give equal JSON.
type Results struct {
	Name             string      `json:"name"`
	Simulated        bool        `json:"simulated"`
	Seed             uint64      `json:"seed"`
	SimulatedSeconds float64     `json:"simulatedSeconds"`
	Zones            int         `json:"zones"`
	Proxies          int64       `json:"proxies"`
	Resources        int         `json:"resources"`
	Events           uint64      `json:"events"`
	Writes           Writes      `json:"writes"`
	Stages           []Quantiles `json:"stages"`
	PerZone          []ZoneStats `json:"perZone"`
	Faults           []FaultStat `json:"faults,omitempty"`
	Storms           []Storm     `json:"storms,omitempty"`
	Timeline         []Tick      `json:"timeline"`
	// Raw holds up to Config.KeepSamples end-to-end delays in seconds, for validation.
	Raw []float64 `json:"-"`
	// Hists are the whole-run histograms per stage, for resampling (see Resample).
	Hists [nStages]*Hist `json:"-"`
	// ZoneHists are the per-zone histograms, indexed like PerZone.
	ZoneHists [][nStages]*Hist `json:"-"`
}

// Writes counts policy writes and KDS messages.
type Writes struct {
	Submitted       int `json:"submitted"`
	Accepted        int `json:"accepted"`
	RetriedFailover int `json:"retriedAfterFailover"`
	LostMessages    int `json:"lostMessages"` // each cost one retransmit
	Dropped         int `json:"droppedMessages"`
	Reconnects      int `json:"zoneReconnects"`
}

// Quantiles of one propagation stage, in milliseconds. Count is proxies×versions (zones×
// versions for global-zone).
type Quantiles struct {
	Stage string  `json:"stage"`
	Count uint64  `json:"count"`
	P50   float64 `json:"p50Ms"`
	P90   float64 `json:"p90Ms"`
	P99   float64 `json:"p99Ms"`
	Max   float64 `json:"maxMs"`
}

// ZoneStats are one zone's propagation quantiles.
type ZoneStats struct {
	Zone    string      `json:"zone"`
	Proxies int         `json:"proxies"`
	Stages  []Quantiles `json:"stages"`
}

// FaultStat is a fault and how long the affected zones took to converge after it ended:
// every affected zone up, connected, past its reconnect storm, and every proxy holding the
// newest version global had accepted when the fault ended.
type FaultStat struct {
	Index         int     `json:"index"`
	Kind          string  `json:"kind"`
	AtS           float64 `json:"atS"`
	DurationS     float64 `json:"durationS"`
	Zones         int     `json:"zones"`
	TargetVersion int     `json:"targetVersion"`
	Converged     bool    `json:"converged"`
	ConvergenceMs float64 `json:"convergenceMs,omitempty"`
	Unconverged   int     `json:"unconvergedZones,omitempty"`
}

func quantiles(stage string, h *Hist) Quantiles {
	return Quantiles{Stage: stage, Count: h.Count(), P50: msf(h.Quantile(0.5)), P90: msf(h.Quantile(0.9)),
		P99: msf(h.Quantile(0.99)), Max: msf(h.Max())}
}

func (w *world) results() *Results {
	for i := range w.zones {
		w.flushCycle(i, -1) // cycles still running at the end: their proxies apply after it
	}
	m := &w.m
	m.mergeStages()
	r := &Results{
		Name: w.cfg.Name, Simulated: true, Seed: w.cfg.Seed, SimulatedSeconds: w.cfg.Duration.Seconds(),
		Zones: len(w.zones), Resources: int(w.resources), Events: m.events,
		Writes: Writes{Submitted: w.submitted, Accepted: int(w.accepted()), RetriedFailover: m.retried,
			LostMessages: m.losses, Dropped: m.dropped, Reconnects: m.reconnects},
		Storms: m.storms, Timeline: m.timeline, Raw: m.raw,
	}
	for s := range nStages {
		r.Stages = append(r.Stages, quantiles(stageNames[s], &m.stage[s]))
		r.Hists[s] = &m.stage[s]
	}
	for i := range w.zones {
		r.Proxies += int64(w.zones[i].proxies)
		zs := ZoneStats{Zone: zoneName(i), Proxies: int(w.zones[i].proxies)}
		var zh [nStages]*Hist
		for s := range nStages {
			zh[s] = &m.zone[i][s]
			zs.Stages = append(zs.Stages, quantiles(stageNames[s], &m.zone[i][s]))
		}
		r.PerZone = append(r.PerZone, zs)
		r.ZoneHists = append(r.ZoneHists, zh)
	}
	for i, f := range w.cfg.Faults {
		fr := m.faults[i]
		fs := FaultStat{Index: i, Kind: string(f.Kind), AtS: f.At.Seconds(), DurationS: f.Duration.Seconds(),
			Zones: len(fr.zones), TargetVersion: int(fr.target)}
		if fr.healed {
			fs.Converged = fr.remaining == 0
			fs.Unconverged = fr.remaining
			if fs.Converged {
				fs.ConvergenceMs = msf(fr.convAt - fr.healedAt)
			}
		} else {
			fs.Unconverged = len(fr.zones)
		}
		r.Faults = append(r.Faults, fs)
	}
	return r
}

// WriteJSON writes r as indented JSON.
func (r *Results) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("sim: encode results: %w", err)
	}
	return nil
}

// Summary writes a few lines a person reads after a run.
func (r *Results) Summary(w io.Writer) error {
	_, err := fmt.Fprintf(w, "%s: %d zones, %d proxies, %s simulated, %d events (SIMULATED)\n",
		r.Name, r.Zones, r.Proxies, time.Duration(r.SimulatedSeconds*1e9), r.Events)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "writes: %d submitted, %d accepted, %d retried after failover; messages: %d lost, %d dropped; %d zone reconnects\n",
		r.Writes.Submitted, r.Writes.Accepted, r.Writes.RetriedFailover, r.Writes.LostMessages, r.Writes.Dropped, r.Writes.Reconnects)
	for _, q := range r.Stages {
		fmt.Fprintf(w, "  %-12s p50 %9.1fms  p90 %9.1fms  p99 %9.1fms  max %9.1fms  (n=%d)\n", q.Stage, q.P50, q.P90, q.P99, q.Max, q.Count)
	}
	if len(r.PerZone) > 1 {
		idx := make([]int, len(r.PerZone))
		for i := range idx {
			idx[i] = i
		}
		// Stable by zone order on ties, so the line is deterministic.
		slices.SortStableFunc(idx, func(a, b int) int {
			return cmp.Compare(r.PerZone[b].Stages[stageEndToEnd].P99, r.PerZone[a].Stages[stageEndToEnd].P99)
		})
		fmt.Fprint(w, "  slowest zones by end-to-end p99:")
		for _, i := range idx[:min(3, len(idx))] {
			fmt.Fprintf(w, " %s %.1fms", r.PerZone[i].Zone, r.PerZone[i].Stages[stageEndToEnd].P99)
		}
		fmt.Fprintln(w)
	}
	if len(r.Storms) > 0 {
		var peak int
		var drained float64
		for _, s := range r.Storms {
			peak, drained = max(peak, s.PeakQueue), max(drained, s.DrainedMs)
		}
		fmt.Fprintf(w, "  reconnect storms: %d zones, peak queue %d proxies, slowest drained %.1fms after restart\n", len(r.Storms), peak, drained)
	}
	for _, f := range r.Faults {
		conv := "NOT converged"
		if f.Converged {
			conv = fmt.Sprintf("converged %.1fms after", f.ConvergenceMs)
		}
		fmt.Fprintf(w, "  fault %d %-14s at %6.1fs for %5.1fs on %4d zones: %s\n", f.Index, f.Kind, f.AtS, f.DurationS, f.Zones, conv)
	}
	return nil
}

// Run simulates cfg. trace, if not nil, receives one line per model step (tests only: it is
// slow at scale).
func Run(cfg Config, trace func(string)) (*Results, error) {
	return RunContext(context.Background(), cfg, trace)
}

// RunContext is Run that gives up with ctx's error when ctx is done (checked every 64k events).
func RunContext(ctx context.Context, cfg Config, trace func(string)) (*Results, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("sim: config: %w", err)
	}
	w := newWorld(&cfg)
	w.trace = trace
	if err := w.run(ctx); err != nil {
		return nil, fmt.Errorf("sim: stopped at %s of virtual time: %w", time.Duration(w.q.Now()), err)
	}
	return w.results(), nil
}
