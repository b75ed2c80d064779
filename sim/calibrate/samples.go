package calibrate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
)

// Samples are raw measurements, the input of a calibration: per stage, service times in
// seconds and optionally the size of each job (resources, versions), plus extra cost curves
// as x/y pairs (e.g. push cycle time against proxies).
type Samples struct {
	Source string                 `json:"source,omitempty"`
	Stages map[string]StageSample `json:"stages"`
	Curves map[string]CurveSample `json:"curves,omitempty"`
}

// StageSample is one stage's measurements.
type StageSample struct {
	Seconds []float64 `json:"seconds"`
	Units   []float64 `json:"units,omitempty"` // job size per sample; same length as Seconds
	UnitIs  string    `json:"unitIs,omitempty"`
	// PerCycle: Seconds are one mean per-proxy cost per push cycle (see FitPerCycle); the
	// spread between cycles becomes the file's cycle factor. At most one stage has it.
	PerCycle bool `json:"perCycle,omitempty"`
	// Work, with PerCycle, is each cycle's CPU seconds per proxy (same length as Seconds): the
	// cost line is fitted to it and the factor is the wall time's stretch over it.
	Work []float64 `json:"work,omitempty"`
	// Proxies, with PerCycle, is each cycle's proxy count (same length as Seconds): the line
	// gets a slope per proxy of the zone and a fixed cost per cycle, which becomes the
	// cyclePrep stage (see PerCycle.Proxies).
	Proxies []float64 `json:"proxies,omitempty"`
	// Cycle, if set, gives each sample's push cycle (an index into the PerCycle stage's
	// Seconds): the cost slows with its cycle, so it is fitted once that cycle's factor is
	// divided out, and the simulator multiplies it back.
	Cycle []int `json:"cycle,omitempty"`
}

// CurveSample is a relation to fit with a line.
type CurveSample struct {
	X []float64 `json:"x"`
	Y []float64 `json:"y"`
}

// ReadSamples decodes a samples file, refusing unknown fields.
func ReadSamples(r io.Reader) (*Samples, error) {
	data, err := io.ReadAll(io.LimitReader(r, 256<<20))
	if err != nil {
		return nil, fmt.Errorf("calibrate: read samples: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var s Samples
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("calibrate: decode samples: %w", err)
	}
	return &s, nil
}

// Calibrate fits every stage and curve of s into a calibration file. Errors name the stage.
func Calibrate(s *Samples) (*File, error) {
	f := &File{Version: FileVersion, Source: s.Source, Stages: map[string]Stage{}}
	names := make([]string, 0, len(s.Stages))
	for n := range s.Stages {
		names = append(names, n)
	}
	slices.Sort(names)
	// The per-cycle stage first: the others may need its cycles' factors.
	var factors []float64
	perCycle := ""
	for _, n := range names {
		st := s.Stages[n]
		if !st.PerCycle {
			continue
		}
		if perCycle != "" {
			return nil, fmt.Errorf("calibrate: stages.%s.perCycle: %s is per cycle already; at most one stage may be", n, perCycle)
		}
		perCycle = n
		cf, err := FitPerCycle(PerCycle{Means: st.Seconds, Work: st.Work, Units: st.Units, UnitName: st.UnitIs, Proxies: st.Proxies})
		if err != nil {
			return nil, fmt.Errorf("calibrate: stages.%s: %w", n, err)
		}
		f.Stages[n], f.CycleFactor = cf.Stage, &cf.Factor
		if cf.Prep != nil {
			if _, ok := s.Stages[CyclePrep]; ok {
				return nil, fmt.Errorf("calibrate: stages.%s: fitted from stages.%s.proxies and measured too; give one", CyclePrep, n)
			}
			f.Stages[CyclePrep] = *cf.Prep
		}
		factors = cf.Factors(st.Seconds, st.Units, st.Proxies)
	}
	for _, n := range names {
		if !slices.Contains(StageNames, n) {
			return nil, fmt.Errorf("calibrate: stages.%s: unknown stage (want one of %v)", n, StageNames)
		}
		st := s.Stages[n]
		if st.Units != nil && len(st.Units) != len(st.Seconds) {
			return nil, fmt.Errorf("calibrate: stages.%s.units: %d values for %d samples", n, len(st.Units), len(st.Seconds))
		}
		if st.PerCycle {
			continue
		}
		if st.Work != nil {
			return nil, fmt.Errorf("calibrate: stages.%s.work: only a perCycle stage has work", n)
		}
		if st.Proxies != nil {
			return nil, fmt.Errorf("calibrate: stages.%s.proxies: only a perCycle stage has proxies", n)
		}
		xs := st.Seconds
		if st.Cycle != nil {
			if perCycle == "" {
				return nil, fmt.Errorf("calibrate: stages.%s.cycle: no stage is per cycle", n)
			}
			var err error
			if xs, err = deflate(xs, st.Cycle, factors); err != nil {
				return nil, fmt.Errorf("calibrate: stages.%s.cycle: %w", n, err)
			}
		}
		fit, err := FitStage(xs, st.Units, st.UnitIs)
		if err != nil {
			return nil, fmt.Errorf("calibrate: stages.%s: %w", n, err)
		}
		f.Stages[n] = fit
	}
	for n, c := range s.Curves {
		l, err := FitLine(c.X, c.Y)
		if err != nil {
			return nil, fmt.Errorf("calibrate: curves.%s: %w", n, err)
		}
		if f.Curves == nil {
			f.Curves = map[string]Line{}
		}
		f.Curves[n] = l
	}
	return f, nil
}

// Table writes one line per stage: the chosen family, its KS D and AIC, and the slope.
func (f *File) Table(w io.Writer) error {
	names := make([]string, 0, len(f.Stages))
	for n := range f.Stages {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		s := f.Stages[n]
		mean := s.Fit.Dist.Prob(nil).Mean()
		if _, err := fmt.Fprintf(w, "%-13s %-11s mean %9.3fms  KS %.4f  AIC %10.1f  n=%d", n, s.Fit.Dist.Kind, mean*1e3, s.Fit.KS, s.Fit.AIC, s.Fit.N); err != nil {
			return err
		}
		if s.PerUnit > 0 {
			fmt.Fprintf(w, "  +%.3fµs per %s", s.PerUnit*1e6, s.Units)
		}
		if s.PerProxy > 0 {
			fmt.Fprintf(w, "  +%.3fµs per zone proxy", s.PerProxy*1e6)
		}
		if s.Curve != nil && (s.PerUnit > 0 || s.PerProxy > 0) {
			fmt.Fprintf(w, " (R² %.3f)", s.Curve.R2)
		}
		fmt.Fprintln(w)
	}
	if c := f.CycleFactor; c != nil {
		p := c.Dist.Prob(nil)
		if _, err := fmt.Fprintf(w, "%-13s %-11s mean %9.3f    KS %.4f  AIC %10.1f  n=%d  (sd %.3f; multiplies a cycle's regen, push, apply)\n", "cycleFactor", c.Dist.Kind, p.Mean(), c.KS, c.AIC, c.N, math.Sqrt(p.Variance())); err != nil {
			return err
		}
	}
	return nil
}
