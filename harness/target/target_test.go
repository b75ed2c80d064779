package target

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/zonemesh/zonemesh/conformance"
	"github.com/zonemesh/zonemesh/conformance/requirements"
	"github.com/zonemesh/zonemesh/conformance/suite"
	"github.com/zonemesh/zonemesh/controlplane/cptest"
)

// TestConformanceReferenceMesh runs the whole catalog against the reference mesh on the
// process backend: every MUST must succeed, every SHOULD succeed or carry a reason. ginkgo runs
// once per process, so this is the only test here that calls suite.Run.
func TestConformanceReferenceMesh(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a 3-zone mesh and runs the catalog (about 2 minutes); skipped with -short")
	}
	bin := cptest.Binary(t)
	out := t.TempDir()
	tg := New(Options{Out: filepath.Join(out, "mesh"), Binary: bin, LogLevel: "warn"})
	defer tg.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	rep, err := suite.Run(ctx, suite.Options{Target: tg, Catalog: requirements.Catalog(), Zonemesh: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := suite.WriteOutputs(out, rep); err != nil {
		t.Fatal(err)
	}
	for _, q := range rep.Requirements {
		t.Logf("%s %s %s %.1fs %s", q.ID, q.Level, q.Result, q.DurationSeconds, q.Reason)
		switch {
		case q.Level == conformance.Must && q.Result != conformance.Succeeded:
			t.Errorf("%s (MUST) %s: %s", q.ID, q.Result, q.Reason)
		case q.Result != conformance.Succeeded && q.Reason == "":
			t.Errorf("%s %s without a reason", q.ID, q.Result)
		}
	}
	for _, f := range []string{"conformance-report.yaml", "conformance-report.json", "junit.xml", "results.json", "report.html"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("output %s: %v", f, err)
		}
	}
}

// TestEveryDefectIsCaught builds the defect binary and runs, per seeded defect, the
// requirements expected to catch it: each defect must make at least one of them fail.
func TestEveryDefectIsCaught(t *testing.T) {
	if testing.Short() {
		t.Skip("runs one mesh per seeded defect (a few minutes); skipped with -short")
	}
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	bin := filepath.Join(t.TempDir(), "zonemesh-defects")
	build := exec.Command("go", "build", "-tags", "zonemesh_defects", "-o", bin, "./cmd/zonemesh")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build defect binary: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	m, err := suite.Mutate(ctx, requirements.Catalog(), suite.MutateOptions{Binary: bin, Out: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range m.Defects {
		t.Logf("%-24s %5.1fs failed %v %s", d.Defect, d.DurationSeconds, d.Failed, d.Error)
		if len(d.Failed) == 0 {
			t.Errorf("defect %s was caught by no requirement (ran %v) %s", d.Defect, d.Ran, d.Error)
		}
	}
	t.Logf("mutation score %d/%d, uncaught MUST: %v", m.MustCaught, m.MustTotal, m.Uncaught)
}
