package calibrate

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/zonemesh/zonemesh/sim"
	"gonum.org/v1/gonum/stat"
)

// Per-cycle means of a per-proxy cost = (base + slope·resources) × a lognormal cycle factor
// (plus a little per-proxy noise averaged over the cycle): FitPerCycle recovers the line and
// the factor's spread, and deflating a cost that slows with its cycle takes the factor out.
func TestFitPerCycleRecoversLineAndFactor(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	truth := sim.LogNormalMean(1, 0.3)
	fac := draw(truth, 600, 8)
	means := make([]float64, len(fac))
	units := make([]float64, len(fac))
	for i := range means {
		units[i] = float64([]int{100, 200, 300}[i%3] + i%30)
		means[i] = (0.002 + 4e-6*units[i]) * fac[i] * (1 + 0.01*r.NormFloat64())
	}
	cf, err := FitPerCycle(PerCycle{Means: means, Units: units, UnitName: "resources"})
	if err != nil {
		t.Fatal(err)
	}
	st, f := cf.Stage, cf.Factor
	if cf.Prep != nil {
		t.Errorf("a per-cycle cost %v fitted without proxies", cf.Prep.Fit.Dist)
	}
	near(t, "base", st.Fit.Dist.Value, 0.002, 0.10)
	near(t, "perUnit", st.PerUnit, 4e-6, 0.15)
	if f.Dist.Kind != sim.LogNormal {
		t.Errorf("factor family %s, want lognormal; candidates %+v", f.Dist.Kind, f.Candidates)
	}
	p := f.Dist.Prob(nil)
	near(t, "factor mean", p.Mean(), 1, 0.05)
	near(t, "factor sd", math.Sqrt(p.Variance()), math.Sqrt(truth.Prob(nil).Variance()), 0.15)

	// An apply time that is 2 ms × the cycle's factor: deflated, it is 2 ms again.
	cycle := make([]int, len(means))
	apply := make([]float64, len(means))
	for i := range apply {
		cycle[i], apply[i] = i, 0.002*fac[i]
	}
	got, err := deflate(apply, cycle, cf.Factors(means, units, nil))
	if err != nil {
		t.Fatal(err)
	}
	if sd := stat.StdDev(got, nil); sd > 0.0002 {
		t.Errorf("deflated apply sd %.6f: the cycle factor was not taken out", sd)
	}
}

// With each cycle's CPU time per proxy, the line is the CPU cost and the factor is the wall
// time's stretch over it: a machine at half a core per worker stretches by ≈ 2.
func TestFitPerCycleFromWork(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	stretch := draw(sim.LogNormalMean(2.2, 0.25), 300, 11)
	means := make([]float64, len(stretch))
	work := make([]float64, len(stretch))
	units := make([]float64, len(stretch))
	for i := range means {
		units[i] = float64([]int{115, 215, 315}[i%3])
		work[i] = (0.0006 + 1.3e-6*units[i]) * (1 + 0.05*r.NormFloat64())
		means[i] = work[i] * stretch[i]
	}
	cf, err := FitPerCycle(PerCycle{Means: means, Work: work, Units: units, UnitName: "resources"})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "base", cf.Stage.Fit.Dist.Value, 0.0006, 0.10)
	near(t, "perUnit", cf.Stage.PerUnit, 1.3e-6, 0.10)
	near(t, "stretch mean", cf.Factor.Dist.Prob(nil).Mean(), 2.2, 0.05)
	for _, bad := range []struct {
		pc   PerCycle
		want string
	}{
		{PerCycle{Means: means, Work: work[:5], Units: units}, "work"},
		{PerCycle{Means: means, Units: units, Proxies: units[:7]}, "proxies"},
		{PerCycle{Means: means, Units: units, Proxies: make([]float64, len(means))}, "proxies: cycle 0"},
	} {
		if _, err := FitPerCycle(bad.pc); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("want an error containing %q, got %v", bad.want, err)
		}
	}
}

