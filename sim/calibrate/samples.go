package calibrate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
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
	for _, n := range names {
		if !slices.Contains(StageNames, n) {
			return nil, fmt.Errorf("calibrate: stages.%s: unknown stage (want one of %v)", n, StageNames)
		}
		st := s.Stages[n]
		if st.Units != nil && len(st.Units) != len(st.Seconds) {
			return nil, fmt.Errorf("calibrate: stages.%s.units: %d values for %d samples", n, len(st.Units), len(st.Seconds))
		}
		fit, err := FitStage(st.Seconds, st.Units, st.UnitIs)
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
			fmt.Fprintf(w, "  +%.3fµs per %s (R² %.3f)", s.PerUnit*1e6, s.Units, s.Curve.R2)
		}
		fmt.Fprintln(w)
	}
	return nil
}
