package reports_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/zonemesh/zonemesh/reports"
	"github.com/zonemesh/zonemesh/reports/reportstest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares got with testdata/name, or rewrites it under -update.
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

func TestSummaryGolden(t *testing.T) {
	for name, r := range map[string]*reports.Results{"summary-run.txt": reportstest.Sample(), "summary-sim.txt": reportstest.SimSample()} {
		var b bytes.Buffer
		if err := reports.Summary(&b, r); err != nil {
			t.Fatal(err)
		}
		golden(t, name, b.Bytes())
	}
}

// TestSampleJSONGolden pins the JSON encoding of the fixture, so a schema change shows up
// as a reviewed diff; testdata/sample-run.json is also a ready example for other tools.
func TestSampleJSONGolden(t *testing.T) {
	for name, r := range map[string]*reports.Results{"sample-run.json": reportstest.Sample(), "sample-sim.json": reportstest.SimSample()} {
		var b bytes.Buffer
		if err := reports.Write(&b, r); err != nil {
			t.Fatal(err)
		}
		golden(t, name, b.Bytes())
	}
}