// The two shapes the reference zone's CPU per proxy has shown across zone sizes: falling from
// 100 to 300 proxies and rising to 1,000 (fixed work per pass, amortized), and rising all the
// way at ≈ 0.7 µs per zone proxy while each policy adds ≈ 2.6 µs. With the proxy counts the fit
// tells the terms apart and predicts a size it never saw; a line in resources (proxies +
// policies) alone, fitted to the same cycles, predicts it badly.
func TestFitPerCycleSeparatesZoneTerms(t *testing.T) {
	for _, tc := range []struct {
		name                          string
		prep, base, perPolicy, perPxy float64 // s per cycle, s per proxy, s per policy, s per zone proxy
	}{
		{"fixed work per pass", 0.060, 0.0006, 1.5e-6, 1.5e-6},
		{"endpoints per zone proxy", 0, 0.0004, 2.6e-6, 0.7e-6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(6, 6))
			truth := func(policies, proxies float64) float64 {
				return tc.prep/proxies + tc.base + tc.perPolicy*policies + tc.perPxy*proxies
			}
			var means, work, units, proxies, resources []float64
			for _, n := range []float64{100, 200, 300} {
				for i := range 100 {
					pol := float64(i) + 1
					w := truth(pol, n) * (1 + 0.05*r.NormFloat64())
					units, proxies, resources = append(units, pol), append(proxies, n), append(resources, n+pol)
					work, means = append(work, w), append(means, w*2)
				}
			}
			cf, err := FitPerCycle(PerCycle{Means: means, Work: work, Units: units, UnitName: "policies", Proxies: proxies})
			if err != nil {
				t.Fatal(err)
			}
			if tc.prep > 0 {
				if cf.Prep == nil {
					t.Fatal("no per-cycle cost fitted")
				}
				near(t, "prep", cf.Prep.Fit.Dist.Value, tc.prep, 0.25)
			} else if cf.Prep != nil && cf.Prep.Fit.Dist.Value > 0.005 {
				t.Errorf("a per-cycle cost of %v fitted where there is none", cf.Prep.Fit.Dist.Value)
			}
			near(t, "perUnit", cf.Stage.PerUnit, tc.perPolicy, 0.15)
			near(t, "perProxy", cf.Stage.PerProxy, tc.perPxy, 0.25)
			want := truth(50, 1000)
			near(t, "held-out 1000 proxies", cf.Line(50, 1000), want, 0.10)

			alone, err := FitPerCycle(PerCycle{Means: means, Work: work, Units: resources, UnitName: "resources"})
			if err != nil {
				t.Fatal(err)
			}
			errZone := math.Abs(cf.Line(50, 1000)/want - 1)
			errAlone := math.Abs(alone.Line(1050, 0)/want - 1)
			t.Logf("held-out 1000 proxies: zone terms off by %.1f%%, a line in resources by %.1f%%", 100*errZone, 100*errAlone)
			if errAlone < 2*errZone || errAlone < 0.1 {
				t.Errorf("a line in resources alone is off by %.1f%% at 1000 proxies, the zone terms by %.1f%%: the test data do not show what the terms are for", 100*errAlone, 100*errZone)
			}
		})
	}
}

// Through a samples file, the per-cycle cost becomes the cyclePrep stage and the simulator's
// CyclePrep, the slope per zone proxy its RegenPerProxy; a prep measured as well is refused.
func TestCalibrateZoneTermsFromSamples(t *testing.T) {
	var means, work, units, proxies []float64
	for _, n := range []float64{100, 200, 300} {
		for i := range 20 {
			w := 0.05/n + 0.0005 + 2e-6*float64(i+1) + 1e-6*n + 1e-5*float64(i%3)
			means, work = append(means, 2*w), append(work, w)
			units, proxies = append(units, float64(i+1)), append(proxies, n)
		}
	}
	cf, err := FitPerCycle(PerCycle{Means: means, Work: work, Units: units, UnitName: "policies", Proxies: proxies})
	if err != nil {
		t.Fatal(err)
	}
	s := &Samples{Stages: map[string]StageSample{ProxyRegen: {Seconds: means, Work: work, Units: units, UnitIs: "policies", Proxies: proxies, PerCycle: true}}}
	f, err := Calibrate(s)
	if err != nil {
		t.Fatal(err)
	}
	cfg := sim.Defaults()
	if err := f.Apply(&cfg); err != nil {
		t.Fatal(err)
	}
	if cf.Prep == nil || cfg.Costs.CyclePrep.Base != f.Stages[CyclePrep].Fit.Dist || cfg.Costs.CyclePrep.Base.Value != cf.Prep.Fit.Dist.Value {
		t.Errorf("applied prep %+v, fitted %+v", cfg.Costs.CyclePrep, cf.Prep)
	}
	if cfg.Costs.RegenPerProxy != cf.Stage.PerProxy || cf.Stage.PerProxy <= 0 {
		t.Errorf("applied per proxy %v, fitted %v", cfg.Costs.RegenPerProxy, cf.Stage.PerProxy)
	}
	var tbl bytes.Buffer
	f.Table(&tbl)
	if !strings.Contains(tbl.String(), "per zone proxy") || !strings.Contains(tbl.String(), "cyclePrep") {
		t.Errorf("table lacks the zone terms:\n%s", tbl.String())
	}
	s.Stages[CyclePrep] = StageSample{Seconds: work}
	if _, err := Calibrate(s); err == nil || !strings.Contains(err.Error(), "stages.cyclePrep") {
		t.Errorf("prep fitted and measured: %v", err)
	}
}

