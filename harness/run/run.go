package run

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/zonemesh/zonemesh/controlplane/api"
	"github.com/zonemesh/zonemesh/harness/backend"
	"github.com/zonemesh/zonemesh/harness/backend/process"
	"github.com/zonemesh/zonemesh/harness/fault"
	"github.com/zonemesh/zonemesh/harness/load"
	"github.com/zonemesh/zonemesh/harness/observe"
	"github.com/zonemesh/zonemesh/harness/topology"
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
	sc    *scenarios.Scenario
	opts  Options
	plan  *topology.Plan
	addr  topology.Addressing
	be    backend.Backend
	links *fault.Injector
	// linkGroups maps a scenario link name ("zone-a→zone-b") to the injector links behind it
	// (one per ingress replica for zone pairs).
	linkGroups map[string][]string

	global    *backend.GlobalInfo
	client    *api.Client
	zones     map[string]*zoneState
	started   time.Time // timeline start
	rng       *rand.Rand
	mu        sync.Mutex
	events    []reports.Event
	faults    map[string]*activeFault
	windows   []reports.FaultWindow
	steps     map[string]time.Duration // step name → offset when it ran
	loads     map[string]*loadRun
	writes    []observe.Write
	failures  []reports.Failure
	loadGroup sync.WaitGroup
}

// zoneState is one zone as the runner knows it.
type zoneState struct {
	plan      *topology.Zone
	info      *backend.ZoneInfo
	ingresses []backend.Handle
	instances map[string]*instance // by component name
	fakes     *backend.FakeProxiesInfo
	client    *api.Client
}

type instance struct {
	spec *topology.InstanceSpec
	info *backend.InstanceInfo
}

type activeFault struct {
	name, kind, target string
	start              time.Duration
	ids                []string // injector ids
	healing            func() error
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
	if err := os.MkdirAll(opts.Out, 0o755); err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	out, err := filepath.Abs(opts.Out)
	if err != nil {
		return nil, err
	}
	opts.Out = out
	seed := uint64(sc.Seed)
	r := &Runner{sc: sc, opts: opts, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		zones: map[string]*zoneState{}, faults: map[string]*activeFault{}, steps: map[string]time.Duration{},
		loads: map[string]*loadRun{}, linkGroups: map[string][]string{}}
	// The address block is drawn from the wall clock, not the seed: two runs side by side must
	// not share loopback addresses.
	r.addr = topology.Addressing{Block: byte(1 + rand.IntN(254))}
	r.plan, err = topology.Build(sc, r.addr)
	if err != nil {
		return nil, err
	}
	for _, z := range r.plan.Zones {
		if z.Backend != scenarios.BackendProcess {
			return nil, fmt.Errorf("run: zone %s: backend %q is not available in this build (process only)", z.Name, z.Backend)
		}
	}
	return r, nil
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
	be, err := process.New(process.Options{Binary: r.opts.Binary, Dir: r.opts.Out, LogLevel: r.opts.LogLevel})
	if err != nil {
		return nil, err
	}
	r.be = be
	r.links = fault.NewInjector()
	defer r.teardown()

	runErr := r.bringUp(ctx)
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

// teardown stops every component and link. It runs on every exit path, Ctrl-C included.
func (r *Runner) teardown() {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if r.links != nil {
		_ = r.links.Close()
	}
	if r.be != nil {
		_ = r.be.Close(ctx)
	}
}
