package measure

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"time"

	"github.com/zonemesh/zonemesh/controlplane/zone"
	"github.com/zonemesh/zonemesh/harness/mesh"
	"github.com/zonemesh/zonemesh/harness/observe"
	"github.com/zonemesh/zonemesh/scenarios"
)

// ZoneWorkers is how many goroutines a zone's xDS server generates proxies with: the
// server's default (controlplane/xds/server Config.Workers), which the zone does not change.
// It is configuration, never fitted.
const ZoneWorkers = 2

// Options describe one measured run.
type Options struct {
	Out    string // evidence folder of the mesh (logs, data)
	Binary string // zonemesh executable for the components
	// Proxies is the number of fake proxies per zone; it replaces the scenario's.
	Proxies int
	// Writes are policy writes made one at a time: each waits until every proxy of every zone
	// applied the previous one, so their stages do not overlap.
	Writes int
	// Burst writes follow, back to back, to see the stages queue.
	Burst int
	// Timeout bounds the wait for one write (or the burst) to reach every proxy.
	Timeout  time.Duration
	Progress io.Writer
}

// Run is what one measured run recorded.
type Run struct {
	Proxies int `json:"proxies"` // per zone
	Zones   int `json:"zones"`
	// Resources is how many resources a proxy's config is built from in each zone at the end
	// of the run: the dataplanes plus the policies (the simulator's cost units).
	Resources int             `json:"resources"`
	Spaced    int             `json:"spaced"` // the first Spaced writes were made one at a time
	Writes    []observe.Write `json:"writes"`
	// IntakeSeconds are the client's round trips of the spaced writes.
	IntakeSeconds []float64 `json:"intakeSeconds"`
	// Passes are the zones' generation passes caused by each spaced write.
	Passes  []Pass           `json:"passes"`
	Samples []observe.Sample `json:"samples"`
}

// Pass is a zone's xDS generation work for one spaced write.
type Pass struct {
	Zone    string  `json:"zone"`
	Key     string  `json:"key"`
	Seconds float64 `json:"seconds"` // summed pass durations
	Proxies int     `json:"proxies"` // proxy configs generated
	Passes  int     `json:"passes"`  // how many passes it took
	// CPUSeconds is the zone process's CPU time from the write until every proxy applied it
	// (generation and everything else the zone did meanwhile); 0 if the zone does not export it.
	CPUSeconds float64 `json:"cpuSeconds,omitempty"`
}

// Measure brings the scenario's topology up with opts.Proxies fake proxies per zone, makes the
// writes, and returns what it timed. The mesh is closed before it returns.
func Measure(ctx context.Context, sc *scenarios.Scenario, opts Options) (*Run, error) {
	if opts.Proxies < 1 {
		return nil, fmt.Errorf("measure: proxies: must be >= 1, got %d", opts.Proxies)
	}
	if opts.Writes < 1 || opts.Burst < 0 {
		return nil, fmt.Errorf("measure: writes: must be >= 1 (burst >= 0), got %d and %d", opts.Writes, opts.Burst)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 60 * time.Second
	}
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	s := *sc
	s.Topology.Zones = slices.Clone(sc.Topology.Zones)
	for i := range s.Topology.Zones {
		s.Topology.Zones[i].FakeProxies = opts.Proxies
	}
	env, err := mesh.New(&s, mesh.Options{Out: filepath.Join(opts.Out, fmt.Sprintf("proxies-%d", opts.Proxies)), Binary: opts.Binary})
	if err != nil {
		return nil, err
	}
	defer env.Close()
	if err := env.Up(ctx); err != nil {
		return nil, fmt.Errorf("measure: bring-up: %w", err)
	}
	if err := until(ctx, 2*opts.Timeout, env.Converged); err != nil {
		return nil, fmt.Errorf("measure: mesh did not converge: %w", err)
	}
	m := &meter{env: env, run: &Run{Proxies: opts.Proxies, Zones: len(env.Zones()), Spaced: opts.Writes}, timeout: opts.Timeout}
	for i := range opts.Writes {
		if err := m.spaced(ctx, fmt.Sprintf("cal-%d", i+1)); err != nil {
			return nil, err
		}
	}
	fmt.Fprintf(opts.Progress, "%d proxies: %d spaced writes done\n", opts.Proxies, opts.Writes)
	if opts.Burst > 0 {
		if err := m.burst(ctx, opts.Writes, opts.Burst); err != nil {
			return nil, err
		}
	}
	if err := m.collect(ctx); err != nil {
		return nil, err
	}
	return m.run, nil
}

type meter struct {
	env     *mesh.Env
	run     *Run
	timeout time.Duration
	seen    map[string]uint64 // zone → last applied log sequence read while waiting
}

// policy is a TrafficPermission every sidecar's config carries, so each write reaches every
// proxy, as the simulator assumes.
func policy(name string) []byte {
	return fmt.Appendf(nil, "kind: TrafficPermission\nmesh: default\nname: %s\nspec:\n  destination: {service: \"*\"}\n  sources: [{service: \"*\"}]\n  action: allow\n", name)
}

