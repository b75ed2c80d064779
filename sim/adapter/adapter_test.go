package adapter

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zonemesh/zonemesh/reports"
	"github.com/zonemesh/zonemesh/scenarios"
	"github.com/zonemesh/zonemesh/sim"
	"github.com/zonemesh/zonemesh/sim/calibrate"
)

const small = `name: small-sim
seed: 7
topology:
  global: {}
mesh: {name: default, mtls: true}
timeline:
- at: 5s
  name: write
  apply: {kind: TrafficPermission, mesh: default, name: allow, spec: {destination: {service: a}, sources: [{service: "*"}], action: allow}}
checks:
- {name: fast, type: propagation, stage: end-to-end, quantile: 0.99, max: 10s}
- {name: impossible, type: propagation, stage: global-zone, quantile: 0.5, max: 1ms}
- {name: recovers, type: recovery, after: write, max: 5s}
scale:
  zones: 5
  proxiesPerZone: {dist: uniform, min: 10, max: 30}
  churn: {rate: 2}
  wan: {latency: {dist: lognormal, mean: 40ms, sigma: 0.5}, loss: 0.01}
  duration: 40s
  EXTRA
  events:
  - {at: 10s, partition: {zones: [zone-2], duration: 5s}}
  - {at: 20s, crash: {share: 0.2, downtime: 3s}}
  - {at: 30s, globalFailover: {downtime: 2s}}
`

func parse(t *testing.T, doc, extra string) *scenarios.Scenario {
	t.Helper()
	s, err := scenarios.Parse("small.yaml", []byte(strings.Replace(doc, "EXTRA", extra, 1)))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestShippedFaultScenario(t *testing.T) {
	s, err := scenarios.Load("../../scenarios/sim-1m-faults.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Config(s)
	if err != nil {
		t.Fatal(err)
	}
	if c.Zones != 1000 || c.ProxiesPerZone != sim.Fixed(1000) || c.Duration.Minutes() != 10 || c.ChurnRate != 5 || !c.ChurnPoisson {
		t.Errorf("scale not carried over: %+v", c)
	}
	if m := c.WAN.Latency.Prob(nil).Mean(); math.Abs(m-0.040) > 1e-9 || c.WAN.Loss != 0.005 {
		t.Errorf("wan latency mean %v loss %v", m, c.WAN.Loss)
	}
	want := []sim.FaultKind{sim.Partition, sim.Crash, sim.GlobalFailover}
	for i, f := range c.Faults {
		if f.Kind != want[i] {
			t.Errorf("fault %d is %s, want %s", i, f.Kind, want[i])
		}
	}
}

func TestConfigErrorsNameTheField(t *testing.T) {
	s := parse(t, strings.Replace(small, "zone-2", "zone-9", 1), "")
	if _, err := Config(s); err == nil || !strings.Contains(err.Error(), "scale.events[0].partition.zones[0]") {
		t.Errorf("error %v does not name the zone field", err)
	}
	s = parse(t, small, "calibration: missing.json")
	if _, err := Config(s); err == nil || !strings.Contains(err.Error(), "scale.calibration") {
		t.Errorf("error %v does not name scale.calibration", err)
	}
	s.Scale = nil
	if _, err := Config(s); err == nil || !strings.Contains(err.Error(), "scale") {
		t.Errorf("no scale section: %v", err)
	}
}

func TestCalibrationFileIsRelativeToScenario(t *testing.T) {
	dir := t.TempDir()
	f := &calibrate.File{Version: calibrate.FileVersion, Stages: map[string]calibrate.Stage{
		calibrate.ProxyApply: {Fit: calibrate.Fit{Dist: sim.Fixed(0.123)}}}}
	var b bytes.Buffer
	f.Write(&b)
	os.WriteFile(filepath.Join(dir, "cal.json"), b.Bytes(), 0o644)
	path := filepath.Join(dir, "s.yaml")
	os.WriteFile(path, []byte(strings.Replace(small, "EXTRA", "calibration: cal.json", 1)), 0o644)
	s, err := scenarios.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Config(s)
	if err != nil {
		t.Fatal(err)
	}
	if c.Costs.ProxyApply.Base != sim.Fixed(0.123) {
		t.Errorf("calibration not applied: %+v", c.Costs.ProxyApply)
	}
	if len(c.Writes) != 1 || c.Writes[0].Seconds() != 5 {
		t.Errorf("timeline write not scripted: %v", c.Writes)
	}
}

func TestReportIsValidAndJudgesChecks(t *testing.T) {
	s := parse(t, small, "")
	c, err := Config(s)
	if err != nil {
		t.Fatal(err)
	}
	r, err := sim.Run(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep := Report(s, c, r, "test")
	if err := rep.Validate(); err != nil {
		t.Fatal(err)
	}
	if !rep.Simulated || rep.Kind != reports.KindSim || rep.Verdict != reports.Fail || len(rep.Checks) != 2 {
		t.Fatalf("simulated %v kind %s verdict %s checks %+v", rep.Simulated, rep.Kind, rep.Verdict, rep.Checks)
	}
	if rep.Checks[0].Verdict != reports.Pass || rep.Checks[1].Verdict != reports.Fail {
		t.Errorf("checks judged wrongly: %+v", rep.Checks)
	}
	if !strings.Contains(rep.Summary, "recovers") {
		t.Errorf("summary does not list the unjudged check: %s", rep.Summary)
	}
	// The report's own quantiles of the resampled points equal the simulator's.
	for _, ps := range rep.PropagationStats() {
		if ps.Zone != "" && ps.Zone != meshZone {
			continue
		}
		for i, st := range r.Stages {
			if st.Stage == ps.Stage && math.Abs(ps.P99-float64(r.Hists[i].Quantile(0.99))/1e9) > 1e-9 {
				t.Errorf("%s p99: report %.6fs, sim %.6fs", st.Stage, ps.P99, float64(r.Hists[i].Quantile(0.99))/1e9)
			}
		}
	}
	var a, b bytes.Buffer
	reports.Write(&a, rep)
	back, err := reports.Read(bytes.NewReader(a.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	reports.Write(&b, back)
	if a.String() != b.String() {
		t.Error("results.json does not survive a round trip")
	}
}
