package compare_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zonemesh/zonemesh/reports"
	"github.com/zonemesh/zonemesh/reports/compare"
	"github.com/zonemesh/zonemesh/reports/reportstest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// worseRun is the sample with slower propagation, lower success and one more failed requirement.
func worseRun() *reports.Results {
	r := reportstest.Sample()
	for i := range r.Propagation {
		if r.Propagation[i].Stage != reports.StageGlobalZone {
			r.Propagation[i].Seconds *= 1.5
		}
	}
	r.Timeline[40].Successes -= 20
	r.Timeline[40].ByZone["zone-1"] -= 20
	r.Conformance[0].Result = reports.Failed
	return r
}

func runs() ([]string, []*reports.Results) {
	return []string{"baseline.json", "same.json", "worse.json"}, []*reports.Results{reportstest.Sample(), reportstest.Sample(), worseRun()}
}

func row(t *testing.T, c *compare.Comparison, label string) compare.Row {
	t.Helper()
	for _, r := range c.Rows {
		if r.Label == label {
			return r
		}
	}
	t.Fatalf("no row %q", label)
	return compare.Row{}
}

func TestRegressionsFlagged(t *testing.T) {
	labels, rs := runs()
	c, err := compare.Compare(labels, rs, compare.DefaultTolerance)
	if err != nil {
		t.Fatal(err)
	}
	for _, label := range []string{"success rate", "propagation end-to-end p99", "propagation zone-proxy p50", "conformance failed", "conformance succeeded"} {
		r := row(t, c, label)
		if r.Regressed[1] || !r.Regressed[2] {
			t.Errorf("%s: regressed = %v, want only the worse run flagged", label, r.Regressed)
		}
	}
	for _, label := range []string{"propagation global-zone p99", "latency p50", "checks passed", "verdict"} {
		if r := row(t, c, label); r.Regressed[1] || r.Regressed[2] {
			t.Errorf("%s: flagged %v though it did not change", label, r.Regressed)
		}
	}
	if c.Regressions != 7 { // success rate, 4 propagation figures, 2 conformance counts
		t.Errorf("regressions = %d, want 7", c.Regressions)
	}
}

func TestToleranceAbsorbsSmallChanges(t *testing.T) {
	r := reportstest.Sample()
	for i := range r.Propagation {
		r.Propagation[i].Seconds *= 1.05 // 5% slower, inside the 10% tolerance
	}
	c, err := compare.Compare([]string{"a", "b"}, []*reports.Results{reportstest.Sample(), r}, compare.DefaultTolerance)
	if err != nil {
		t.Fatal(err)
	}
	if c.Regressions != 0 {
		t.Errorf("regressions = %d for a 5%% change", c.Regressions)
	}
	strict := compare.DefaultTolerance
	strict.Relative = 0.01
	if c, _ = compare.Compare([]string{"a", "b"}, []*reports.Results{reportstest.Sample(), r}, strict); c.Regressions == 0 {
		t.Error("a 5% slowdown is not flagged at 1% tolerance")
	}
}

func TestNeedsTwoRuns(t *testing.T) {
	if _, err := compare.Compare([]string{"a"}, []*reports.Results{reportstest.Sample()}, compare.DefaultTolerance); err == nil {
		t.Error("one run accepted")
	}
}

func TestMissingFiguresShowDash(t *testing.T) {
	c, err := compare.Compare([]string{"run", "sim"}, []*reports.Results{reportstest.Sample(), reportstest.SimSample()}, compare.DefaultTolerance)
	if err != nil {
		t.Fatal(err)
	}
	if r := row(t, c, "success rate"); r.Cells[1] != "—" || r.Regressed[1] {
		t.Errorf("sim has no load: cells %v regressed %v", r.Cells, r.Regressed)
	}
}

func TestGolden(t *testing.T) {
	labels, rs := runs()
	c, err := compare.Compare(labels, rs, compare.DefaultTolerance)
	if err != nil {
		t.Fatal(err)
	}
	var txt, html bytes.Buffer
	if err := c.WriteText(&txt); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteHTML(&html); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(html.String(), `class="reg"`) {
		t.Error("HTML marks no regressed cell")
	}
	golden(t, "compare.txt", txt.Bytes())
	golden(t, "compare.html", html.Bytes())
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; run go test -update and review the diff\n--- got ---\n%s", path, got)
	}
}
