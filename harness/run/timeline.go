package run

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/zonemesh/zonemesh/controlplane/resource"
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
		rs, err := r.env.Client.Apply(ctx, b)
		if err != nil {
			return err
		}
		for _, res := range rs {
			// Global's own commit time: the zones may have the write before the HTTP answer
			// reaches the harness.
			r.recordWrite(observe.Write{Key: res.Key().String(), Version: res.Version, Acked: res.ModificationTime})
			label := string(res.Kind) + "/" + res.Name
			if st.Name != "" {
				label = st.Name + ": " + label
			}
			r.event("apply", label)
		}
		return nil
	case st.Delete != nil:
		k, err := resource.ParseKind(st.Delete.Kind)
		if err != nil {
			return err
		}
		mesh := st.Delete.Mesh
		if info, _ := resource.Info(k); info.Scoped && mesh == "" {
			mesh = r.env.Plan.Mesh
		}
		key := resource.Key{Kind: k, Mesh: mesh, Name: st.Delete.Name}
		sent := time.Now() // a delete returns no commit time: time it from the request
		if err := r.env.Client.Delete(ctx, key); err != nil {
			return err
		}
		r.recordWrite(observe.Write{Key: key.String(), Deleted: true, Acked: sent})
		r.event("delete", string(k)+"/"+key.Name)
		return nil
	case st.Fault != nil:
		return r.inject(st.Fault)
	case st.Heal != "":
		return r.heal(st.Heal)
	case st.Kill != nil:
		return r.component(ctx, scenarios.ActionKill, st.Kill)
	case st.Pause != nil:
		return r.component(ctx, scenarios.ActionPause, st.Pause)
	case st.Resume != nil:
		return r.component(ctx, scenarios.ActionResume, st.Resume)
	case st.Restart != nil:
		return r.component(ctx, scenarios.ActionRestart, st.Restart)
	case st.Scale != nil:
		if err := r.env.Scale(ctx, st.Scale); err != nil {
			return err
		}
		r.event("scale", fmt.Sprintf("%s/%s → %d", st.Scale.Zone, st.Scale.Service, st.Scale.Replicas))
		return nil
	case st.Wait != nil:
		return r.env.Wait(ctx, st.Wait)
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
	z := r.env.Zone(ls.From)
	if z == nil {
		return fmt.Errorf("load from unknown zone %q", ls.From)
	}
	caller := z.Caller()
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
	spec := load.Spec{Name: name, Target: caller.Info.OutboundURL + path, Host: ls.To + ".mesh", Headers: hdr,
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

func (r *Runner) inject(f *scenarios.Fault) error {
	in, err := r.env.Inject(f)
	if err != nil {
		return err
	}
	af := &activeFault{name: f.Name, kind: f.Type, target: in.Target, start: r.now(), injected: in}
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
	err := r.env.Heal(af.injected)
	r.closeWindow(af)
	r.mu.Lock()
	r.steps["heal:"+name] = r.now()
	r.mu.Unlock()
	return err
}

func (r *Runner) closeWindow(af *activeFault) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.windows = append(r.windows, reports.FaultWindow{Name: af.name, Kind: af.kind, Target: af.target, Start: af.start.Seconds(), End: r.now().Seconds()})
}

// component kills, pauses, resumes or restarts a component. A kill or pause is a fault window
// until the matching restart or resume.
func (r *Runner) component(ctx context.Context, verb string, c *scenarios.ComponentRef) error {
	label, err := r.env.Do(ctx, verb, c)
	if err != nil {
		return err
	}
	r.event(verb, label)
	key := "component:" + label
	r.mu.Lock()
	af := r.faults[key]
	switch verb {
	case scenarios.ActionKill, scenarios.ActionPause:
		r.faults[key] = &activeFault{name: verb + " " + label, kind: verb, target: label, start: r.now()}
		af = nil
	default:
		delete(r.faults, key)
	}
	r.mu.Unlock()
	if af != nil {
		r.closeWindow(af)
	}
	return nil
}
