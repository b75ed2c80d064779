package sim

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/stat/distuv"
)

// Distribution kinds.
const (
	Const       = "const"
	Uniform     = "uniform"
	Normal      = "normal"
	LogNormal   = "lognormal"
	Exponential = "exponential"
	Gamma       = "gamma"
	Weibull     = "weibull"
	Pareto      = "pareto"
)

// Dist is a distribution of a non-negative quantity (seconds for service times and latencies,
// a count for proxies per zone). Parameters by Kind:
// const(Value), uniform(Min, Max), normal(Mu, Sigma), lognormal(Mu, Sigma of the log),
// exponential(Rate), gamma(Shape, Rate), weibull(Shape, Scale), pareto(Min, Alpha).
type Dist struct {
	Kind  string  `json:"kind"`
	Value float64 `json:"value,omitempty"`
	Min   float64 `json:"min,omitempty"`
	Max   float64 `json:"max,omitempty"`
	Mu    float64 `json:"mu,omitempty"`
	Sigma float64 `json:"sigma,omitempty"`
	Rate  float64 `json:"rate,omitempty"`
	Shape float64 `json:"shape,omitempty"`
	Scale float64 `json:"scale,omitempty"`
	Alpha float64 `json:"alpha,omitempty"`
}

// Fixed is a const distribution.
func Fixed(v float64) Dist { return Dist{Kind: Const, Value: v} }

// LogNormalMean is a lognormal with the given mean (not median) and log-space sigma, the
// parameterisation scenario files use.
func LogNormalMean(mean, sigma float64) Dist {
	return Dist{Kind: LogNormal, Mu: math.Log(mean) - sigma*sigma/2, Sigma: sigma}
}

// Validate checks the parameters; field is the name used in the error.
func (d Dist) Validate(field string) error {
	bad := func(what string) error { return fmt.Errorf("%s: %s %s", field, d.Kind, what) }
	for _, v := range []float64{d.Value, d.Min, d.Max, d.Mu, d.Sigma, d.Rate, d.Shape, d.Scale, d.Alpha} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return bad("parameters must be finite numbers")
		}
	}
	switch d.Kind {
	case Const:
		if d.Value < 0 || math.IsNaN(d.Value) {
			return bad("value must be >= 0")
		}
	case Uniform:
		if d.Min < 0 || d.Max < d.Min {
			return bad("needs 0 <= min <= max")
		}
	case Normal, LogNormal:
		if d.Sigma < 0 || math.IsNaN(d.Mu) {
			return bad("needs sigma >= 0")
		}
	case Exponential:
		if d.Rate <= 0 {
			return bad("needs rate > 0")
		}
	case Gamma:
		if d.Shape <= 0 || d.Rate <= 0 {
			return bad("needs shape > 0 and rate > 0")
		}
	case Weibull:
		if d.Shape <= 0 || d.Scale <= 0 {
			return bad("needs shape > 0 and scale > 0")
		}
	case Pareto:
		if d.Min <= 0 || d.Alpha <= 0 {
			return bad("needs min > 0 and alpha > 0")
		}
	default:
		return fmt.Errorf("%s: unknown distribution %q", field, d.Kind)
	}
	return nil
}

// Prob is a gonum distribution with the moments and CDF the simulator and calibration use.
type Prob interface {
	Rand() float64
	Mean() float64
	Variance() float64
	CDF(x float64) float64
	LogProb(x float64) float64
}

// Prob builds the gonum distribution drawing from src (nil src only for moments and CDF).
func (d Dist) Prob(src rand.Source) Prob {
	switch d.Kind {
	case Uniform:
		if d.Max == d.Min {
			return constant(d.Min)
		}
		return distuv.Uniform{Min: d.Min, Max: d.Max, Src: src}
	case Normal:
		return distuv.Normal{Mu: d.Mu, Sigma: d.Sigma, Src: src}
	case LogNormal:
		return distuv.LogNormal{Mu: d.Mu, Sigma: d.Sigma, Src: src}
	case Exponential:
		return distuv.Exponential{Rate: d.Rate, Src: src}
	case Gamma:
		return distuv.Gamma{Alpha: d.Shape, Beta: d.Rate, Src: src}
	case Weibull:
		return distuv.Weibull{K: d.Shape, Lambda: d.Scale, Src: src}
	case Pareto:
		return distuv.Pareto{Xm: d.Min, Alpha: d.Alpha, Src: src}
	default:
		return constant(d.Value)
	}
}

// constant is a point mass; gonum has none.
type constant float64

func (c constant) Rand() float64     { return float64(c) }
func (c constant) Mean() float64     { return float64(c) }
func (c constant) Variance() float64 { return 0 }
func (c constant) CDF(x float64) float64 {
	if x < float64(c) {
		return 0
	}
	return 1
}
func (c constant) LogProb(x float64) float64 {
	if x == float64(c) {
		return 0
	}
	return math.Inf(-1)
}

// Cost is a service time linear in a size (resources, versions, proxies): a draw of Base plus
// PerUnit seconds per unit. Base carries the noise; PerUnit is the fitted slope.
type Cost struct {
	Base    Dist    `json:"base"`
	PerUnit float64 `json:"perUnit,omitempty"`
}

// sampler draws non-negative seconds from a Cost with the run's source.
type sampler struct {
	p       Prob
	perUnit float64
	mean    float64
	sd      float64
}

func newSampler(c Cost, src rand.Source) sampler {
	p := c.Base.Prob(src)
	return sampler{p: p, perUnit: c.PerUnit, mean: p.Mean(), sd: math.Sqrt(p.Variance())}
}

// maxDraw caps one drawn time (seconds): a heavy tail or a bad calibration must not overflow
// the int64 nanosecond clock.
const maxDraw = 1e6

// draw returns one service time in nanoseconds for a job of size units.
func (s sampler) draw(units float64) int64 {
	v := s.p.Rand() + s.perUnit*units
	if v < 0 || math.IsNaN(v) {
		v = 0
	}
	return secs(min(v, maxDraw))
}

// drawSum returns the total service time of k independent jobs of size units. Past 32 jobs it
// uses the normal approximation of the sum (mean k·μ, sd √k·σ), which is what lets a push
// cycle of a million proxies cost a few draws.
func (s sampler) drawSum(k int, units float64, r *rand.Rand) int64 {
	if k <= 32 {
		var t int64
		for range k {
			t += s.draw(units)
		}
		return t
	}
	fk := float64(k)
	v := fk*(s.mean+s.perUnit*units) + math.Sqrt(fk)*s.sd*r.NormFloat64()
	if v < 0 || math.IsNaN(v) {
		v = 0
	}
	return secs(min(v, maxDraw))
}

func secs(v float64) int64 { return int64(v * 1e9) }
