package measure

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/zonemesh/zonemesh/harness/observe"
	"github.com/zonemesh/zonemesh/sim"
	"github.com/zonemesh/zonemesh/sim/calibrate"
)

// synthetic is a run of one zone of n proxies with writes spaced writes and one burst write:
// each spaced write reaches the zone store after 10 ms and proxy k after 10 + 2k ms (a 2n ms
// pass) plus 5 ms.
func synthetic(n, writes int) *Run {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	r := &Run{Proxies: n, Zones: 1, Resources: n + writes + 1, Spaced: writes}
	for i := range writes + 1 {
		key := fmt.Sprintf("TrafficPermission/default/cal-%d", i+1)
		r.Writes = append(r.Writes, observe.Write{Key: key, Version: 1, Acked: t0.Add(time.Duration(i) * time.Second)})
		if i == writes {
			// The burst write's delays are queueing the simulator models: never fitted.
			r.Samples = append(r.Samples, observe.Sample{Stage: observe.StageGlobalZone, Zone: "z", Key: key, Seconds: 9})
			break
		}
		r.IntakeSeconds = append(r.IntakeSeconds, 0.003+0.0001*float64(i%7))
		r.Passes = append(r.Passes, Pass{Zone: "z", Key: key, Seconds: 0.002 * float64(n), Proxies: n, Passes: 1})
		r.Samples = append(r.Samples, observe.Sample{Stage: observe.StageGlobalZone, Zone: "z", Key: key, Seconds: 0.010 + 0.0001*float64(i%5)})
		for k := range n {
			d := 0.002*float64(k+1) + 0.005 + 0.0001*float64((k+i)%9)
			r.Samples = append(r.Samples,
				observe.Sample{Stage: observe.StageZoneProxy, Zone: "z", Proxy: fmt.Sprint(k), Key: key, Seconds: d},
				observe.Sample{Stage: observe.StageEndToEnd, Zone: "z", Proxy: fmt.Sprint(k), Key: key, Seconds: d + 0.010})
		}
	}
	return r
}

func TestSamplesMapStages(t *testing.T) {
	s, err := Samples([]*Run{synthetic(40, 25)})
	if err != nil {
		t.Fatal(err)
	}
	st := s.Stages
	if len(st[calibrate.GlobalIntake].Seconds) != 25 || len(st[calibrate.ZoneStore].Seconds) != 25 {
		t.Errorf("intake %d, store %d samples: want the 25 spaced writes", len(st[calibrate.GlobalIntake].Seconds), len(st[calibrate.ZoneStore].Seconds))
	}
	for _, x := range st[calibrate.ZoneStore].Seconds {
		if x > 0.011 {
			t.Errorf("zoneStore sample %v: the burst write leaked in", x)
		}
	}
	// 2 ms per proxy per pass with 2 workers: 4 ms of work per proxy.
	for _, x := range st[calibrate.ProxyRegen].Seconds {
		if math.Abs(x-0.004) > 1e-12 {
			t.Fatalf("proxyRegen sample %v, want 4ms", x)
		}
	}
	if u := st[calibrate.ProxyRegen].Units; len(u) != 25 || u[0] != 1 || u[24] != 25 || st[calibrate.ProxyRegen].UnitIs != "policies" {
		t.Errorf("regen units %v: want the policies existing at each spaced write, 1…25", u)
	}
	apply := st[calibrate.ProxyApply].Seconds
	if len(apply) != 25 {
		t.Fatalf("%d apply samples, want one per spaced write", len(apply))
	}
	for _, a := range apply {
		if a < 0.005-1e-9 || a > 0.0059 {
			t.Fatalf("apply sample %v, want the last proxy's 5ms + up to 0.8ms past the pass", a)
		}
	}
	// One regen sample per pass, and each apply sample names its pass: the pass-to-pass spread
	// is fitted as the cycle factor and divided out of the apply.
	if !st[calibrate.ProxyRegen].PerCycle {
		t.Error("proxyRegen samples are per pass: want PerCycle")
	}
	if c := st[calibrate.ProxyApply].Cycle; len(c) != len(apply) || c[0] != 0 || c[len(c)-1] != 24 {
		t.Errorf("apply cycles %v, want passes 0…24", c)
	}
	if _, ok := st[calibrate.ZoneSend]; ok {
		t.Error("zoneSend is not visible from outside and must keep its default")
	}
	two, err := Samples([]*Run{synthetic(40, 25), synthetic(80, 25)})
	if err != nil {
		t.Fatal(err)
	}
	if u := two.Stages[calibrate.ProxyRegen]; len(u.Units) != len(u.Seconds) || u.UnitIs != "policies" || two.Curves["passSecondsVsProxies"].X == nil {
		t.Errorf("two proxy counts: regen units %d for %d samples (%q), curves %v", len(u.Units), len(u.Seconds), u.UnitIs, two.Curves)
	}
	if u := two.Stages[calibrate.ProxyRegen]; len(u.Proxies) != len(u.Seconds) || u.Proxies[0] != 40 || u.Proxies[len(u.Proxies)-1] != 80 {
		t.Errorf("two proxy counts: regen proxies %v for %d samples", u.Proxies, len(u.Seconds))
	}
	if st[calibrate.ProxyRegen].Proxies != nil {
		t.Error("one proxy count: proxies given, but a per-cycle cost cannot be told from the base")
	}
}

