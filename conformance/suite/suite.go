package suite

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"

	"github.com/zonemesh/zonemesh/conformance"
)

// Options configure one suite run.
type Options struct {
	Target  conformance.Target
	Catalog []*conformance.Requirement
	// Profiles and Focus (requirement IDs) select what runs; empty means everything.
	Profiles []conformance.Profile
	Focus    []string
	Budgets  conformance.Budgets
	// Zonemesh is the suite's own version for the report.
	Zonemesh string
	// Verbose shows ginkgo's per-spec output.
	Verbose bool
}

// ErrAlreadyRan is returned by a second Run in one process.
var ErrAlreadyRan = errors.New("suite: ginkgo runs once per process")

var ran sync.Once

// setupBudget bounds the bring-up of the topology.
const setupBudget = 90 * time.Second

// Run brings the Target up, runs the selected requirements and returns the report.
func Run(ctx context.Context, opts Options) (*conformance.Report, error) {
	var rep *conformance.Report
	err := ErrAlreadyRan
	ran.Do(func() { rep, err = run(ctx, opts) })
	return rep, err
}

// Select returns the requirements the options select, in run order: non-disruptive first,
// each group by ID.
func Select(catalog []*conformance.Requirement, profiles []conformance.Profile, focus []string) ([]*conformance.Requirement, error) {
	known := map[string]bool{}
	for _, r := range catalog {
		known[r.ID] = true
	}
	for _, id := range focus {
		if !known[id] {
			return nil, fmt.Errorf("focus: no requirement %q", id)
		}
	}
	var out []*conformance.Requirement
	for _, r := range catalog {
		if len(profiles) > 0 && !contains(profiles, r.Profile) {
			continue
		}
		if len(focus) > 0 && !contains(focus, r.ID) {
			continue
		}
		out = append(out, r)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Disruptive != out[j].Disruptive {
			return !out[i].Disruptive
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

func contains[T comparable](xs []T, x T) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

type fakeT struct{ failed bool }

func (t *fakeT) Fail() { t.failed = true }

func run(ctx context.Context, opts Options) (*conformance.Report, error) {
	reqs, err := Select(opts.Catalog, opts.Profiles, opts.Focus)
	if err != nil {
		return nil, err
	}
	if len(reqs) == 0 {
		return nil, errors.New("suite: the selection is empty")
	}
	topo := conformance.SuiteTopology()
	var mu sync.Mutex
	outs := map[string]conformance.Outcome{}
	var setupErr error
	start := time.Now()

	gomega.RegisterFailHandler(Fail)
	Describe("zonemesh conformance", Ordered, ContinueOnFailure, func() {
		BeforeAll(func(sctx SpecContext) {
			if err := setup(sctx, opts.Target, topo); err != nil {
				setupErr = err
				Fail(err.Error())
			}
		}, NodeTimeout(setupBudget+30*time.Second))
		AfterAll(func() { opts.Target.Close() })
		for _, r := range reqs {
			labels := Label(r.ID, string(r.Profile), string(r.Level))
			budget := opts.Budgets.For(r)
			It(r.ID+" "+r.Title, labels, func(sctx SpecContext) {
				o := conformance.Run(mergeCtx(ctx, sctx), opts.Target, topo, r, budget)
				mu.Lock()
				outs[r.ID] = o
				mu.Unlock()
				switch o.Result {
				case conformance.Failed:
					Fail(o.Reason)
				case conformance.Skipped, conformance.NotSupported:
					Skip(string(o.Result) + ": " + o.Reason)
				}
			}, SpecTimeout(3*budget+5*time.Minute))
		}
	})
	sc, rc := GinkgoConfiguration()
	sc.RandomSeed = 1
	sc.Timeout = time.Hour
	rc.NoColor = true
	rc.Verbose = opts.Verbose
	rc.Succinct = !opts.Verbose
	RunSpecs(&fakeT{}, "zonemesh conformance", sc, rc)

	name, version := opts.Target.Implementation()
	var list []conformance.Outcome
	for _, r := range reqs {
		o, ok := outs[r.ID]
		if !ok {
			// Never entered (the bring-up failed or ginkgo was interrupted): say so.
			// A target that cannot reach the state every requirement assumes fails them all.
			res, reason := conformance.Skipped, "not run"
			if setupErr != nil {
				res, reason = conformance.Failed, "the target did not come up converged: "+setupErr.Error()
			} else if ctx.Err() != nil {
				reason = "not run: interrupted"
			}
			o = conformance.Outcome{ID: r.ID, Title: r.Title, Level: r.Level, Profile: r.Profile, Result: res, Reason: reason}
		}
		list = append(list, o)
	}
	return conformance.NewReport(name, version, opts.Zonemesh, opts.Target.Backend(), start, time.Since(start), list), nil
}

func setup(ctx context.Context, tg conformance.Target, topo conformance.Topology) error {
	ctx, cancel := context.WithTimeout(ctx, setupBudget)
	defer cancel()
	if err := tg.Setup(ctx, topo); err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	if err := tg.Apply(ctx, []byte(topo.Baseline)); err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	t := &conformance.T{Target: tg, Topo: topo, K: 1}
	return t.EventuallyWithin(ctx, 40*time.Second, "mesh converged after setup", tg.Converged)
}

// mergeCtx is cancelled when either the run (Ctrl-C) or the spec (timeout) is.
func mergeCtx(a context.Context, b context.Context) context.Context {
	ctx, cancel := context.WithCancel(b)
	stop := context.AfterFunc(a, cancel)
	context.AfterFunc(ctx, func() { stop(); cancel() })
	return ctx
}

// ParseProfiles parses "core,routing".
func ParseProfiles(s string) ([]conformance.Profile, error) {
	if s == "" {
		return nil, nil
	}
	var out []conformance.Profile
	for _, p := range strings.Split(s, ",") {
		if !contains(conformance.Profiles(), conformance.Profile(p)) {
			return nil, fmt.Errorf("profile %q is not one of %v", p, conformance.Profiles())
		}
		out = append(out, conformance.Profile(p))
	}
	return out, nil
}
