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
	st, f, err := FitPerCycle(means, nil, units, "resources")
	if err != nil {
		t.Fatal(err)
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
	got, err := deflate(apply, cycle, CycleFactors(st, means, units))
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
	st, f, err := FitPerCycle(means, work, units, "resources")
	if err != nil {
		t.Fatal(err)
	}
	near(t, "base", st.Fit.Dist.Value, 0.0006, 0.10)
	near(t, "perUnit", st.PerUnit, 1.3e-6, 0.10)
	near(t, "stretch mean", f.Dist.Prob(nil).Mean(), 2.2, 0.05)
	if _, _, err := FitPerCycle(means, work[:5], units, "resources"); err == nil || !strings.Contains(err.Error(), "work") {
		t.Errorf("short work: %v", err)
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
	} {
		bad := &Samples{Stages: map[string]StageSample{ProxyRegen: s.Stages[ProxyRegen], ProxyApply: s.Stages[ProxyApply]}}
		tc.edit(bad)
		if _, err := Calibrate(bad); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("want an error containing %q, got %v", tc.want, err)
		}
	}
}
