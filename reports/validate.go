package reports

import (
	"fmt"
	"math"
)

// FieldError names the field of a Results that is invalid, as a JSON path.
type FieldError struct {
	Field  string // e.g. "checks[2].verdict"
	Reason string
}

func (e *FieldError) Error() string { return "reports: " + e.Field + ": " + e.Reason }

func bad(field, format string, a ...any) error {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, a...)}
}

// Validate reports the first invalid field as a *FieldError.
func (r *Results) Validate() error {
	if err := checkVersion(r.SchemaVersion); err != nil {
		return err
	}
	switch r.Kind {
	case KindRun, KindConformance, KindSim:
	default:
		return bad("kind", "%q is not run, conformance or sim", r.Kind)
	}
	if r.Name == "" {
		return bad("name", "is empty")
	}
	if r.Started.IsZero() {
		return bad("started", "is not set")
	}
	if r.Finished.Before(r.Started) {
		return bad("finished", "%s is before started %s", r.Finished, r.Started)
	}
	if err := checkVerdict("verdict", r.Verdict); err != nil {
		return err
	}
	if r.Environment.Machine.Cores < 0 {
		return bad("environment.machine.cores", "is negative")
	}
	if l := r.Load; l != nil {
		if l.Requests < 0 || l.Successes < 0 || l.Successes > l.Requests {
			return bad("load.successes", "%d successes of %d requests", l.Successes, l.Requests)
		}
		if err := finite("load.p99Ms", l.P99Ms); err != nil {
			return err
		}
	}
	for i, c := range r.Checks {
		f := fmt.Sprintf("checks[%d]", i)
		if c.Name == "" {
			return bad(f+".name", "is empty")
		}
		if err := checkVerdict(f+".verdict", c.Verdict); err != nil {
			return err
		}
		if err := finite(f+".observed", c.Observed); err != nil {
			return err
		}
		if err := finite(f+".bound", c.Bound); err != nil {
			return err
		}
		switch c.Op {
		case "", "<=", ">=", "<", ">", "==":
		default:
			return bad(f+".op", "%q is not one of <=, >=, <, >, ==", c.Op)
		}
	}
	seen := map[string]bool{}
	for i, q := range r.Conformance {
		f := fmt.Sprintf("conformance[%d]", i)
		if q.ID == "" {
			return bad(f+".id", "is empty")
		}
		if seen[q.ID] {
			return bad(f+".id", "%q appears twice", q.ID)
		}
		seen[q.ID] = true
		switch q.Result {
		case Succeeded, Failed, Skipped, NotSupported:
		default:
			return bad(f+".result", "%q is not Succeeded, Failed, Skipped or NotSupported", q.Result)
		}
		if q.DurationSeconds < 0 || math.IsNaN(q.DurationSeconds) || math.IsInf(q.DurationSeconds, 0) {
			return bad(f+".durationSeconds", "%v is not a duration", q.DurationSeconds)
		}
	}
	for i, b := range r.Timeline {
		f := fmt.Sprintf("timeline[%d]", i)
		if b.T < 0 {
			return bad(f+".t", "is negative")
		}
		if i > 0 && b.T <= r.Timeline[i-1].T {
			return bad(f+".t", "%d does not follow %d: buckets must be in increasing time order", b.T, r.Timeline[i-1].T)
		}
		if b.Requests < 0 || b.Successes < 0 || b.Successes > b.Requests {
			return bad(f+".successes", "%d successes of %d requests", b.Successes, b.Requests)
		}
		if b.P50Ms < 0 || b.P99Ms < 0 || math.IsNaN(b.P50Ms) || math.IsNaN(b.P99Ms) {
			return bad(f+".p50Ms", "latencies must be non-negative numbers")
		}
		for z, n := range b.ByZone {
			if n < 0 {
				return bad(fmt.Sprintf("%s.byZone[%q]", f, z), "is negative")
			}
		}
	}
	for i, w := range r.Faults {
		f := fmt.Sprintf("faults[%d]", i)
		if w.Name == "" {
			return bad(f+".name", "is empty")
		}
		if w.Start < 0 || math.IsNaN(w.Start) {
			return bad(f+".start", "%v is not a time", w.Start)
		}
		if !(w.End >= w.Start) {
			return bad(f+".end", "%v is before start %v", w.End, w.Start)
		}
	}
	for i, e := range r.Events {
		if e.T < 0 || math.IsNaN(e.T) {
			return bad(fmt.Sprintf("events[%d].t", i), "%v is not a time", e.T)
		}
	}
	for i, s := range r.Propagation {
		f := fmt.Sprintf("propagation[%d]", i)
		switch s.Stage {
		case StageGlobalZone, StageZoneProxy, StageEndToEnd:
		default:
			return bad(f+".stage", "%q is not %s, %s or %s", s.Stage, StageGlobalZone, StageZoneProxy, StageEndToEnd)
		}
		if s.Seconds < 0 || math.IsNaN(s.Seconds) || math.IsInf(s.Seconds, 0) {
			return bad(f+".seconds", "%v is not a duration", s.Seconds)
		}
	}
	for i, s := range r.SimSeries {
		f := fmt.Sprintf("simSeries[%d]", i)
		if s.Name == "" {
			return bad(f+".name", "is empty")
		}
		for j, p := range s.Points {
			if err := finite(fmt.Sprintf("%s.points[%d].v", f, j), p.V); err != nil {
				return err
			}
			if j > 0 && p.T < s.Points[j-1].T {
				return bad(fmt.Sprintf("%s.points[%d].t", f, j), "goes back in time")
			}
		}
	}
	for i, fl := range r.Failures {
		if fl.Message == "" {
			return bad(fmt.Sprintf("failures[%d].message", i), "is empty")
		}
	}
	return nil
}

func checkVerdict(field string, v Verdict) error {
	if v != Pass && v != Fail {
		return bad(field, "%q is not pass or fail", v)
	}
	return nil
}

func finite(field string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return bad(field, "%v is not a finite number", v)
	}
	return nil
}
