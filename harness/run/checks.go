package run

import (
	"fmt"
	"sort"
	"time"

	"gonum.org/v1/gonum/stat"

	"github.com/zonemesh/zonemesh/harness/load"
	"github.com/zonemesh/zonemesh/reports"
	"github.com/zonemesh/zonemesh/scenarios"
)

// recoveredShare is the success rate a load must be back at for "recovered".
const recoveredShare = 0.99

// judge evaluates every check of the scenario.
func (r *Runner) judge(samples []reports.Sample) []reports.Check {
	var out []reports.Check
	for _, c := range r.sc.Checks {
		out = append(out, r.judgeOne(c, samples))
	}
	return out
}

func (r *Runner) judgeOne(c scenarios.Check, samples []reports.Sample) reports.Check {
	rc := reports.Check{Name: c.Name, Type: c.Type}
	fail := func(format string, args ...any) reports.Check {
		rc.Verdict, rc.Message = reports.Fail, fmt.Sprintf(format, args...)
		return rc
	}
	switch c.Type {
	case scenarios.CheckPropagation:
		var xs []float64
		for _, s := range samples {
			if s.Stage == c.Stage {
				xs = append(xs, s.Seconds)
			}
		}
		rc.Op, rc.Unit, rc.Bound = "<=", "s", c.Max.Duration().Seconds()
		if len(xs) == 0 {
			return fail("no %s propagation samples: no policy write of the timeline was observed", c.Stage)
		}
		sort.Float64s(xs)
		rc.Observed = stat.Quantile(c.Quantile, stat.Empirical, xs, nil)
		rc.Message = fmt.Sprintf("p%g of %d %s samples is %s (bound %s)", c.Quantile*100, len(xs), c.Stage, secs(rc.Observed), c.Max)
		rc.Verdict = verdict(rc.Observed <= rc.Bound)
		return rc
	case scenarios.CheckErrorRate:
		recs, lr, err := r.window(c.Load, c.Window)
		if err != nil {
			return fail("%v", err)
		}
		rc.Op, rc.Unit, rc.Bound = "<=", "ratio", c.Max.Ratio()
		if len(recs) == 0 {
			return fail("no requests of load %s in the window", lr)
		}
		bad := 0
		for _, rec := range recs {
			if !rec.OK() {
				bad++
			}
		}
		rc.Observed = float64(bad) / float64(len(recs))
		rc.Message = fmt.Sprintf("%d of %d requests failed (%.3f%%, bound %.3f%%)", bad, len(recs), 100*rc.Observed, 100*rc.Bound)
		rc.Verdict = verdict(rc.Observed <= rc.Bound)
		return rc
	case scenarios.CheckTrafficShare:
		recs, lr, err := r.window(c.Load, c.Window)
		if err != nil {
			return fail("%v", err)
		}
		ok, in := 0, 0
		for _, rec := range recs {
			if rec.OK() {
				ok++
				if rec.Zone == c.Zone {
					in++
				}
			}
		}
		rc.Unit = "ratio"
		if ok == 0 {
			return fail("no successful requests of load %s in the window", lr)
		}
		rc.Observed = float64(in) / float64(ok)
		pass := true
		if c.Min.IsSet() {
			rc.Op, rc.Bound = ">=", c.Min.Ratio()
			pass = pass && rc.Observed >= c.Min.Ratio()
		}
		if c.Max.IsSet() {
			if !c.Min.IsSet() {
				rc.Op, rc.Bound = "<=", c.Max.Ratio()
			}
			pass = pass && rc.Observed <= c.Max.Ratio()
		}
		rc.Message = fmt.Sprintf("%s answered %d of %d successful requests (%.1f%%; want %s)", c.Zone, in, ok, 100*rc.Observed, shareBounds(c))
		rc.Verdict = verdict(pass)
		return rc
	case scenarios.CheckRecovery:
		at, ok := r.recoveryStart(c.After)
		if !ok {
			return fail("%s never happened", c.After)
		}
		rc.Op, rc.Unit, rc.Bound = "<=", "s", c.Max.Duration().Seconds()
		rec, n, err := r.recovery(c.Load, at)
		if err != nil {
			return fail("%v", err)
		}
		if n == 0 {
			return fail("no load ran after %s", c.After)
		}
		rc.Observed = rec.Seconds()
		rc.Message = fmt.Sprintf("success back at ≥ %.0f%% %s after %s (bound %s)", 100*recoveredShare, secs(rc.Observed), c.After, c.Max)
		rc.Verdict = verdict(rc.Observed <= rc.Bound)
		return rc
	}
	return fail("unknown check type %q", c.Type)
}

