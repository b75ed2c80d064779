package calibrate

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/zonemesh/zonemesh/sim"
)

// FitPerCycle fits a per-proxy cost measured only as one mean per push cycle (a pass's time
// × workers ÷ proxies, which is all a zone's generation metrics give): means[i] is cycle i's
// mean cost, units[i] its job size (nil: no slope), and work[i], if not nil, the CPU seconds
// per proxy the cycle took.
//
// The cycles' means vary far more than independent per-proxy draws would let them (a loaded
// machine slows whole passes), so the spread goes into a cycle factor. The stage is a cost
// line, slope by regression (as FitStage) and base the mean residual as a constant, and the
// factor is fitted to each cycle's mean over the line's value there. With work, the line is
// fitted to the CPU time, which the machine's load moves far less, and the factor is the
// stretch of wall time over it (its mean is then the load's, not 1); without, the line is
// fitted to the wall times and the factor's mean is ≈ 1. How costs vary between proxies of one
// cycle is not visible in per-cycle sums: the stage's base is constant, rather than an
// invented spread.
func FitPerCycle(means, work, units []float64, unitName string) (Stage, Fit, error) {
	if len(means) < MinSamples {
		return Stage{}, Fit{}, fmt.Errorf("%w: %d cycles < %d", ErrTooFewSamples, len(means), MinSamples)
	}
	if units != nil && len(units) != len(means) {
		return Stage{}, Fit{}, fmt.Errorf("calibrate: %d units for %d cycles", len(units), len(means))
	}
	if work != nil && len(work) != len(means) {
		return Stage{}, Fit{}, fmt.Errorf("calibrate: work: %d values for %d cycles", len(work), len(means))
	}
	line := means
	if work != nil {
		line = work
	}
	for i, m := range means {
		if !(m > 0) || math.IsInf(m, 0) || !(line[i] > 0) || math.IsInf(line[i], 0) {
			return Stage{}, Fit{}, fmt.Errorf("calibrate: cycle %d: mean cost %v and work %v must be positive and finite", i, m, line[i])
		}
	}
	st := Stage{}
	var slope float64
	if units != nil {
		l, err := FitLine(units, line)
		if err != nil {
			return Stage{}, Fit{}, err
		}
		slope = max(0, l.Slope)
		st.PerUnit, st.Units, st.Curve = slope, unitName, &l
	}
	unit := func(i int) float64 {
		if units == nil {
			return 0
		}
		return units[i]
	}
	var base float64
	for i, y := range line {
		base += y - slope*unit(i)
	}
	base /= float64(len(line))
	if base <= 0 {
		return Stage{}, Fit{}, errors.New("calibrate: the cost line's base is not positive")
	}
	st.Fit = Fit{Dist: sim.Fixed(base), N: len(means)}
	factors := CycleFactors(st, means, units)
	if lo, hi := slices.Min(factors), slices.Max(factors); hi-lo < 1e-9 {
		// Every cycle cost the same: no spread to fit, and no family fits a point mass.
		return st, Fit{Dist: sim.Fixed(lo), N: len(means)}, nil
	}
	fac, err := FitBest(factors)
	if err != nil {
		return Stage{}, Fit{}, fmt.Errorf("calibrate: cycle factor: %w", err)
	}
	return st, fac, nil
}

// CycleFactors returns each cycle's factor under a fitted per-cycle stage: the cycle's mean
// cost over the stage's line at its size (units nil: no slope).
func CycleFactors(st Stage, means, units []float64) []float64 {
	base := st.Fit.Dist.Prob(nil).Mean()
	out := make([]float64, len(means))
	for i, m := range means {
		u := 0.0
		if units != nil {
			u = units[i]
		}
		out[i] = m / (base + st.PerUnit*u)
	}
	return out
}

// deflate divides each sample by its cycle's factor: a cost slowed with its whole cycle, as
// the simulator multiplies it back.
func deflate(xs []float64, cycle []int, factors []float64) ([]float64, error) {
	if len(cycle) != len(xs) {
		return nil, fmt.Errorf("calibrate: %d cycle indexes for %d samples", len(cycle), len(xs))
	}
	out := slices.Clone(xs)
	for i, c := range cycle {
		if c < 0 || c >= len(factors) {
			return nil, fmt.Errorf("calibrate: sample %d: cycle %d out of range [0, %d)", i, c, len(factors))
		}
		out[i] /= factors[c]
	}
	return out, nil
}
