package htmlreport_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/zonemesh/zonemesh/reports"
	"github.com/zonemesh/zonemesh/reports/htmlreport"
	"github.com/zonemesh/zonemesh/reports/reportstest"
)

func benchRender(b *testing.B, r *reports.Results) {
	var out bytes.Buffer
	if err := htmlreport.Render(&out, r); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := htmlreport.Render(io.Discard, r); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(out.Len()), "bytes/report")
}

func BenchmarkRenderRun(b *testing.B) { benchRender(b, reportstest.Sample()) }
func BenchmarkRenderSim(b *testing.B) { benchRender(b, reportstest.SimSample()) }

// BenchmarkWriteJSON is the baseline: encoding the same results as JSON.
func BenchmarkWriteJSON(b *testing.B) {
	r := reportstest.Sample()
	for b.Loop() {
		if err := reports.Write(io.Discard, r); err != nil {
			b.Fatal(err)
		}
	}
}
