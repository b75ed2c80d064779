package calibrate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"

	"github.com/zonemesh/zonemesh/sim"
)

// FileVersion is the calibration file format version.
const FileVersion = 1

// Stage names, one per cost of sim.Costs.
const (
	GlobalIntake = "globalIntake"
	ZoneSend     = "zoneSend"
	ZoneStore    = "zoneStore"
	CyclePrep    = "cyclePrep"
	ProxyRegen   = "proxyRegen"
	ProxyPush    = "proxyPush"
	ProxyApply   = "proxyApply"
	Resync       = "resync"
)

// StageNames lists every stage a file may calibrate.
var StageNames = []string{GlobalIntake, ZoneSend, ZoneStore, CyclePrep, ProxyRegen, ProxyPush, ProxyApply, Resync}

// Stage is one calibrated cost: a fitted base distribution plus a fitted per-unit slope.
type Stage struct {
	Fit     Fit     `json:"fit"`
	PerUnit float64 `json:"perUnit,omitempty"`
	Units   string  `json:"units,omitempty"` // what a unit is: resources, versions
	// PerProxy is seconds per proxy of the zone (proxyRegen only: sim.Costs.RegenPerProxy).
	PerProxy float64 `json:"perProxy,omitempty"`
	Curve    *Line   `json:"curve,omitempty"` // the regression PerUnit came from
}

// File is a calibration file: what the simulator's cost model becomes after measuring.
type File struct {
	Version int              `json:"version"`
	Source  string           `json:"source,omitempty"` // what was measured, in a sentence
	Stages  map[string]Stage `json:"stages"`
	// Curves are extra fitted relations kept for the record (e.g. push cycle time vs proxies).
	Curves map[string]Line `json:"curves,omitempty"`
	// CycleFactor is the push cycle's slowdown (sim.Costs.CycleFactor), fitted by
	// FitPerCycle; absent, the simulator draws every proxy's costs independently.
	CycleFactor *Fit `json:"cycleFactor,omitempty"`
}

// FitStage fits a stage from service times (seconds) and, if units is not nil, the size of
// each job: the slope comes from a linear regression of time on size and the base
// distribution is fitted to what remains once the slope is taken off.
func FitStage(samples, units []float64, unitName string) (Stage, error) {
	if units == nil {
		f, err := FitBest(samples)
		return Stage{Fit: f}, err
	}
	line, err := FitLine(units, samples)
	if err != nil {
		return Stage{}, err
	}
	slope := max(0, line.Slope)
	base := make([]float64, 0, len(samples))
	for i, s := range samples {
		if r := s - slope*units[i]; r > 0 {
			base = append(base, r)
		}
	}
	if len(base) < len(samples)*99/100 {
		return Stage{}, fmt.Errorf("calibrate: %d of %d samples fall below the fitted cost line", len(samples)-len(base), len(samples))
	}
	f, err := FitBest(base)
	if err != nil {
		return Stage{}, err
	}
	return Stage{Fit: f, PerUnit: slope, Units: unitName, Curve: &line}, nil
}

// Validate checks names and parameters, naming the bad field.
func (f *File) Validate() error {
	if f.Version != FileVersion {
		return fmt.Errorf("calibrate: version: want %d, got %d", FileVersion, f.Version)
	}
	var errs []error
	names := make([]string, 0, len(f.Stages))
	for n := range f.Stages {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if !slices.Contains(StageNames, n) {
			errs = append(errs, fmt.Errorf("calibrate: stages.%s: unknown stage (want one of %v)", n, StageNames))
			continue
		}
		s := f.Stages[n]
		if err := s.Fit.Dist.Validate("stages." + n + ".fit.dist"); err != nil {
			errs = append(errs, fmt.Errorf("calibrate: %w", err))
		}
		if s.PerUnit < 0 {
			errs = append(errs, fmt.Errorf("calibrate: stages.%s.perUnit: must be >= 0", n))
		}
		if !(s.PerProxy >= 0) || math.IsInf(s.PerProxy, 0) {
			errs = append(errs, fmt.Errorf("calibrate: stages.%s.perProxy: must be a finite number >= 0", n))
		} else if s.PerProxy > 0 && n != ProxyRegen {
			errs = append(errs, fmt.Errorf("calibrate: stages.%s.perProxy: only %s has a cost per proxy of the zone", n, ProxyRegen))
		}
	}
	if f.CycleFactor != nil {
		if err := f.CycleFactor.Dist.Validate("cycleFactor.dist"); err != nil {
			errs = append(errs, fmt.Errorf("calibrate: %w", err))
		}
	}
	return errors.Join(errs...)
}

// Apply puts the calibrated costs into cfg; stages the file lacks keep their values.
func (f *File) Apply(cfg *sim.Config) error {
	if err := f.Validate(); err != nil {
		return err
	}
	c := &cfg.Costs
	if f.CycleFactor != nil {
		c.CycleFactor = f.CycleFactor.Dist
	}
	for n, s := range f.Stages {
		cost := sim.Cost{Base: s.Fit.Dist, PerUnit: s.PerUnit}
		switch n {
		case GlobalIntake:
			c.GlobalIntake = cost
		case ZoneSend:
			c.ZoneSend = cost
		case ZoneStore:
			c.ZoneStore = cost
		case CyclePrep:
			c.CyclePrep = cost
		case ProxyRegen:
			c.ProxyRegen, c.RegenPerProxy = cost, s.PerProxy
		case ProxyPush:
			c.ProxyPush = cost
		case ProxyApply:
			c.ProxyApply = cost
		case Resync:
			c.Resync = cost
		}
	}
	return nil
}

// Write encodes f as indented JSON (map keys sorted, so equal files give equal bytes).
func (f *File) Write(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		return fmt.Errorf("calibrate: encode: %w", err)
	}
	return nil
}

// Read decodes and validates a calibration file, refusing unknown fields.
func Read(r io.Reader) (*File, error) {
	data, err := io.ReadAll(io.LimitReader(r, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("calibrate: read: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f File
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("calibrate: decode: %w", err)
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	return &f, nil
}

// ReadFile reads a calibration file from path.
func ReadFile(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("calibrate: %w", err)
	}
	defer fh.Close()
	f, err := Read(fh)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}
