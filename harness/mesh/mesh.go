// Package mesh brings a reference mesh up on the harness's backends and operates it: apply and
// delete policies, call a service from a zone, kill, pause, resume, restart and scale
// components, inject and heal link faults, and wait for convergence. The scenario runner
// (harness/run) and the conformance Target drive a mesh through it.
//
// Every cross-zone and zone↔global connection goes through a fault link (harness/fault), so a
// fault hits exactly the link it names.
package mesh

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/zonemesh/zonemesh/controlplane/api"
	"github.com/zonemesh/zonemesh/harness/backend"
	"github.com/zonemesh/zonemesh/harness/fault"
	"github.com/zonemesh/zonemesh/harness/topology"
	"github.com/zonemesh/zonemesh/scenarios"
)

// Options configure a mesh.
type Options struct {
	// Out is the evidence folder: logs/ and data/ go under it.
	Out string
	// Binary is the zonemesh executable for child processes (default: the running binary).
	Binary string
	// LogLevel of the components (default info).
	LogLevel string
	// Progress receives one line per bring-up stage.
	Progress io.Writer
	// KDSKeepalive shortens offline detection (default 2s + 2s).
	KDSKeepalive, KDSKeepaliveTimeout time.Duration
	// DNS turns on every sidecar's DNS and VIP listeners (process and docker backends).
	DNS bool
}

// Env is a running mesh. Its methods are safe for concurrent use.
type Env struct {
	opts  Options
	Plan  *topology.Plan
	addr  topology.Addressing
	be    backend.Backend
	links *fault.Injector
	// linkGroups maps a scenario link name ("zone-a→zone-b") to the injector links behind it
	// (one per ingress replica for a zone pair).
	linkGroups map[string][]string

	Global *backend.GlobalInfo
	// Client talks to global with the admin token.
	Client *api.Client

	mu        sync.Mutex
	zones     map[string]*Zone
	sc        *scenarios.Scenario
	closeOnce sync.Once
}

// Zone is one running zone.
type Zone struct {
	Plan      *topology.Zone
	Info      *backend.ZoneInfo
	Ingresses []backend.Handle
	// Instances by component name.
	Instances map[string]*Instance
	Fakes     *backend.FakeProxiesInfo
	Client    *api.Client
}

// Instance is one running service replica.
type Instance struct {
	Spec *topology.InstanceSpec
	Info *backend.InstanceInfo
}

// New prepares a mesh for the scenario's topology; Up starts it.
func New(sc *scenarios.Scenario, opts Options) (*Env, error) {
	if opts.Out == "" {
		return nil, errors.New("mesh: an output folder is required")
	}
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	out, err := filepath.Abs(opts.Out)
	if err != nil {
		return nil, err
	}
	opts.Out = out
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, fmt.Errorf("mesh: %w", err)
	}
	// The address block is drawn at random, not from the seed: two runs side by side must
	// not share loopback addresses.
	e := &Env{opts: opts, sc: sc, addr: topology.Addressing{Block: pickBlock()},
		zones: map[string]*Zone{}, linkGroups: map[string][]string{}}
	if e.Plan, err = topology.Build(sc, e.addr); err != nil {
		return nil, err
	}
	// One backend per kind in use; components go to the one their zone names (backends.go).
	be, err := newBackends(e.Plan, e.addr, opts, e.progress)
	if err != nil {
		return nil, err
	}
	e.be = be
	e.links = fault.NewInjector()
	return e, nil
}

func (e *Env) progress(format string, args ...any) {
	fmt.Fprintf(e.opts.Progress, format+"\n", args...)
}

// Out is the evidence folder.
func (e *Env) Out() string { return e.opts.Out }

// Zone returns a running zone, or nil.
func (e *Env) Zone(name string) *Zone {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.zones[name]
}

// Zones returns every running zone, in plan order.
func (e *Env) Zones() []*Zone {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []*Zone
	for _, p := range e.Plan.Zones {
		if z := e.zones[p.Name]; z != nil {
			out = append(out, z)
		}
	}
	return out
}

// Close stops every component and link; it is idempotent and runs on Ctrl-C too.
func (e *Env) Close() {
	e.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		_ = e.links.Close()
		_ = e.be.Close(ctx)
	})
}
