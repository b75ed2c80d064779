package run

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/zonemesh/zonemesh/harness/load"
	"github.com/zonemesh/zonemesh/harness/mesh"
	"github.com/zonemesh/zonemesh/harness/observe"
	"github.com/zonemesh/zonemesh/reports"
	"github.com/zonemesh/zonemesh/scenarios"
)

// Options configure a run.
type Options struct {
	// Backend overrides the scenario's backend for every zone ("" keeps the scenario's).
	Backend string
	// Out is the evidence folder (created).
	Out string
	// Binary is the zonemesh executable for child processes (default: the running binary).
	Binary string
	// Progress receives one line per step.
	Progress io.Writer
	// Version is zonemesh's version, recorded in the results.
	Version string
	// LogLevel of the components (default info).
	LogLevel string
}

// Runner is one run of one scenario. It is used once.
type Runner struct {
	sc   *scenarios.Scenario
	opts Options
	env  *mesh.Env

	started   time.Time // timeline start
	mu        sync.Mutex
	events    []reports.Event
	faults    map[string]*activeFault
	windows   []reports.FaultWindow
	steps     map[string]time.Duration // step or fault name → offset when it ran
	loads     map[string]*loadRun
	writes    []observe.Write
	loadGroup sync.WaitGroup
}

type activeFault struct {
	name, kind, target string
	start              time.Duration
	injected           *mesh.Injected // nil for a component fault (kill, pause)
}

type loadRun struct {
	spec   *scenarios.LoadStep
	start  time.Duration
	done   chan struct{}
	result *load.Result
	err    error
}

// New prepares a run of sc.
func New(sc *scenarios.Scenario, opts Options) (*Runner, error) {
	if opts.Out == "" {
		return nil, errors.New("run: an output folder is required")
	}
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	if opts.Backend != "" {
		sc.Topology.Backend = opts.Backend
		sc.Topology.Global.Backend = opts.Backend
		for i := range sc.Topology.Zones {
			sc.Topology.Zones[i].Backend = opts.Backend
		}
	}
	r := &Runner{sc: sc, opts: opts, faults: map[string]*activeFault{}, steps: map[string]time.Duration{}, loads: map[string]*loadRun{}}
	env, err := mesh.New(sc, mesh.Options{Out: opts.Out, Binary: opts.Binary, LogLevel: opts.LogLevel, Progress: progressWriter{r}})
	if err != nil {
		return nil, err
	}
	r.env = env
	r.opts.Out = env.Out()
	return r, nil
}

// progressWriter prefixes the mesh's bring-up lines with the run's clock.
type progressWriter struct{ r *Runner }

func (w progressWriter) Write(b []byte) (int, error) {
	w.r.progress("%s", strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

func (r *Runner) progress(format string, args ...any) {
	fmt.Fprintf(r.opts.Progress, "[%6.1fs] %s\n", r.now().Seconds(), fmt.Sprintf(format, args...))
}

// now is the offset since the timeline started (negative during bring-up).
func (r *Runner) now() time.Duration {
	if r.started.IsZero() {
		return 0
	}
	return time.Since(r.started)
}

// Run brings everything up, runs the timeline, judges the checks and tears everything down.
// The results are returned even when a check fails; err is for runs that could not complete.
func (r *Runner) Run(ctx context.Context) (*reports.Results, error) {
	res := &reports.Results{Kind: reports.KindRun, Name: r.sc.Name, Description: r.sc.Description, Started: time.Now(),
		EvidenceDir: r.opts.Out}
	defer r.env.Close()
	runErr := r.env.Up(ctx)
	if runErr == nil {
		runErr = r.timeline(ctx)
	}
	r.loadGroup.Wait()
	r.collect(res)
	if runErr != nil {
		res.Verdict = reports.Fail
		res.Failures = append(res.Failures, reports.Failure{Message: runErr.Error(), EvidencePaths: []string{"logs"}})
		res.Summary = "the run did not complete: " + runErr.Error()
	}
	res.Finished = time.Now()
	if err := r.writeResults(res); err != nil && runErr == nil {
		runErr = err
	}
	return res, runErr
}
