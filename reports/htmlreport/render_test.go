package htmlreport_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/zonemesh/zonemesh/reports"
	"github.com/zonemesh/zonemesh/reports/htmlreport"
	"github.com/zonemesh/zonemesh/reports/reportstest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func render(t testing.TB, r *reports.Results) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := htmlreport.Render(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
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
		t.Errorf("%s differs from the golden file (%d bytes, want %d); run go test -update and review the diff", path, len(got), len(want))
	}
}

func TestRenderGolden(t *testing.T) {
	golden(t, "report-run.html", render(t, reportstest.Sample()))
	golden(t, "report-sim.html", render(t, reportstest.SimSample()))
}
