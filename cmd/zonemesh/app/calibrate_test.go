package app

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zonemesh/zonemesh/harness/observe"
	"github.com/zonemesh/zonemesh/sim/calibrate"
	"github.com/zonemesh/zonemesh/sim/measure"
)

// storedRun is a measured run as runs.json keeps it: n proxies, each spaced write stored
// after 8 ms and applied by proxy k after 8 + 3k/2 ms (a pass of 1.5n ms) plus 4 ms.
func storedRun(n, writes int) *measure.Run {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	r := &measure.Run{Proxies: n, Zones: 1, Resources: n + writes, Spaced: writes}
	for i := range writes {
		key := fmt.Sprintf("TrafficPermission/default/cal-%d", i+1)
		jitter := 0.0002 * float64(i%7)
		r.Writes = append(r.Writes, observe.Write{Key: key, Version: 1, Acked: t0.Add(time.Duration(i) * time.Second)})
		r.IntakeSeconds = append(r.IntakeSeconds, 0.004+jitter)
		r.Passes = append(r.Passes, measure.Pass{Zone: "zone-1", Key: key, Seconds: 0.0015*float64(n) + jitter, Proxies: n, Passes: 1})
		r.Samples = append(r.Samples, observe.Sample{Stage: observe.StageGlobalZone, Zone: "zone-1", Key: key, Seconds: 0.008 + jitter})
		for k := range n {
			d := 0.0015*float64(k+1) + 0.004 + jitter
			r.Samples = append(r.Samples,
				observe.Sample{Stage: observe.StageZoneProxy, Zone: "zone-1", Proxy: fmt.Sprint(k), Key: key, Seconds: d},
				observe.Sample{Stage: observe.StageEndToEnd, Zone: "zone-1", Proxy: fmt.Sprint(k), Key: key, Seconds: d + 0.008 + jitter})
		}
	}
	return r
}

func TestCalibrateRefitsStoredRuns(t *testing.T) {
	dir := t.TempDir()
	runs := filepath.Join(dir, "runs.json")
	rs := &measure.Runs{Fit: []*measure.Run{storedRun(20, 30), storedRun(40, 30)}, Holdout: storedRun(80, 30)}
	if err := rs.WriteFile(runs); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "cal.json")
	var stdout, stderr bytes.Buffer
	if code := Main([]string{"calibrate", "--runs", runs, "--out", out}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	f, err := calibrate.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []string{calibrate.GlobalIntake, calibrate.ZoneStore, calibrate.ProxyRegen, calibrate.ProxyPush, calibrate.ProxyApply} {
		if _, ok := f.Stages[st]; !ok {
			t.Errorf("calibration lacks %s", st)
		}
	}
	for _, st := range []string{calibrate.ZoneSend, calibrate.Resync} {
		if _, ok := f.Stages[st]; ok {
			t.Errorf("%s is not measured and must keep its default", st)
		}
	}
	text := stdout.String()
	for _, want := range []string{"fitted run, 1 zone(s) × 20 proxies", "fitted run, 1 zone(s) × 40 proxies",
		"held-out run, 1 zone(s) × 80 proxies, predicted without refitting", "p50", "p99", "KS D"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
}

func TestCalibrateMeasureFlagsChecked(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := Main([]string{"calibrate", "--proxies", "50,abc", "--dir", t.TempDir()}, nil, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "--proxies") {
		t.Errorf("bad --proxies: exit %d, %s", code, stderr.String())
	}
	if code := Main([]string{"calibrate", "--runs", filepath.Join(t.TempDir(), "none.json")}, nil, &stdout, &stderr); code == 0 {
		t.Error("a missing runs file was accepted")
	}
}
