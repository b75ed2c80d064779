package app

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sampleRun = "../../../reports/testdata/sample-run.json"

func runMain(t *testing.T, args ...string) (code int, out, errOut string) {
	t.Helper()
	var o, e bytes.Buffer
	code = Main(args, strings.NewReader(""), &o, &e)
	return code, o.String(), e.String()
}

func TestReportRenderSummaryCompare(t *testing.T) {
	dir := t.TempDir()
	html := filepath.Join(dir, "r.html")
	if code, _, e := runMain(t, "report", "render", sampleRun, "-o", html); code != 0 {
		t.Fatalf("render exit %d: %s", code, e)
	}
	b, err := os.ReadFile(html)
	if err != nil || !bytes.Contains(b, []byte("<svg class=\"chart\"")) {
		t.Fatalf("render wrote %d bytes without a chart (%v)", len(b), err)
	}

	code, out, _ := runMain(t, "report", "summary", sampleRun)
	if code != 0 || !strings.HasPrefix(out, "FAIL  partition-failover") {
		t.Errorf("summary exit %d, output:\n%s", code, out)
	}

	cmpHTML := filepath.Join(dir, "c.html")
	code, out, e := runMain(t, "report", "compare", sampleRun, sampleRun, "-o", cmpHTML, "-fail-on-regression")
	if code != 0 || !strings.Contains(out, "no regressions") {
		t.Errorf("compare of identical runs: exit %d, out %s, err %s", code, out, e)
	}
	if _, err := os.Stat(cmpHTML); err != nil {
		t.Error(err)
	}
}

func TestReportCompareFailsOnRegression(t *testing.T) {
	dir := t.TempDir()
	b, err := os.ReadFile(sampleRun)
	if err != nil {
		t.Fatal(err)
	}
	worse := filepath.Join(dir, "worse.json")
	// One more failed conformance requirement.
	s := strings.Replace(string(b), `"result": "Succeeded"`, `"result": "Failed"`, 1)
	if err := os.WriteFile(worse, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, e := runMain(t, "report", "compare", sampleRun, worse, "-fail-on-regression")
	if code != 1 || !strings.Contains(e, "regression") || !strings.Contains(out, "!") {
		t.Errorf("exit %d, out %s, err %s; want exit 1 naming the regression", code, out, e)
	}
}

func TestReportBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"schemaVersion":"9.0","kind":"run"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, e := runMain(t, "report", "summary", bad); code != 1 || !strings.Contains(e, "9.0") {
		t.Errorf("unknown major version: exit %d, err %q", code, e)
	}
	if code, _, _ := runMain(t, "report", "render"); code != 2 {
		t.Errorf("render without a file: exit %d, want 2", code)
	}
	if code, _, _ := runMain(t, "report", "frobnicate"); code != 2 {
		t.Errorf("unknown subcommand: exit %d, want 2", code)
	}
}
