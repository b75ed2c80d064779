package app

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zonemesh/zonemesh/reports"
)

const simScenario = `name: cli-sim
topology:
  global: {}
mesh: {name: default, mtls: true}
checks:
- {name: e2e, type: propagation, stage: end-to-end, quantile: 0.99, max: 30s}
scale:
  zones: 4
  proxiesPerZone: 20
  churn: {rate: 2}
  duration: 30s
  events:
  - {at: 10s, crash: {zones: [zone-1], downtime: 2s}}
`

func TestSimCommandWritesResults(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "s.yaml")
	if err := os.WriteFile(file, []byte(simScenario), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(out string) []byte {
		var stdout, stderr bytes.Buffer
		// The flag after the file is parsed too.
		if code := Main([]string{"sim", "--seed", "3", file, "--out", out, "--trace", out + "-trace.txt"}, nil, &stdout, &stderr); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
		if !strings.Contains(stdout.String(), "SIMULATED") || !strings.Contains(stdout.String(), "verdict: pass") {
			t.Errorf("summary: %s", stdout.String())
		}
		data, err := os.ReadFile(filepath.Join(out, "results.json"))
		if err != nil {
			t.Fatal(err)
		}
		r, err := reports.Read(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if !r.Simulated || r.Environment.Seed != 3 {
			t.Errorf("simulated %v seed %d", r.Simulated, r.Environment.Seed)
		}
		html, err := os.ReadFile(filepath.Join(out, "report.html"))
		if err != nil || !bytes.Contains(html, []byte("<svg")) {
			t.Errorf("report.html: %v, %d bytes", err, len(html))
		}
		return data
	}
	a, b := run(filepath.Join(dir, "a")), run(filepath.Join(dir, "b"))
	if !bytes.Equal(a, b) {
		t.Error("two runs with the same seed wrote different results.json")
	}
	trace, err := os.ReadFile(filepath.Join(dir, "a-trace.txt"))
	if err != nil || !bytes.Contains(trace, []byte("zone-1 restarted")) {
		t.Errorf("trace (%v) lacks the crash restart:\n%.500s", err, trace)
	}
}

func TestSimCommandUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := Main([]string{"sim"}, nil, &stdout, &stderr); code != 2 {
		t.Errorf("no file: exit %d", code)
	}
	if code := Main([]string{"sim", "/nonexistent.yaml"}, nil, &stdout, &stderr); code != 1 {
		t.Errorf("missing file: exit %d", code)
	}
}

func TestCalibrateCommandFitsAndValidates(t *testing.T) {
	dir := t.TempDir()
	// Samples: proxyApply service times from a known lognormal (deterministic quantiles).
	var secs []string
	for i := 1; i <= 400; i++ {
		secs = append(secs, fmt.Sprintf("%.6f", 0.004+0.002*float64(i%20)/20+0.0001*float64(i%7)))
	}
	samples := `{"source":"cli test","stages":{"proxyApply":{"seconds":[` + strings.Join(secs, ",") + `]}}}`
	sf := filepath.Join(dir, "samples.json")
	os.WriteFile(sf, []byte(samples), 0o644)
	cal := filepath.Join(dir, "calibration.json")
	var stdout, stderr bytes.Buffer
	if code := Main([]string{"calibrate", sf, "--out", cal}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("calibrate: exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "proxyApply") {
		t.Errorf("table: %s", stdout.String())
	}
	// Validate: the scenario uses the calibration; the "measured" set is its own prediction
	// from another seed, so the errors are small but not zero.
	sc := filepath.Join(dir, "s.yaml")
	os.WriteFile(sc, []byte(strings.Replace(simScenario, "duration: 30s", "duration: 30s\n  calibration: calibration.json", 1)), 0o644)
	var out2 bytes.Buffer
	if code := Main([]string{"sim", sc, "--out", filepath.Join(dir, "o")}, nil, &out2, &stderr); code != 0 {
		t.Fatalf("sim with calibration: exit %d: %s", code, stderr.String())
	}
	meas := filepath.Join(dir, "measured.json")
	os.WriteFile(meas, []byte("[0.05,0.06,0.07,0.08,0.09,0.1,0.11,0.12,0.13,0.14,0.15,0.16,0.17,0.18,0.19,0.2,0.21,0.22,0.23,0.24,0.25]"), 0o644)
	stdout.Reset()
	if code := Main([]string{"calibrate", "validate", sc, meas, "--seed", "2"}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("validate: exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "KS D") || !strings.Contains(stdout.String(), "p99") {
		t.Errorf("validation report: %s", stdout.String())
	}
}