func TestConfigDescribesTheRun(t *testing.T) {
	r := synthetic(40, 25)
	s, _ := Samples([]*Run{r})
	f, err := Calibrate(s)
	if err != nil {
		t.Fatal(err)
	}
	if f.Stages[calibrate.ProxyPush].Fit.Dist != sim.Fixed(0) {
		t.Errorf("proxyPush %+v: the push is timed inside proxyRegen", f.Stages[calibrate.ProxyPush])
	}
	c, err := Config(r, f, 3)
	if err != nil {
		t.Fatal(err)
	}
	if c.Zones != 1 || c.ProxiesPerZone != sim.Fixed(40) || c.Costs.ZoneWorkers != ZoneWorkers || c.SamplesPerCycle < 40 {
		t.Errorf("topology: %d zones, %+v proxies, %d workers, %d drawn per cycle", c.Zones, c.ProxiesPerZone, c.Costs.ZoneWorkers, c.SamplesPerCycle)
	}
	// Closed-loop writes go twice the longest measured gap apart.
	if len(c.Writes) != 26 || c.Writes[1]-c.Writes[0] != 2*time.Second || c.ChurnRate != 0 {
		t.Errorf("writes %v, churn %v", c.Writes, c.ChurnRate)
	}
	if c.WAN.Latency != sim.Fixed(0) || c.Timers.Keepalive != Keepalive || c.Costs.ZoneSend != sim.Defaults().Costs.ZoneSend {
		t.Errorf("configured parts: wan %+v keepalive %v zoneSend %+v", c.WAN.Latency, c.Timers.Keepalive, c.Costs.ZoneSend)
	}
	if _, err := Config(&Run{}, f, 1); err == nil || !strings.Contains(err.Error(), "no writes") {
		t.Errorf("empty run: %v", err)
	}
}

func TestParseGen(t *testing.T) {
	text := `# HELP zonemesh_xds_generation_seconds Time to regenerate.
# TYPE zonemesh_xds_generation_seconds histogram
zonemesh_xds_generation_seconds_bucket{le="0.0001"} 0
zonemesh_xds_generation_seconds_sum 1.25
zonemesh_xds_generation_seconds_count 7
zonemesh_xds_generations_total 350
zonemesh_xds_pushes_total 349
process_cpu_seconds_total 3.5
`
	g, err := parseGen(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	if g != (genStats{seconds: 1.25, passes: 7, generated: 350, cpu: 3.5}) {
		t.Errorf("parsed %+v", g)
	}
	if _, err := parseGen(strings.NewReader("go_goroutines 12\n")); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("no generation metrics: %v", err)
	}
	if _, err := parseGen(strings.NewReader("zonemesh_xds_generations_total x\n")); err == nil || !strings.Contains(err.Error(), "zonemesh_xds_generations_total") {
		t.Errorf("bad value: %v", err)
	}
}
