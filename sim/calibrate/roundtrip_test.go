package calibrate

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/zonemesh/zonemesh/sim"
)

// smallTopology is 3 zones × 100 proxies, simulated proxy by proxy.
func smallTopology(seed uint64) sim.Config {
	c := sim.Defaults()
	c.Seed, c.Zones, c.ProxiesPerZone, c.Duration, c.ChurnRate = seed, 3, sim.Fixed(100), time.Minute, 2
	c.SamplesPerCycle, c.KeepSamples = 128, 1<<20
	return c
}

// measure stands in for the real small topology: service times of each stage drawn from the
// ground-truth costs, at several resource counts where the cost depends on them.
func measure(truth sim.Costs, seed uint64) *File {
	r := rand.New(rand.NewPCG(seed, 1))
	src := rand.NewPCG(seed, 2)
	f := &File{Version: FileVersion, Source: "synthetic ground truth", Stages: map[string]Stage{}}
	for _, st := range []struct {
		name  string
		cost  sim.Cost
		units string
	}{
		{GlobalIntake, truth.GlobalIntake, ""}, {ZoneSend, truth.ZoneSend, ""},
		{ZoneStore, truth.ZoneStore, "versions"}, {ProxyRegen, truth.ProxyRegen, "resources"},
		{ProxyPush, truth.ProxyPush, "resources"}, {ProxyApply, truth.ProxyApply, "resources"},
		{Resync, truth.Resync, "versions"},
	} {
		p := st.cost.Base.Prob(src)
		ys := make([]float64, 3000)
		var us []float64
		if st.units != "" {
			us = make([]float64, len(ys))
		}
		for i := range ys {
			ys[i] = p.Rand()
			if us != nil {
				us[i] = float64(10 + r.IntN(500))
				ys[i] += st.cost.PerUnit * us[i]
			}
		}
		s, err := FitStage(ys, us, st.units)
		if err != nil {
			panic(st.name + ": " + err.Error())
		}
		f.Stages[st.name] = s
	}
	return f
}

func TestCalibrationRoundTripThroughSimulator(t *testing.T) {
	truth := smallTopology(11)
	measured, err := sim.Run(truth, nil)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := measure(truth.Costs, 5).Write(&buf); err != nil {
		t.Fatal(err)
	}
	cal, err := Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	cfg := smallTopology(12) // another seed: the measured run is held out
	for _, c := range []*sim.Cost{&cfg.Costs.GlobalIntake, &cfg.Costs.ZoneSend, &cfg.Costs.ZoneStore,
		&cfg.Costs.ProxyRegen, &cfg.Costs.ProxyPush, &cfg.Costs.ProxyApply, &cfg.Costs.Resync} {
		*c = sim.Cost{Base: sim.Fixed(0.05)} // wrong on purpose: only the calibration can fix it
	}
	if err := cal.Apply(&cfg); err != nil {
		t.Fatal(err)
	}
	predicted, err := sim.Run(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	v, err := Validate(predicted.Raw, measured.Raw)
	if err != nil {
		t.Fatal(err)
	}
	var rep bytes.Buffer
	v.Report(&rep)
	t.Log(rep.String())
	if !v.Within(0.10, 0.20) {
		t.Errorf("calibrated prediction outside p50 ±10%% / p99 ±20%%:\n%s", rep.String())
	}
}
