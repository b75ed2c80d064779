package calibrate

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/stat"

	"github.com/zonemesh/zonemesh/sim"
)

// ErrTooFewSamples is returned when a fit has fewer than MinSamples values.
var ErrTooFewSamples = errors.New("calibrate: too few samples")

// MinSamples is the smallest sample set Fit accepts.
const MinSamples = 20

// Candidate is one distribution family fitted to a sample set.
type Candidate struct {
	Dist   sim.Dist `json:"dist"`
	LogLik float64  `json:"logLik"`
	AIC    float64  `json:"aic"`
	KS     float64  `json:"ks"` // Kolmogorov–Smirnov D against the samples
	Passes bool     `json:"passes"`
}

// Fit is the chosen distribution of one stage and the candidates it beat.
type Fit struct {
	Dist       sim.Dist    `json:"dist"`
	N          int         `json:"n"`
	KS         float64     `json:"ks"`
	AIC        float64     `json:"aic"`
	Candidates []Candidate `json:"candidates,omitempty"`
}

// Families are the distributions FitBest tries, in tie-break order.
var Families = []string{sim.LogNormal, sim.Gamma, sim.Weibull, sim.Normal, sim.Exponential}

// FitBest fits every family by maximum likelihood and chooses, among those whose KS D is below
// the 5% critical value 1.36/√n, the one with the lowest AIC; if none passes, the lowest D.
// Samples must be positive (service times in seconds).
func FitBest(samples []float64) (Fit, error) {
	if len(samples) < MinSamples {
		return Fit{}, fmt.Errorf("%w: %d < %d", ErrTooFewSamples, len(samples), MinSamples)
	}
	xs := slices.Clone(samples)
	slices.Sort(xs)
	if xs[0] <= 0 || math.IsInf(xs[len(xs)-1], 0) || math.IsNaN(xs[len(xs)-1]) {
		return Fit{}, fmt.Errorf("calibrate: samples must be positive and finite (min %v)", xs[0])
	}
	crit := 1.36 / math.Sqrt(float64(len(xs)))
	var cands []Candidate
	for _, fam := range Families {
		d, k, err := mle(fam, xs)
		if err != nil {
			continue
		}
		p := d.Prob(nil)
		ll := 0.0
		for _, x := range xs {
			ll += p.LogProb(x)
		}
		if math.IsNaN(ll) || math.IsInf(ll, 0) {
			continue
		}
		ks := KS(xs, p.CDF)
		cands = append(cands, Candidate{Dist: d, LogLik: ll, AIC: 2*float64(k) - 2*ll, KS: ks, Passes: ks < crit})
	}
	if len(cands) == 0 {
		return Fit{}, errors.New("calibrate: no family could be fitted")
	}
	best := 0
	for i, c := range cands {
		b := cands[best]
		switch {
		case c.Passes && !b.Passes:
			best = i
		case c.Passes == b.Passes && c.Passes && c.AIC < b.AIC:
			best = i
		case c.Passes == b.Passes && !c.Passes && c.KS < b.KS:
			best = i
		}
	}
	b := cands[best]
	return Fit{Dist: b.Dist, N: len(xs), KS: b.KS, AIC: b.AIC, Candidates: cands}, nil
}

// mle fits family fam to sorted positive xs and returns the number of parameters.
func mle(fam string, xs []float64) (sim.Dist, int, error) {
	n := float64(len(xs))
	mean := stat.Mean(xs, nil)
	var meanLog, sumLog2 float64
	for _, x := range xs {
		l := math.Log(x)
		meanLog += l
		sumLog2 += l * l
	}
	meanLog /= n
	switch fam {
	case sim.Normal:
		sd := math.Sqrt(stat.MomentAbout(2, xs, mean, nil))
		return sim.Dist{Kind: sim.Normal, Mu: mean, Sigma: sd}, 2, nil
	case sim.LogNormal:
		sd := math.Sqrt(max(0, sumLog2/n-meanLog*meanLog))
		return sim.Dist{Kind: sim.LogNormal, Mu: meanLog, Sigma: sd}, 2, nil
	case sim.Exponential:
		return sim.Dist{Kind: sim.Exponential, Rate: 1 / mean}, 1, nil
	case sim.Gamma:
		k, err := gammaShape(math.Log(mean) - meanLog)
		if err != nil {
			return sim.Dist{}, 0, err
		}
		return sim.Dist{Kind: sim.Gamma, Shape: k, Rate: k / mean}, 2, nil
	case sim.Weibull:
		k, lambda, err := weibull(xs)
		if err != nil {
			return sim.Dist{}, 0, err
		}
		return sim.Dist{Kind: sim.Weibull, Shape: k, Scale: lambda}, 2, nil
	}
	return sim.Dist{}, 0, fmt.Errorf("calibrate: unknown family %q", fam)
}

