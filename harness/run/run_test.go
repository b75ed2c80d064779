package run_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zonemesh/zonemesh/controlplane/cptest"
	"github.com/zonemesh/zonemesh/harness/run"
	"github.com/zonemesh/zonemesh/reports"
	"github.com/zonemesh/zonemesh/scenarios"
)

// runScenario runs sc on the process backend with a freshly built zonemesh binary.
func runScenario(t *testing.T, sc *scenarios.Scenario) *reports.Results {
	t.Helper()
	out := t.TempDir()
	r, err := run.New(sc, run.Options{Out: out, Binary: cptest.Binary(t), Progress: testWriter{t}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.Run(context.Background())
	if err != nil {
		t.Fatalf("run %s: %v (evidence %s)", sc.Name, err, out)
	}
	for _, f := range []string{"results.json", "report.html", "resources.yaml", "logs"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("evidence: %v", err)
		}
	}
	return res
}

// testSlack widens propagation budgets in these tests. The budgets a scenario states (50 ms
// global→zone) hold on a quiet machine and are judged by `make run` and BENCHMARKS.md; a test run
// under -race on two shared cores sees single samples three times that. The tests prove that
// every write is observed, measured and judged; a bound ten times the budget still fails a run
// whose propagation is broken rather than slow.
const testSlack = 10

// loosenPropagation multiplies the bound of every propagation check in sc by testSlack.
func loosenPropagation(t *testing.T, sc *scenarios.Scenario) {
	t.Helper()
	for i := range sc.Checks {
		c := &sc.Checks[i]
		if c.Type == scenarios.CheckPropagation {
			wide := scenarios.DurationBound(c.Max.Duration() * testSlack)
			t.Logf("check %s: bound %s widened to %s for the test machine", c.Name, c.Max, wide)
			c.Max = wide
		}
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// TestShippedScenarios runs every shipped scenario but the scale one (10,000 fake proxies is a
// benchmark, not a test) and the simulator's, and expects each to pass all its checks (with
// propagation bounds widened by testSlack).
func TestShippedScenarios(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every shipped scenario against real processes (minutes); skipped with -short")
	}
	files, err := filepath.Glob("../../scenarios/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, f := range files {
		base := strings.TrimSuffix(filepath.Base(f), ".yaml")
		if base == "scale-propagation" || strings.HasPrefix(base, "sim-") {
			continue
		}
		ran++
		t.Run(base, func(t *testing.T) {
			sc, err := scenarios.Load(f)
			if err != nil {
				t.Fatal(err)
			}
			loosenPropagation(t, sc)
			res := runScenario(t, sc)
			for _, c := range res.Checks {
				if c.Verdict != reports.Pass {
					t.Errorf("check %s failed: %s", c.Name, c.Message)
				}
			}
			if res.Verdict != reports.Pass {
				t.Errorf("verdict %s", res.Verdict)
			}
		})
	}
	if ran < 6 {
		t.Fatalf("only %d scenarios found", ran)
	}
}

const impossible = `name: impossible
topology:
  zones:
  - name: zone-a
    ingress: 1
    services:
    - {name: frontend, version: v1, replicas: 1}
  - name: zone-b
    ingress: 1
    services:
    - {name: backend, version: v1, replicas: 1}
mesh: {name: default, mtls: true}
policies:
- kind: TrafficPermission
  mesh: default
  name: allow-all
  spec: {destination: {service: "*"}, sources: [{service: "*"}], action: allow}
timeline:
- wait: {for: converged, timeout: 15s}
- name: load
  load: {from: zone-a, to: backend, rate: 20, duration: 3s}
- at: 1s
  name: tighten
  apply:
    kind: Timeout
    mesh: default
    name: backend-timeout
    spec: {destination: {service: backend}, request: 5s}
- waitLoad: load
checks:
- {name: no-errors, type: errorRate, load: load, max: 0.01}
- {name: faster-than-light, type: propagation, stage: end-to-end, quantile: 0.5, max: 1us}
- {name: all-local, type: trafficShare, load: load, zone: zone-a, min: 0.5}
`

// TestUnmeetableSLOFails checks that a run whose SLOs cannot be met fails, naming the checks,
// while the ones that can be met pass.
func TestUnmeetableSLOFails(t *testing.T) {
	sc, err := scenarios.Parse("impossible.yaml", []byte(impossible))
	if err != nil {
		t.Fatal(err)
	}
	res := runScenario(t, sc)
	if res.Verdict != reports.Fail {
		t.Fatalf("verdict %s; want fail", res.Verdict)
	}
	got := map[string]reports.Verdict{}
	for _, c := range res.Checks {
		got[c.Name] = c.Verdict
	}
	want := map[string]reports.Verdict{"no-errors": reports.Pass, "faster-than-light": reports.Fail, "all-local": reports.Fail}
	for n, v := range want {
		if got[n] != v {
			t.Errorf("check %s: %s; want %s", n, got[n], v)
		}
	}
	named := map[string]bool{}
	for _, f := range res.Failures {
		named[f.Check] = true
	}
	if !named["faster-than-light"] || !named["all-local"] || named["no-errors"] {
		t.Errorf("failures name %v", named)
	}
}
