package calibrate

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/zonemesh/zonemesh/sim"
	"gonum.org/v1/gonum/mat"
)

// PerCycle is a per-proxy cost measured only as one mean per push cycle (a pass's time ×
// workers ÷ proxies, which is all a zone's generation metrics give).
type PerCycle struct {
	Means []float64 // each cycle's mean cost per proxy
	// Work, if not nil, is each cycle's CPU seconds per proxy: the cost line is fitted to it
	// and the factor is the wall time's stretch over it.
	Work []float64
	// Units, if not nil, is each cycle's job size: the line gets a slope per unit.
	Units    []float64
	UnitName string
	// Proxies, if not nil, is each cycle's proxy count. With two counts or more the line gets
	// a slope per proxy of the zone (a config lists the zone's endpoints: the simulator's
	// RegenPerProxy); with three or more, also a fixed cost per cycle (its share per proxy is
	// prep ÷ proxies: the simulator's CyclePrep).
	Proxies []float64
}

// CycleFit is what FitPerCycle finds.
type CycleFit struct {
	Stage  Stage  // the per-proxy cost: a constant base, PerUnit per unit, PerProxy per proxy
	Prep   *Stage // the fixed cost of a cycle, in pool seconds; nil when none was fitted
	Factor Fit    // the cycle factor
}

// FitPerCycle fits a per-cycle stage.
//
// The cycles' means vary far more than independent per-proxy draws would let them (a loaded
// machine slows whole passes), so the spread goes into a cycle factor. The stage is a cost
// line fitted by least squares: per proxy, base + slope·units + perProxy·proxies + prep ÷
// proxies, each term present when its column is given and varies enough to be told from the
// others, and dropped when it comes out negative. The factor is fitted to each cycle's mean
// over the line's value there. With work, the line is fitted to the CPU time, which the
// machine's load moves far less, and the factor is the stretch of wall time over it (its mean
// is then the load's, not 1); without, the line is fitted to the wall times and the factor's
// mean is ≈ 1.
//
// The terms in proxies are what a line in units alone gets wrong across zone sizes: a config
// that lists the zone's endpoints costs more in a bigger zone whatever the policies, and fixed
// work per pass (gathering every resource once), amortized over few proxies, makes a proxy
// look dear in a small zone. How costs vary between proxies of one cycle is not visible in
// per-cycle sums: the stage's base is constant, rather than an invented spread.
func FitPerCycle(pc PerCycle) (CycleFit, error) {
	n := len(pc.Means)
	if n < MinSamples {
		return CycleFit{}, fmt.Errorf("%w: %d cycles < %d", ErrTooFewSamples, n, MinSamples)
	}
	for _, col := range []struct {
		name string
		xs   []float64
	}{{"units", pc.Units}, {"work", pc.Work}, {"proxies", pc.Proxies}} {
		if col.xs != nil && len(col.xs) != n {
			return CycleFit{}, fmt.Errorf("calibrate: %s: %d values for %d cycles", col.name, len(col.xs), n)
		}
	}
	line := pc.Means
	if pc.Work != nil {
		line = pc.Work
	}
	for i, m := range pc.Means {
		if !(m > 0) || math.IsInf(m, 0) || !(line[i] > 0) || math.IsInf(line[i], 0) {
			return CycleFit{}, fmt.Errorf("calibrate: cycle %d: mean cost %v and work %v must be positive and finite", i, m, line[i])
		}
		if pc.Proxies != nil && !(pc.Proxies[i] >= 1) {
			return CycleFit{}, fmt.Errorf("calibrate: proxies: cycle %d has %v; want >= 1", i, pc.Proxies[i])
		}
	}
	cols := map[string][]float64{}
	if distinct(pc.Units) >= 2 {
		cols["units"] = pc.Units
	}
	if k := distinct(pc.Proxies); k >= 2 {
		cols["proxies"] = pc.Proxies
		if k >= 3 { // with two counts, 1/N is a line in N: one of them can be fitted
			inv := make([]float64, n)
			for i, p := range pc.Proxies {
				inv[i] = 1 / p
			}
			cols["prep"] = inv
		}
	}
	coef, r2, err := leastSquares(line, cols)
	if err != nil {
		return CycleFit{}, err
	}
	if coef["base"] <= 0 {
		return CycleFit{}, errors.New("calibrate: the cost line's base is not positive")
	}
	cf := CycleFit{Stage: Stage{Fit: Fit{Dist: sim.Fixed(coef["base"]), N: n}}}
	if pc.Units != nil {
		cf.Stage.PerUnit, cf.Stage.Units = coef["units"], pc.UnitName
		cf.Stage.Curve = &Line{Intercept: coef["base"], Slope: coef["units"], R2: r2, N: n}
	}
	cf.Stage.PerProxy = coef["proxies"]
	if p := coef["prep"]; p > 0 {
		cf.Prep = &Stage{Fit: Fit{Dist: sim.Fixed(p), N: n}}
	}
	factors := cf.Factors(pc.Means, pc.Units, pc.Proxies)
	if lo, hi := slices.Min(factors), slices.Max(factors); hi-lo < 1e-9 {
		// Every cycle cost the same: no spread to fit, and no family fits a point mass.
		cf.Factor = Fit{Dist: sim.Fixed(lo), N: n}
		return cf, nil
	}
	if cf.Factor, err = FitBest(factors); err != nil {
		return CycleFit{}, fmt.Errorf("calibrate: cycle factor: %w", err)
	}
	return cf, nil
}

