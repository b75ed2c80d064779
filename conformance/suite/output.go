package suite

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/zonemesh/zonemesh/conformance"
	"github.com/zonemesh/zonemesh/reports"
	"github.com/zonemesh/zonemesh/reports/htmlreport"
)

// WriteOutputs writes conformance-report.yaml and .json, junit.xml, results.json and
// report.html into dir.
func WriteOutputs(dir string, rep *conformance.Report) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	host, _ := os.Hostname()
	res := rep.Results(reports.Machine{Cores: runtime.NumCPU(), OS: runtime.GOOS, Arch: runtime.GOARCH, Hostname: host})
	files := []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"conformance-report.yaml", func(b *bytes.Buffer) error { return rep.WriteYAML(b) }},
		{"conformance-report.json", func(b *bytes.Buffer) error { return rep.WriteJSON(b) }},
		{"junit.xml", func(b *bytes.Buffer) error { return rep.WriteJUnit(b) }},
		{"results.json", func(b *bytes.Buffer) error { return reports.Write(b, res) }},
		{"report.html", func(b *bytes.Buffer) error { return htmlreport.Render(b, res) }},
	}
	for _, f := range files {
		var b bytes.Buffer
		if err := f.write(&b); err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, f.name), b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}
