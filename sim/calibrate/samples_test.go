package calibrate

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/zonemesh/zonemesh/sim"
)

func TestCalibrateFromSamplesFile(t *testing.T) {
	s := Samples{Source: "synthetic", Stages: map[string]StageSample{
		ProxyApply: {Seconds: draw(sim.LogNormalMean(0.005, 0.4), 1000, 4)},
		ZoneStore:  {Seconds: draw(sim.Dist{Kind: sim.Gamma, Shape: 4, Rate: 4000}, 1000, 5)},
	}, Curves: map[string]CurveSample{"pushCycleVsProxies": {X: []float64{100, 300, 1000}, Y: []float64{0.05, 0.14, 0.46}}}}
	data, _ := json.Marshal(s)
	back, err := ReadSamples(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	f, err := Calibrate(back)
	if err != nil {
		t.Fatal(err)
	}
	if f.Stages[ProxyApply].Fit.Dist.Kind != sim.LogNormal || f.Stages[ZoneStore].Fit.Dist.Kind != sim.Gamma {
		t.Errorf("families: %s, %s", f.Stages[ProxyApply].Fit.Dist.Kind, f.Stages[ZoneStore].Fit.Dist.Kind)
	}
	if l := f.Curves["pushCycleVsProxies"]; l.Slope < 0.00044 || l.Slope > 0.00047 {
		t.Errorf("curve slope %v", l.Slope)
	}
	var tbl bytes.Buffer
	f.Table(&tbl)
	if !strings.Contains(tbl.String(), "proxyApply    lognormal") {
		t.Errorf("table:\n%s", tbl.String())
	}
	s.Stages["warp"] = StageSample{Seconds: []float64{1}}
	if _, err := Calibrate(&s); err == nil || !strings.Contains(err.Error(), "stages.warp") {
		t.Errorf("unknown stage: %v", err)
	}
}
