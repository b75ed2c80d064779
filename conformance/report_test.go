package conformance

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zonemesh/zonemesh/reports"
)

var update = flag.Bool("update", false, "rewrite golden files")

func sampleReport() *Report {
	date := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	outs := []Outcome{
		{ID: "MZ-PROP-001", Title: "A created policy reaches every zone's store", Level: Must, Profile: ProfileCore, Result: Succeeded, Duration: 312 * time.Millisecond},
		{ID: "MZ-LOAD-002", Title: "Load stays error-free while routes change", Level: Should, Profile: ProfileScale, Result: Failed, Reason: "errors under route changes: n=400 status={200:369 503:31}", Duration: 900 * time.Millisecond},
		{ID: "MZ-SEC-002", Title: "The zone ingress refuses plaintext", Level: Must, Profile: ProfileSecurity, Result: NotSupported, Reason: "target lacks feature(s) IngressProbe"},
		{ID: "MZ-OUT-001", Title: "With global down, the data plane keeps serving", Level: Must, Profile: ProfileResilience, Result: Skipped, Reason: "not run: interrupted"},
	}
	return NewReport("example mesh", "1.2.3", "dev-test", "process", date, 42*time.Second, outs)
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update and review the diff):\n%s", name, got)
	}
}

func TestReportWriters(t *testing.T) {
	r := sampleReport()
	for name, write := range map[string]func(*bytes.Buffer) error{
		"report.json": func(b *bytes.Buffer) error { return r.WriteJSON(b) },
		"report.yaml": func(b *bytes.Buffer) error { return r.WriteYAML(b) },
		"junit.xml":   func(b *bytes.Buffer) error { return r.WriteJUnit(b) },
	} {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		golden(t, name, b.Bytes())
	}
}

func TestReportVerdictAndResults(t *testing.T) {
	r := sampleReport()
	if r.Passed() {
		t.Fatal("a report with a NotSupported MUST passed")
	}
	res := r.Results(reports.Machine{Cores: 2, OS: "linux", Arch: "amd64"})
	var b bytes.Buffer
	if err := reports.Write(&b, res); err != nil {
		t.Fatalf("results do not validate: %v", err)
	}
	if res.Verdict != reports.Fail || len(res.Conformance) != 4 {
		t.Fatalf("verdict %s, %d requirements", res.Verdict, len(res.Conformance))
	}
	ok := NewReport("m", "1", "dev", "process", time.Unix(0, 0), time.Second, []Outcome{
		{ID: "MZ-PROP-001", Level: Must, Profile: ProfileCore, Result: Succeeded},
		{ID: "MZ-LOAD-002", Level: Should, Profile: ProfileScale, Result: Failed, Reason: "x"},
	})
	if !ok.Passed() {
		t.Fatal("every MUST Succeeded, a SHOULD failed with a reason: want pass")
	}
}
