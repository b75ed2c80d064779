package server

import (
	"context"
	"errors"
	"reflect"
	"sort"
	"strconv"
	"sync"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
	"github.com/zonemesh/zonemesh/controlplane/xds"
)

type job struct {
	p   *proxy
	res *resource.Resource
}

// regenerate builds the config of every connected proxy in a, and sets a new snapshot for
// those whose config changed.
func (r *reconciler) regenerate(ctx context.Context, a *affected) {
	start := r.s.now()
	r.s.mu.Lock()
	var jobs []job
	for _, p := range r.s.proxies {
		if p.streams > 0 && a.has(p) {
			res := r.state[p.res.Key()]
			if res == nil {
				res = p.res // registered, but its store event is not handled yet
			}
			jobs = append(jobs, job{p: p, res: res})
		}
	}
	r.s.mu.Unlock()
	if len(jobs) == 0 {
		return
	}
	all := make([]*resource.Resource, 0, len(r.state))
	for _, x := range r.state {
		all = append(all, x)
	}
	in := xds.NewInputs(r.s.cfg.Zone, all, r.s.certs, xds.WithVIPCIDR(r.s.cfg.VIPCIDR))
	rev := r.rev

	var wg sync.WaitGroup
	ch := make(chan job)
	for w := 0; w < r.s.cfg.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range ch {
				r.generateOne(ctx, in, rev, j)
			}
		}()
	}
	for _, j := range jobs {
		ch <- j
	}
	close(ch)
	wg.Wait()
	r.s.metrics.genLatency.Observe(r.s.now().Sub(start).Seconds())
}

// maxPending bounds the configs remembered per proxy while it has not ACKed them.
const maxPending = 8

func (r *reconciler) generateOne(ctx context.Context, in *xds.Inputs, rev uint64, j job) {
	out, err := xds.Generate(in, j.res)
	r.s.metrics.generations.Inc()
	if err != nil {
		r.s.metrics.genErrors.Inc()
		r.s.logf("xds: generate %s: %v", j.p.id, err)
		return
	}
	h := out.Hash()
	r.s.mu.Lock()
	same := j.p.hash == h && j.p.version != ""
	r.s.mu.Unlock()
	if same {
		return
	}
	if err := xds.Validate(out); err != nil {
		r.s.metrics.genErrors.Inc()
		r.s.logf("xds: generated config of %s is invalid: %v", j.p.id, err)
		return
	}
	r.s.mu.Lock()
	version := r.s.epoch + "." + strconv.FormatUint(rev, 10)
	if j.p.rev == rev && j.p.version != "" {
		j.p.seq++
		version += "." + strconv.Itoa(j.p.seq)
	} else {
		j.p.rev, j.p.seq = rev, 0
	}
	j.p.hash, j.p.version, j.p.generated = h, version, r.s.now()
	j.p.pending = append(j.p.pending, sentPolicies{version: version, policies: out.Policies()})
	if len(j.p.pending) > maxPending {
		j.p.pending = j.p.pending[len(j.p.pending)-maxPending:]
	}
	r.s.mu.Unlock()
	snap, err := out.Snapshot(version)
	if err != nil {
		r.s.logf("xds: snapshot of %s: %v", j.p.id, err)
		return
	}
	if err := r.s.cache.SetSnapshot(ctx, j.p.id, snap); err != nil {
		r.s.logf("xds: set snapshot of %s: %v", j.p.id, err)
		return
	}
	r.s.metrics.pushes.Inc()
	r.s.mu.Lock()
	gone := r.s.proxies[j.p.id] != j.p
	r.s.mu.Unlock()
	if gone {
		// The proxy left while this config was being built: do not keep a snapshot for it.
		r.s.cache.ClearSnapshot(j.p.id)
	}
}

// computeAvailable lists the services (with version) that have ready instances in this zone,
// with their counts, per mesh: what the zone's ingresses advertise to other zones.
func (r *reconciler) computeAvailable() []resource.AvailableService {
	type key struct{ mesh, svc, version string }
	counts := map[key]int{}
	for k, x := range r.state {
		if k.Kind != resource.KindDataplane || !r.local(x) {
			continue
		}
		for _, ib := range x.Spec.(*resource.DataplaneSpec).Networking.Inbound {
			kk := key{x.Mesh, ib.Service(), ib.Version()}
			if _, ok := counts[kk]; !ok {
				counts[kk] = 0
			}
			if ib.IsReady() {
				counts[kk]++
			}
		}
	}
	out := make([]resource.AvailableService, 0, len(counts))
	for k, n := range counts {
		if n == 0 {
			continue
		}
		tags := map[string]string{resource.TagService: k.svc}
		if k.version != "" {
			tags[resource.TagVersion] = k.version
		}
		out = append(out, resource.AvailableService{Mesh: k.mesh, Tags: tags, Instances: n})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Mesh != b.Mesh {
			return a.Mesh < b.Mesh
		}
		if a.Tags[resource.TagService] != b.Tags[resource.TagService] {
			return a.Tags[resource.TagService] < b.Tags[resource.TagService]
		}
		return a.Tags[resource.TagVersion] < b.Tags[resource.TagVersion]
	})
	return out
}

// updateAvailable writes the computed list into every local ingress whose list differs. A
// conflict means the ingress changed meanwhile; its event brings us back here.
func (r *reconciler) updateAvailable(ctx context.Context) {
	avail := r.computeAvailable()
	r.mu.Lock()
	r.available = avail
	r.mu.Unlock()
	for k, x := range r.state {
		if k.Kind != resource.KindZoneIngress {
			continue
		}
		spec := x.Spec.(*resource.ZoneIngressSpec)
		if spec.Zone != r.s.cfg.Zone || !r.local(x) || sameAvailable(spec.AvailableServices, avail) {
			continue
		}
		c := x.Clone()
		c.Spec.(*resource.ZoneIngressSpec).AvailableServices = append([]resource.AvailableService(nil), avail...)
		if _, err := r.s.cfg.Store.Put(ctx, c, store.IfVersion(x.Version)); err != nil &&
			!errors.Is(err, store.ErrConflict) && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, context.Canceled) {
			r.s.logf("xds: update available services of %s: %v", k.Name, err)
		}
	}
}

func sameAvailable(a, b []resource.AvailableService) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return reflect.DeepEqual(a, b)
}