// gammaShape solves ln k − ψ(k) = s by Newton's method from the Minka/Choi–Wette start.
func gammaShape(s float64) (float64, error) {
	if s <= 0 || math.IsNaN(s) {
		return 0, errors.New("calibrate: gamma needs spread samples")
	}
	k := (3 - s + math.Sqrt((s-3)*(s-3)+24*s)) / (12 * s)
	for range 50 {
		f := math.Log(k) - mathext.Digamma(k) - s
		df := 1/k - trigamma(k)
		next := k - f/df
		if next <= 0 {
			next = k / 2
		}
		if math.Abs(next-k) < 1e-10*k {
			return next, nil
		}
		k = next
	}
	return k, nil
}

// trigamma is ψ'(x): recurrence up to x ≥ 6, then the asymptotic series.
func trigamma(x float64) float64 {
	var acc float64
	for x < 6 {
		acc += 1 / (x * x)
		x++
	}
	x2 := 1 / (x * x)
	return acc + 1/x + x2/2 + (1/x)*x2*(1.0/6-x2*(1.0/30-x2/42))
}

// weibull solves the shape equation Σxᵏln x/Σxᵏ − 1/k − mean(ln x) = 0 by Newton's method.
func weibull(xs []float64) (k, lambda float64, err error) {
	n := float64(len(xs))
	var meanLog float64
	for _, x := range xs {
		meanLog += math.Log(x)
	}
	meanLog /= n
	// Scale by the largest value so xᵏ cannot overflow.
	m := xs[len(xs)-1]
	k = 1.2
	for range 100 {
		var a, b, c float64
		for _, x := range xs {
			l := math.Log(x / m)
			p := math.Pow(x/m, k)
			a += p
			b += p * l
			c += p * l * l
		}
		lm := meanLog - math.Log(m)
		f := b/a - 1/k - lm
		df := (c*a-b*b)/(a*a) + 1/(k*k)
		next := k - f/df
		if next <= 0 || math.IsNaN(next) {
			next = k / 2
		}
		if math.Abs(next-k) < 1e-10*k {
			k = next
			break
		}
		k = next
	}
	var a float64
	for _, x := range xs {
		a += math.Pow(x/m, k)
	}
	lambda = m * math.Pow(a/n, 1/k)
	if math.IsNaN(lambda) || lambda <= 0 {
		return 0, 0, errors.New("calibrate: weibull fit diverged")
	}
	return k, lambda, nil
}

// KS is the one-sample Kolmogorov–Smirnov statistic D of sorted xs against cdf.
func KS(sorted []float64, cdf func(float64) float64) float64 {
	n := float64(len(sorted))
	var d float64
	for i, x := range sorted {
		f := cdf(x)
		d = max(d, math.Abs(f-float64(i)/n), math.Abs(float64(i+1)/n-f))
	}
	return d
}

// Line is a fitted cost curve y = Intercept + Slope·x.
type Line struct {
	Intercept float64 `json:"intercept"`
	Slope     float64 `json:"slope"`
	R2        float64 `json:"r2"`
	N         int     `json:"n"`
}

// FitLine fits y against x by least squares (gonum stat.LinearRegression).
func FitLine(x, y []float64) (Line, error) {
	if len(x) != len(y) {
		return Line{}, fmt.Errorf("calibrate: %d x values but %d y values", len(x), len(y))
	}
	if len(x) < 3 {
		return Line{}, fmt.Errorf("%w: a line needs 3 points, got %d", ErrTooFewSamples, len(x))
	}
	a, b := stat.LinearRegression(x, y, nil, false)
	if math.IsNaN(a) || math.IsNaN(b) {
		return Line{}, errors.New("calibrate: x values do not vary")
	}
	return Line{Intercept: a, Slope: b, R2: stat.RSquared(x, y, nil, a, b), N: len(x)}, nil
}