// Line is the fitted cost per proxy of a cycle of the given size (units, proxies; either nil
// when the fit has no such term).
func (c CycleFit) Line(units, proxies float64) float64 {
	v := c.Stage.Fit.Dist.Prob(nil).Mean() + c.Stage.PerUnit*units + c.Stage.PerProxy*proxies
	if c.Prep != nil && proxies > 0 {
		v += c.Prep.Fit.Dist.Prob(nil).Mean() / proxies
	}
	return v
}

// Factors returns each cycle's factor: its mean cost over the line's value at its size (units
// and proxies nil: no such term).
func (c CycleFit) Factors(means, units, proxies []float64) []float64 {
	out := make([]float64, len(means))
	for i, m := range means {
		var u, p float64
		if units != nil {
			u = units[i]
		}
		if proxies != nil {
			p = proxies[i]
		}
		out[i] = m / c.Line(u, p)
	}
	return out
}

// leastSquares fits y = base + Σ coef[name]·cols[name] and drops, one at a time, the most
// negative coefficient other than base (a cost has no negative part) until none is. It returns
// the coefficients (absent columns are 0) and R².
func leastSquares(y []float64, cols map[string][]float64) (map[string]float64, float64, error) {
	names := make([]string, 0, len(cols))
	for k := range cols {
		names = append(names, k)
	}
	slices.Sort(names)
	for {
		a := mat.NewDense(len(y), len(names)+1, nil)
		for i := range y {
			a.Set(i, 0, 1)
			for j, k := range names {
				a.Set(i, j+1, cols[k][i])
			}
		}
		var x mat.VecDense
		if err := x.SolveVec(a, mat.NewVecDense(len(y), slices.Clone(y))); err != nil {
			return nil, 0, fmt.Errorf("calibrate: cost line: %w", err)
		}
		coef := map[string]float64{"base": x.AtVec(0)}
		worst, at := 0.0, -1
		for j, k := range names {
			coef[k] = x.AtVec(j + 1)
			if coef[k] < worst {
				worst, at = coef[k], j
			}
		}
		if at < 0 {
			var pred mat.VecDense
			pred.MulVec(a, &x)
			var ssr, sst, mean float64
			for _, v := range y {
				mean += v / float64(len(y))
			}
			for i, v := range y {
				ssr += (v - pred.AtVec(i)) * (v - pred.AtVec(i))
				sst += (v - mean) * (v - mean)
			}
			r2 := 0.0
			if sst > 0 {
				r2 = 1 - ssr/sst
			}
			return coef, r2, nil
		}
		names = slices.Delete(names, at, at+1)
	}
}

// distinct is how many different values xs holds.
func distinct(xs []float64) int {
	return len(slices.Compact(slices.Sorted(slices.Values(xs))))
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