func TestCalibrateCycleFactorFromSamples(t *testing.T) {
	fac := draw(sim.LogNormalMean(1, 0.4), 200, 9)
	regen := make([]float64, len(fac))
	apply := make([]float64, len(fac))
	cycle := make([]int, len(fac))
	noise := draw(sim.LogNormalMean(0.003, 0.2), len(fac), 10)
	for i, x := range fac {
		regen[i], apply[i], cycle[i] = 0.002*x, noise[i]*x, i
	}
	s := &Samples{Stages: map[string]StageSample{
		ProxyRegen: {Seconds: regen, PerCycle: true},
		ProxyApply: {Seconds: apply, Cycle: cycle},
	}}
	f, err := Calibrate(s)
	if err != nil {
		t.Fatal(err)
	}
	if f.CycleFactor == nil {
		t.Fatal("no cycle factor fitted")
	}
	cfg := sim.Defaults()
	if err := f.Apply(&cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Costs.CycleFactor != f.CycleFactor.Dist || cfg.Costs.ProxyRegen.Base != sim.Fixed(f.Stages[ProxyRegen].Fit.Dist.Value) {
		t.Errorf("applied: factor %+v regen %+v", cfg.Costs.CycleFactor, cfg.Costs.ProxyRegen)
	}
	// The apply's own spread (sigma 0.2) is what remains once the factor (0.4) is out.
	if a := f.Stages[ProxyApply].Fit.Dist; a.Kind == sim.LogNormal && a.Sigma > 0.3 {
		t.Errorf("apply sigma %.3f: the factor stayed in", a.Sigma)
	}
	var tbl bytes.Buffer
	f.Table(&tbl)
	if !strings.Contains(tbl.String(), "cycleFactor") {
		t.Errorf("table lacks the factor:\n%s", tbl.String())
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := Read(&buf)
	if err != nil || back.CycleFactor == nil || back.CycleFactor.Dist != f.CycleFactor.Dist {
		t.Errorf("round trip: %v, %+v", err, back)
	}

	for _, tc := range []struct {
		edit func(*Samples)
		want string
	}{
		{func(s *Samples) { s.Stages[ZoneStore] = StageSample{Seconds: regen, PerCycle: true} }, "at most one stage"},
		{func(s *Samples) { s.Stages[ProxyApply] = StageSample{Seconds: apply, Cycle: cycle[:3]} }, "stages.proxyApply.cycle"},
		{func(s *Samples) {
			s.Stages[ProxyApply] = StageSample{Seconds: apply, Cycle: cycle}
			s.Stages[ProxyRegen] = StageSample{Seconds: regen}
		}, "no stage is per cycle"},
		{func(s *Samples) { s.Stages[ZoneStore] = StageSample{Seconds: regen, Work: regen} }, "stages.zoneStore.work"},
		{func(s *Samples) { s.Stages[ZoneStore] = StageSample{Seconds: regen, Proxies: regen} }, "stages.zoneStore.proxies"},
	} {
		bad := &Samples{Stages: map[string]StageSample{ProxyRegen: s.Stages[ProxyRegen], ProxyApply: s.Stages[ProxyApply]}}
		tc.edit(bad)
		if _, err := Calibrate(bad); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("want an error containing %q, got %v", tc.want, err)
		}
	}
}
