package run

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/harness/backend"
	"github.com/zonemesh/zonemesh/harness/fault"
	"github.com/zonemesh/zonemesh/harness/load"
	"github.com/zonemesh/zonemesh/harness/observe"
	"github.com/zonemesh/zonemesh/reports"
	"github.com/zonemesh/zonemesh/scenarios"
)

// timeline runs the scenario's steps in order. A step with `at` waits until that offset.
func (r *Runner) timeline(ctx context.Context) error {
	r.started = time.Now()
	for i := range r.sc.Timeline {
		st := &r.sc.Timeline[i]
		if st.At != nil {
			if wait := st.At.D() - r.now(); wait > 0 {
				select {
				case <-time.After(wait):
				case <-ctx.Done():
					return ctx.Err()
				}
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		label := stepLabel(st)
		r.mu.Lock()
		if st.Name != "" {
			r.steps[st.Name] = r.now()
		}
		r.mu.Unlock()
		r.progress("step %d: %s", i+1, label)
		if err := r.step(ctx, st); err != nil {
			return fmt.Errorf("step %d (%s): %w", i+1, label, err)
		}
	}
	return nil
}

func stepLabel(st *scenarios.Step) string {
	a := st.Action()
	if st.Name != "" {
		return a + " " + st.Name
	}
	switch {
	case st.Heal != "":
		return "heal " + st.Heal
	case st.WaitLoad != "":
		return "wait for load " + st.WaitLoad
	case st.Wait != nil:
		return "wait " + st.Wait.For
	case st.Fault != nil:
		return "fault " + st.Fault.Name
	case st.Apply != nil:
		return "apply " + st.Apply.Kind + "/" + st.Apply.Name
	case st.Delete != nil:
		return "delete " + st.Delete.Kind + "/" + st.Delete.Name
	}
	return a
}

func (r *Runner) event(kind, label string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, reports.Event{T: r.now().Seconds(), Kind: kind, Label: label})
}

func (r *Runner) step(ctx context.Context, st *scenarios.Step) error {
	switch {
	case st.Load != nil:
		return r.startLoad(ctx, st.Name, st.Load)
	case st.WaitLoad != "":
		lr := r.loads[st.WaitLoad]
		if lr == nil {
			return fmt.Errorf("load %q never started", st.WaitLoad)
		}
		select {
		case <-lr.done:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	case st.Apply != nil:
		b, err := st.Apply.YAML()
		if err != nil {
			return err
		}
		rs, err := r.client.Apply(ctx, b)
		if err != nil {
			return err
		}
		acked := time.Now()
		for _, res := range rs {
			r.recordWrite(observe.Write{Key: res.Key().String(), Version: res.Version, Acked: acked})
			r.event("apply", string(res.Kind)+"/"+res.Name)
		}
		return nil
	case st.Delete != nil:
		k, err := resource.ParseKind(st.Delete.Kind)
		if err != nil {
			return err
		}
		mesh := st.Delete.Mesh
		if info, _ := resource.Info(k); info.Scoped && mesh == "" {
			mesh = r.plan.Mesh
		}
		key := resource.Key{Kind: k, Mesh: mesh, Name: st.Delete.Name}
		if err := r.client.Delete(ctx, key); err != nil {
			return err
		}
		r.recordWrite(observe.Write{Key: key.String(), Deleted: true, Acked: time.Now()})
		r.event("delete", string(k)+"/"+key.Name)
		return nil
	case st.Fault != nil:
		return r.inject(st.Fault)
	case st.Heal != "":
		return r.heal(st.Heal)
	case st.Kill != nil:
		return r.component(ctx, "kill", st.Kill)
	case st.Pause != nil:
		return r.component(ctx, "pause", st.Pause)
	case st.Resume != nil:
		return r.component(ctx, "resume", st.Resume)
	case st.Restart != nil:
		return r.component(ctx, "restart", st.Restart)
	case st.Scale != nil:
		return r.scale(ctx, st.Scale)
	case st.Wait != nil:
		return r.wait(ctx, st.Wait)
	}
	return fmt.Errorf("step has no action")
}

func (r *Runner) recordWrite(w observe.Write) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.writes = append(r.writes, w)
}

// startLoad starts a load step in the background; waitLoad or the end of the run joins it.
func (r *Runner) startLoad(ctx context.Context, name string, ls *scenarios.LoadStep) error {
	z := r.zones[ls.From]
	if z == nil {
		return fmt.Errorf("load from unknown zone %q", ls.From)
	}
	caller := z.caller()
	if caller == nil {
		return fmt.Errorf("zone %s has no service instance to call from", ls.From)
	}
	path := ls.Path
	if path == "" {
		path = "/"
	}
	hdr := http.Header{}
	for k, v := range ls.Headers {
		hdr.Set(k, v)
	}
	spec := load.Spec{Name: name, Target: caller.info.OutboundURL + path, Host: ls.To + ".mesh", Headers: hdr,
		Rate: ls.Rate, RampTo: ls.RampTo, Duration: ls.Duration.D(), Workers: uint64(ls.Workers), MaxWorkers: uint64(ls.MaxWorkers),
		Timeout: ls.Timeout.D()}
	if name == "" {
		name = fmt.Sprintf("load-%d", len(r.loads)+1)
	}
	lr := &loadRun{spec: ls, start: r.now(), done: make(chan struct{})}
	r.loads[name] = lr
	r.event("load", fmt.Sprintf("%s: %s → %s at %d/s", name, ls.From, ls.To, ls.Rate))
	r.loadGroup.Add(1)
	go func() {
		defer r.loadGroup.Done()
		defer close(lr.done)
		lr.result, lr.err = load.Run(ctx, spec)
		if lr.err == nil && lr.result != nil {
			s := lr.result.Summary()
			r.progress("load %s done: %d requests, %.2f%% ok, p99 %.1fms", name, s.Requests, 100*(1-s.ErrorRate), s.P99.Seconds()*1000)
		}
	}()
	return nil
}

// caller picks the instance a zone's load is sent from: its first instance, in plan order.
func (z *zoneState) caller() *instance {
	for _, in := range z.plan.Instances {
		if i := z.instances[in.Name]; i != nil {
			return i
		}
	}
	return nil
}

func (r *Runner) inject(f *scenarios.Fault) error {
	ft, err := fault.FromScenario(f)
	if err != nil {
		return err
	}
	name := f.Link.Name()
	links := r.linkGroups[name]
	if len(links) == 0 {
		return fmt.Errorf("fault %s: no link %s (is there an ingress in %s?)", f.Name, name, f.Link.To)
	}
	af := &activeFault{name: f.Name, kind: f.Type, target: strings.ReplaceAll(name, "→", " → "), start: r.now()}
	var targets []string
	if f.Type == scenarios.FaultPartition && f.IsTwoWay() && f.Link.To != scenarios.ComponentGlobal {
		// A two-way partition between zones cuts both directed pairs.
		targets = append(targets, links...)
		targets = append(targets, r.linkGroups[f.Link.To+"→"+f.Link.From]...)
		af.target = f.Link.From + " ↔ " + f.Link.To
	} else {
		targets = links
	}
	for _, l := range targets {
		id, err := r.links.Inject(l, ft)
		if err != nil {
			return fmt.Errorf("fault %s on %s: %w", f.Name, l, err)
		}
		af.ids = append(af.ids, id)
	}
	r.mu.Lock()
	r.faults[f.Name] = af
	r.steps[f.Name] = af.start
	r.mu.Unlock()
	if d := f.Duration.D(); d > 0 {
		time.AfterFunc(d, func() { _ = r.heal(f.Name) })
	}
	return nil
}

func (r *Runner) heal(name string) error {
	r.mu.Lock()
	af := r.faults[name]
	delete(r.faults, name)
	r.mu.Unlock()
	if af == nil {
		return nil // healed already (its duration ran out)
	}
	var errs []error
	for _, id := range af.ids {
		errs = append(errs, r.links.Heal(id))
	}
	if af.healing != nil {
		errs = append(errs, af.healing())
	}
	r.mu.Lock()
	r.windows = append(r.windows, reports.FaultWindow{Name: af.name, Kind: af.kind, Target: af.target, Start: af.start.Seconds(), End: r.now().Seconds()})
	r.steps["heal:"+name] = r.now()
	r.mu.Unlock()
	return errors.Join(errs...)
}

// component kills, pauses, resumes or restarts one component.
func (r *Runner) component(ctx context.Context, verb string, c *scenarios.ComponentRef) error {
	hs, label, err := r.handles(c)
	if err != nil {
		return err
	}
	for _, h := range hs {
		var err error
		switch verb {
		case "kill":
			err = h.Kill()
		case "pause":
			err = h.Pause()
		case "resume":
			err = h.Resume()
		case "restart":
			err = h.Restart(ctx)
		}
		if err != nil {
			return fmt.Errorf("%s %s: %w", verb, label, err)
		}
	}
	r.event(verb, label)
	// A kill or pause is a fault window until the matching restart or resume.
	r.mu.Lock()
	defer r.mu.Unlock()
	key := "component:" + label
	switch verb {
	case "kill", "pause":
		r.faults[key] = &activeFault{name: verb + " " + label, kind: verb, target: label, start: r.now()}
	case "resume", "restart":
		if af := r.faults[key]; af != nil {
			delete(r.faults, key)
			r.windows = append(r.windows, reports.FaultWindow{Name: af.name, Kind: af.kind, Target: af.target, Start: af.start.Seconds(), End: r.now().Seconds()})
		}
	}
	return nil
}

func (r *Runner) handles(c *scenarios.ComponentRef) ([]backend.Handle, string, error) {
	if c.Component == scenarios.ComponentGlobal {
		return []backend.Handle{r.global.Handle}, "global", nil
	}
	z := r.zones[c.Zone]
	if z == nil {
		return nil, "", fmt.Errorf("unknown zone %q", c.Zone)
	}
	switch c.Component {
	case scenarios.ComponentCP:
		return []backend.Handle{z.info.Handle}, c.Zone + "/cp", nil
	case scenarios.ComponentIngress:
		n := 0
		if c.Instance != nil {
			n = *c.Instance
		}
		if n >= len(z.ingresses) {
			return nil, "", fmt.Errorf("zone %s has no ingress %d", c.Zone, n)
		}
		return []backend.Handle{z.ingresses[n]}, fmt.Sprintf("%s/ingress-%d", c.Zone, n), nil
	case scenarios.ComponentService:
		var hs []backend.Handle
		for _, in := range z.plan.Instances {
			i := z.instances[in.Name]
			if i == nil || in.Service != c.Service {
				continue
			}
			if c.Instance != nil && in.Replica != *c.Instance {
				continue
			}
			hs = append(hs, i.info.Handle)
		}
		if len(hs) == 0 {
			return nil, "", fmt.Errorf("zone %s has no instance of %s", c.Zone, c.Service)
		}
		label := fmt.Sprintf("%s/%s", c.Zone, c.Service)
		if c.Instance != nil {
			label += fmt.Sprintf("-%d", *c.Instance)
		}
		return hs, label, nil
	}
	return nil, "", fmt.Errorf("unknown component %q", c.Component)
}