func (m *meter) write(ctx context.Context, name string) (observe.Write, time.Duration, error) {
	t := time.Now()
	rs, err := m.env.Client.Apply(ctx, policy(name))
	rtt := time.Since(t)
	if err != nil {
		return observe.Write{}, 0, fmt.Errorf("measure: write %s: %w", name, err)
	}
	if len(rs) != 1 {
		return observe.Write{}, 0, fmt.Errorf("measure: write %s: global stored %d resources, want 1", name, len(rs))
	}
	w := observe.Write{Key: rs[0].Key().String(), Version: rs[0].Version, Acked: rs[0].ModificationTime}
	m.run.Writes = append(m.run.Writes, w)
	return w, rtt, nil
}

// spaced makes one write and waits until every proxy applied it, reading each zone's
// generation metrics before and after.
func (m *meter) spaced(ctx context.Context, name string) error {
	zones := m.env.Zones()
	before := make([]genStats, len(zones))
	for i, z := range zones {
		g, err := scrape(ctx, z)
		if err != nil {
			return err
		}
		before[i] = g
	}
	w, rtt, err := m.write(ctx, name)
	if err != nil {
		return err
	}
	m.run.IntakeSeconds = append(m.run.IntakeSeconds, rtt.Seconds())
	if err := m.waitApplied(ctx, []observe.Write{w}); err != nil {
		return err
	}
	for i, z := range zones {
		g, err := scrape(ctx, z)
		if err != nil {
			return err
		}
		d := g.minus(before[i])
		if d.generated < 1 || d.seconds <= 0 {
			return fmt.Errorf("measure: zone %s: write %s caused no generation pass", z.Plan.Name, name)
		}
		m.run.Passes = append(m.run.Passes, Pass{Zone: z.Plan.Name, Key: w.Key, Seconds: d.seconds, Proxies: int(d.generated), Passes: int(d.passes), CPUSeconds: d.cpu})
	}
	return nil
}

// burst makes n writes back to back and waits for all of them.
func (m *meter) burst(ctx context.Context, from, n int) error {
	var ws []observe.Write
	for i := range n {
		w, _, err := m.write(ctx, fmt.Sprintf("cal-%d", from+i+1))
		if err != nil {
			return err
		}
		ws = append(ws, w)
	}
	return m.waitApplied(ctx, ws)
}

// waitApplied polls each zone's applied log until every proxy has applied every write.
func (m *meter) waitApplied(ctx context.Context, ws []observe.Write) error {
	if m.seen == nil {
		m.seen = map[string]uint64{}
	}
	type pk struct{ proxy, key string }
	for _, z := range m.env.Zones() {
		have := map[pk]bool{}
		want := len(ws) * m.run.Proxies
		err := until(ctx, m.timeout, func(ctx context.Context) error {
			var aps []zone.Applied
			if err := mesh.GetJSON(ctx, fmt.Sprintf("%s/api/v1/applied?since=%d", z.Info.APIURL, m.seen[z.Plan.Name]), &aps); err != nil {
				return err
			}
			for _, a := range aps {
				m.seen[z.Plan.Name] = max(m.seen[z.Plan.Name], a.Seq)
				for _, w := range ws {
					if v, ok := a.Policies[w.Key]; ok && v >= w.Version {
						have[pk{a.Proxy, w.Key}] = true
					}
				}
			}
			if len(have) < want {
				return fmt.Errorf("zone %s: %d of %d proxy applications", z.Plan.Name, len(have), want)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("measure: %w", err)
		}
	}
	return nil
}

// collect reads every zone's arrivals and applications and times the writes' stages.
func (m *meter) collect(ctx context.Context) error {
	var arrivals []observe.Arrival
	var applied []observe.Applied
	for _, z := range m.env.Zones() {
		var as []zone.Arrival
		if err := mesh.GetJSON(ctx, z.Info.APIURL+"/api/v1/arrivals", &as); err != nil {
			return fmt.Errorf("measure: zone %s: arrivals: %w", z.Plan.Name, err)
		}
		for _, a := range as {
			arrivals = append(arrivals, observe.Arrival{Zone: z.Plan.Name, Key: a.Key, Version: a.Version, Deleted: a.Deleted, Time: a.Time})
		}
		var aps []zone.Applied
		if err := mesh.GetJSON(ctx, z.Info.APIURL+"/api/v1/applied", &aps); err != nil {
			return fmt.Errorf("measure: zone %s: applied: %w", z.Plan.Name, err)
		}
		for _, a := range aps {
			for k, v := range a.Policies {
				applied = append(applied, observe.Applied{Zone: z.Plan.Name, Proxy: a.Proxy, Key: k, Version: v, Time: a.Time})
			}
		}
	}
	m.run.Samples = observe.Samples(m.run.Writes, arrivals, applied)
	// A proxy's config is built from the zone's dataplanes and the mesh's policies.
	m.run.Resources = m.run.Proxies + len(m.run.Writes)
	return nil
}

// until retries cond every 10 ms until it holds, ctx ends or timeout passes; the error names
// the last reason it did not hold.
func until(ctx context.Context, timeout time.Duration, cond func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		err := cond(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-tick.C:
		}
	}
}
