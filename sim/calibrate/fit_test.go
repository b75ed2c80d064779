package calibrate

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/zonemesh/zonemesh/sim"
)

func draw(d sim.Dist, n int, seed uint64) []float64 {
	p := d.Prob(rand.NewPCG(seed, 7))
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = p.Rand()
	}
	return xs
}

func near(t *testing.T, name string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol*math.Abs(want) {
		t.Errorf("%s = %g, want %g ±%.0f%%", name, got, want, tol*100)
	}
}

func TestFitRecoversKnownFamilies(t *testing.T) {
	cases := []struct {
		truth sim.Dist
		check func(t *testing.T, d sim.Dist)
	}{
		{sim.Dist{Kind: sim.LogNormal, Mu: -5, Sigma: 0.5}, func(t *testing.T, d sim.Dist) {
			near(t, "mu", d.Mu, -5, 0.02)
			near(t, "sigma", d.Sigma, 0.5, 0.05)
		}},
		{sim.Dist{Kind: sim.Gamma, Shape: 3, Rate: 500}, func(t *testing.T, d sim.Dist) {
			near(t, "shape", d.Shape, 3, 0.08)
			near(t, "rate", d.Rate, 500, 0.08)
		}},
		{sim.Dist{Kind: sim.Weibull, Shape: 1.8, Scale: 0.004}, func(t *testing.T, d sim.Dist) {
			near(t, "shape", d.Shape, 1.8, 0.05)
			near(t, "scale", d.Scale, 0.004, 0.05)
		}},
		{sim.Dist{Kind: sim.Exponential, Rate: 200}, func(t *testing.T, d sim.Dist) {
			near(t, "rate", d.Rate, 200, 0.05)
		}},
		{sim.Dist{Kind: sim.Normal, Mu: 0.010, Sigma: 0.001}, func(t *testing.T, d sim.Dist) {
			near(t, "mu", d.Mu, 0.010, 0.01)
			near(t, "sigma", d.Sigma, 0.001, 0.05)
		}},
	}
	for i, c := range cases {
		t.Run(c.truth.Kind, func(t *testing.T) {
			f, err := FitBest(draw(c.truth, 4000, uint64(i+1)))
			if err != nil {
				t.Fatal(err)
			}
			if f.Dist.Kind != c.truth.Kind {
				t.Fatalf("chose %s (KS %.4f, AIC %.1f), want %s; candidates %+v", f.Dist.Kind, f.KS, f.AIC, c.truth.Kind, f.Candidates)
			}
			if f.KS > 1.36/math.Sqrt(4000) {
				t.Errorf("KS D %.4f fails at 5%%", f.KS)
			}
			c.check(t, f.Dist)
		})
	}
}

func TestFitRefusesBadSamples(t *testing.T) {
	if _, err := FitBest([]float64{1, 2}); !errors.Is(err, ErrTooFewSamples) {
		t.Errorf("2 samples: %v", err)
	}
	xs := draw(sim.Dist{Kind: sim.Exponential, Rate: 1}, 100, 1)
	xs[3] = -1
	if _, err := FitBest(xs); err == nil || !strings.Contains(err.Error(), "positive") {
		t.Errorf("negative sample: %v", err)
	}
}

func TestFitStageSeparatesSlopeFromNoise(t *testing.T) {
	// Push time = lognormal noise (mean 2ms) + 20µs per resource, resources 10..1000.
	r := rand.New(rand.NewPCG(3, 3))
	noise := draw(sim.LogNormalMean(0.002, 0.4), 3000, 9)
	units := make([]float64, len(noise))
	ys := make([]float64, len(noise))
	for i := range ys {
		units[i] = float64(10 + r.IntN(990))
		ys[i] = noise[i] + 20e-6*units[i]
	}
	s, err := FitStage(ys, units, "resources")
	if err != nil {
		t.Fatal(err)
	}
	near(t, "perUnit", s.PerUnit, 20e-6, 0.03)
	near(t, "base mean", s.Fit.Dist.Prob(nil).Mean(), 0.002, 0.05)
	if s.Curve.R2 < 0.9 {
		t.Errorf("R² %.3f", s.Curve.R2)
	}
}

func TestFileRoundTripAndErrors(t *testing.T) {
	st, err := FitStage(draw(sim.LogNormalMean(0.001, 0.5), 500, 2), nil, "")
	if err != nil {
		t.Fatal(err)
	}
	f := &File{Version: FileVersion, Source: "synthetic", Stages: map[string]Stage{ProxyApply: st, ZoneStore: st},
		Curves: map[string]Line{"pushCycleVsProxies": {Intercept: 0.01, Slope: 0.0003, R2: 0.99, N: 5}}}
	var a, b bytes.Buffer
	if err := f.Write(&a); err != nil {
		t.Fatal(err)
	}
	g, err := Read(bytes.NewReader(a.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	g.Write(&b)
	if a.String() != b.String() {
		t.Fatalf("round trip changed the file:\n%s\n%s", a.String(), b.String())
	}
	cfg := sim.Defaults()
	if err := g.Apply(&cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Costs.ProxyApply.Base != st.Fit.Dist {
		t.Errorf("apply did not set proxyApply: %+v", cfg.Costs.ProxyApply)
	}
	for _, bad := range []struct{ doc, field string }{
		{`{"version":1,"stages":{"warp":{"fit":{"dist":{"kind":"const"},"n":1,"ks":0,"aic":0}}}}`, "stages.warp"},
		{`{"version":1,"stages":{"zoneStore":{"fit":{"dist":{"kind":"gamma","shape":-1,"rate":1},"n":1,"ks":0,"aic":0}}}}`, "stages.zoneStore.fit.dist"},
		{`{"version":2,"stages":{}}`, "version"},
		{`{"version":1,"stages":{},"extra":1}`, "extra"},
	} {
		if _, err := Read(strings.NewReader(bad.doc)); err == nil || !strings.Contains(err.Error(), bad.field) {
			t.Errorf("%s: error %v does not name %s", bad.doc, err, bad.field)
		}
	}
}

func TestValidateQuantileErrors(t *testing.T) {
	m := draw(sim.LogNormalMean(0.05, 0.5), 5000, 1)
	same, _ := Validate(draw(sim.LogNormalMean(0.05, 0.5), 5000, 2), m)
	if !same.Within(0.05, 0.10) || same.KS > 0.05 {
		t.Errorf("same distribution: %+v", same)
	}
	slow, _ := Validate(draw(sim.LogNormalMean(0.075, 0.5), 5000, 2), m)
	if slow.Within(0.10, 0.20) || slow.KS < 0.2 {
		t.Errorf("50%% slower prediction passed: %+v", slow)
	}
	if q := slow.Quantiles[0]; math.Abs(q.RelErr-0.5) > 0.08 {
		t.Errorf("p50 error %.3f, want ≈ +0.5", q.RelErr)
	}
}
