package conformance

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/zonemesh/zonemesh/internal/defect"
)

// Result is how a requirement ended.
type Result string

const (
	Succeeded    Result = "Succeeded"
	Failed       Result = "Failed"
	Skipped      Result = "Skipped"
	NotSupported Result = "NotSupported"
)

// Outcome is one requirement's result.
type Outcome struct {
	ID       string
	Title    string
	Level    Level
	Profile  Profile
	Result   Result
	Reason   string
	Duration time.Duration
	// Evidence is what the check logged (K-consecutive waits, samples).
	Evidence []string
}

// restoreBudget bounds how long the runner waits for the mesh to converge after a
// requirement restored its state.
const restoreBudget = 45 * time.Second

// mutationRestoreBudget replaces restoreBudget in a mutation run.
const mutationRestoreBudget = 8 * time.Second

// Run runs one requirement against a Target and always returns an outcome: a missing feature
// is NotSupported, a Skip error is Skipped, any other error or a panic is Failed. Cleanups run
// whatever happened; if the mesh does not converge again afterwards the requirement fails,
// since it left the shared mesh broken.
func Run(ctx context.Context, tg Target, topo Topology, r *Requirement, budget time.Duration) (out Outcome) {
	start := time.Now()
	out = Outcome{ID: r.ID, Title: r.Title, Level: r.Level, Profile: r.Profile}
	defer func() { out.Duration = time.Since(start) }()
	have := map[Feature]bool{}
	for _, f := range tg.Features() {
		have[f] = true
	}
	var missing []string
	for _, f := range r.Features {
		if !have[f] {
			missing = append(missing, string(f))
		}
	}
	if len(missing) > 0 {
		out.Result, out.Reason = NotSupported, "target lacks feature(s) "+strings.Join(missing, ", ")
		return out
	}
	t := &T{Target: tg, Topo: topo, Budget: budget, K: DefaultConsecutive}
	// The check may take its budget several times over (set-up, the measured wait, restore);
	// the deadline only stops a check that hangs.
	cctx, cancel := context.WithTimeout(ctx, 3*budget+90*time.Second)
	err := runCheck(cctx, r, t)
	cancel()
	var skip *SkipError
	switch {
	case err == nil:
		out.Result = Succeeded
	case errors.As(err, &skip):
		out.Result, out.Reason = Skipped, skip.Reason
	default:
		out.Result, out.Reason = Failed, err.Error()
	}
	if rerr := restore(ctx, t); rerr != nil {
		if out.Result == Succeeded || out.Result == Skipped {
			out.Result, out.Reason = Failed, rerr.Error()
		} else {
			out.Reason += "; " + rerr.Error()
		}
	}
	out.Evidence = t.log
	return out
}

func runCheck(ctx context.Context, r *Requirement, t *T) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("check panicked: %v", p)
		}
	}()
	return r.Check(ctx, t)
}

// restore runs the cleanups last-in first-out, then waits for convergence.
func restore(ctx context.Context, t *T) error {
	var errs []error
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		c := t.cleanups[i]
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		if err := c.fn(cctx); err != nil {
			errs = append(errs, fmt.Errorf("restore: %s: %w", c.what, err))
		}
		cancel()
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	// One success is enough here: this is state restoration, not a measured requirement.
	rt := &T{Target: t.Target, K: 1}
	wait := restoreBudget
	// A mutation run (seeded defect, test-only build) waits less: the defect may prevent
	// convergence for good; suite.Mutate discounts what runs after an unconverged restore.
	if defect.Seeded() {
		wait = mutationRestoreBudget
	}
	if err := rt.EventuallyWithin(ctx, wait, "mesh converged after restore", t.Target.Converged); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	return nil
}
