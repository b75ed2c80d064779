package reports

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"
)

// Summary writes a one-screen text summary of r: the verdict and why, load and propagation
// figures, the failed checks and requirements, and where their evidence is.
func Summary(w io.Writer, r *Results) error {
	bw := bufio.NewWriter(w)
	p := func(format string, a ...any) { fmt.Fprintf(bw, format, a...) }

	sim := ""
	if r.Simulated {
		sim = "  [SIMULATED]"
	}
	backend := r.Environment.Backend
	if backend == "" {
		backend = "unknown"
	}
	p("%s  %s  (%s, %s backend)%s\n", strings.ToUpper(string(r.Verdict)), r.Name, r.Kind, backend, sim)
	if r.Summary != "" {
		p("      %s\n", r.Summary)
	}
	p("ran   %s for %s · seed %d · zonemesh %s\n", r.Started.UTC().Format("2006-01-02 15:04:05 MST"),
		FormatSeconds(r.Finished.Sub(r.Started).Round(time.Millisecond).Seconds()), r.Environment.Seed, r.Environment.ZonemeshVersion)

	if len(r.Timeline) > 0 || r.Load != nil {
		l := r.LoadStats()
		how := ""
		if !l.Exact {
			how = " (from per-second figures)"
		}
		p("load  %d requests · %s ok · p50 %s · p99 %s%s\n", l.Requests, FormatPercent(l.SuccessRate), FormatMs(l.P50Ms), FormatMs(l.P99Ms), how)
	}
	var prop []string
	for _, s := range r.PropagationStats() {
		if s.Zone == "" {
			prop = append(prop, fmt.Sprintf("%s p50 %s p99 %s", s.Stage, FormatSeconds(s.P50), FormatSeconds(s.P99)))
		}
	}
	if len(prop) > 0 {
		p("prop  %s\n", strings.Join(prop, " · "))
	}
	if len(r.Faults) > 0 {
		var fs []string
		for _, f := range r.Faults {
			fs = append(fs, fmt.Sprintf("%s %s–%s", f.Name, FormatSeconds(f.Start), FormatSeconds(f.End)))
		}
		p("fault %s\n", strings.Join(fs, " · "))
	}

	if len(r.Checks) > 0 {
		passed, total := r.CheckCounts()
		p("\nchecks %d/%d passed\n", passed, total)
		for _, c := range r.Checks {
			if c.Verdict != Pass {
				p("  FAIL %s: observed %s, bound %s %s", c.Name, FormatValue(c.Observed, c.Unit), c.Op, FormatValue(c.Bound, c.Unit))
				if c.Message != "" {
					p(" — %s", c.Message)
				}
				p("\n")
			}
		}
	}
	if len(r.Conformance) > 0 {
		c := r.ConformanceCounts()
		p("\nconformance %d/%d succeeded · %d failed · %d skipped · %d not supported\n", c.Succeeded, c.Total(), c.Failed, c.Skipped, c.NotSupported)
		for _, q := range r.Conformance {
			if q.Result == Failed {
				p("  FAIL %s [%s %s] %s — %s\n", q.ID, q.Level, q.Profile, q.Title, q.Reason)
			}
		}
	}
	if len(r.Failures) > 0 {
		p("\nfailures")
		if r.EvidenceDir != "" {
			p(" (evidence in %s)", r.EvidenceDir)
		}
		p("\n")
		const maxPaths = 3 // keep it to one screen; the HTML report lists every path
		for _, f := range r.Failures {
			p("  - %s: %s\n", failureSubject(f), f.Message)
			for i, e := range f.EvidencePaths {
				if i == maxPaths {
					p("      … %d more\n", len(f.EvidencePaths)-maxPaths)
					break
				}
				p("      %s\n", e)
			}
		}
	}
	return bw.Flush()
}

func failureSubject(f Failure) string {
	switch {
	case f.Check != "" && f.Requirement != "":
		return f.Requirement + " / " + f.Check
	case f.Requirement != "":
		return f.Requirement
	case f.Check != "":
		return f.Check
	default:
		return "run"
	}
}
