package app

import (
	"bytes"
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
		if code := Main([]string{"sim", "--seed", "3", file, "--out", out}, nil, &stdout, &stderr); code != 0 {
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