func verdict(ok bool) reports.Verdict {
	if ok {
		return reports.Pass
	}
	return reports.Fail
}

func secs(s float64) string {
	return time.Duration(s * float64(time.Second)).Round(time.Microsecond).String()
}

func shareBounds(c scenarios.Check) string {
	switch {
	case c.Min.IsSet() && c.Max.IsSet():
		return fmt.Sprintf("%.0f%%–%.0f%%", 100*c.Min.Ratio(), 100*c.Max.Ratio())
	case c.Min.IsSet():
		return fmt.Sprintf("≥ %.0f%%", 100*c.Min.Ratio())
	}
	return fmt.Sprintf("≤ %.0f%%", 100*c.Max.Ratio())
}

// offset resolves a step or fault name to its time on the timeline.
func (r *Runner) offset(name string) (time.Duration, bool) {
	t, ok := r.steps[name]
	return t, ok
}

// recoveryStart is when recovery is timed from: the heal of a fault, or a step.
func (r *Runner) recoveryStart(name string) (time.Duration, bool) {
	if t, ok := r.steps["heal:"+name]; ok {
		return t, true
	}
	for _, w := range r.windows {
		if w.Name == name {
			return time.Duration(w.End * float64(time.Second)), true
		}
	}
	return r.offset(name)
}

// window returns the records of a load (every load when name is empty) that started inside
// the window, with their offsets on the timeline.
func (r *Runner) window(name string, w *scenarios.Window) ([]load.Record, string, error) {
	from, to := time.Duration(0), time.Duration(1<<62)
	if w != nil {
		if w.From != "" {
			t, ok := r.offset(w.From)
			if !ok {
				return nil, name, fmt.Errorf("window start %s never happened", w.From)
			}
			from = t
		}
		if w.To != "" {
			t, ok := r.offset(w.To)
			if !ok {
				return nil, name, fmt.Errorf("window end %s never happened", w.To)
			}
			to = t
		}
	}
	var out []load.Record
	for n, lr := range r.loads {
		if name != "" && n != name {
			continue
		}
		if lr.result == nil {
			return nil, n, fmt.Errorf("load %s produced no results: %v", n, lr.err)
		}
		for _, rec := range lr.result.Records {
			at := lr.start + rec.Offset
			if at >= from && at < to {
				rec.Offset = at
				out = append(out, rec)
			}
		}
	}
	if name != "" && r.loads[name] == nil {
		return nil, name, fmt.Errorf("load %s never ran", name)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Offset < out[j].Offset })
	return out, name, nil
}

// recovery is the time from at until the load's success rate, per 100 ms bin, stays at or
// above recoveredShare for good; n is the number of requests after at.
func (r *Runner) recovery(name string, at time.Duration) (time.Duration, int, error) {
	recs, _, err := r.window(name, &scenarios.Window{})
	if err != nil {
		return 0, 0, err
	}
	const bin = 100 * time.Millisecond
	type tally struct{ n, ok int }
	bins := map[int]*tally{}
	last, n := -1, 0
	for _, rec := range recs {
		if rec.Offset < at {
			continue
		}
		n++
		b := int((rec.Offset - at) / bin)
		if bins[b] == nil {
			bins[b] = &tally{}
		}
		bins[b].n++
		if rec.OK() {
			bins[b].ok++
		}
		if b > last {
			last = b
		}
	}
	recovered := 0
	for b := 0; b <= last; b++ {
		if t := bins[b]; t != nil && float64(t.ok) < recoveredShare*float64(t.n) {
			recovered = b + 1
		}
	}
	return time.Duration(recovered) * bin, n, nil
}
