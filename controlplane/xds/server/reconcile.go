package server

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
)

// reconciler keeps a copy of the zone store and regenerates proxies when it changes. Store
// events are queued by the subscriber and handled in batches by run, so a burst of writes costs
// one regeneration per affected proxy, not one per write.
type reconciler struct {
	s *Server

	mu        sync.Mutex
	queue     []store.Event
	pokes     map[string]bool
	available []resource.AvailableService // behind this zone's ingresses
	wake      chan struct{}
	handled   uint64        // store revision whose changes are generated and set
	progress  chan struct{} // closed and replaced whenever handled moves

	unsubscribe func()

	// Owned by run.
	state map[resource.Key]*resource.Resource
	rev   uint64
}

func newReconciler(s *Server) *reconciler {
	return &reconciler{s: s, pokes: map[string]bool{}, wake: make(chan struct{}, 1), progress: make(chan struct{}),
		state: map[resource.Key]*resource.Resource{}}
}

// start subscribes, then lists: events that race with the listing are applied after it, in
// commit order, so the copy ends up equal to the store.
func (r *reconciler) start() error {
	r.unsubscribe = r.s.cfg.Store.Subscribe(r.enqueue)
	ctx := context.Background()
	rev := r.s.cfg.Store.Revision()
	for _, k := range resource.Kinds() {
		rs, err := r.s.cfg.Store.List(ctx, k, "")
		if err != nil {
			r.unsubscribe()
			return fmt.Errorf("xds server: list %s: %w", k, err)
		}
		for _, x := range rs {
			r.state[x.Key()] = x
		}
	}
	r.rev = rev
	r.available = r.computeAvailable()
	for _, x := range r.state {
		if x.Kind == resource.KindMeshCA {
			r.installCA(x.Mesh)
		}
	}
	r.signal()
	return nil
}

func (r *reconciler) stop() {
	if r.unsubscribe != nil {
		r.unsubscribe()
	}
}

func (r *reconciler) enqueue(ev store.Event) {
	r.mu.Lock()
	r.queue = append(r.queue, ev)
	r.mu.Unlock()
	r.signal()
}

// poke asks for proxy id to be generated even when no store change concerns it (a proxy that
// reconnected with an unchanged resource fires no store event).
func (r *reconciler) poke(id string) {
	r.mu.Lock()
	r.pokes[id] = true
	r.mu.Unlock()
	r.signal()
}

func (r *reconciler) signal() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *reconciler) availableFor(string) []resource.AvailableService {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]resource.AvailableService(nil), r.available...)
}

func (r *reconciler) run(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.wake:
		case <-timer.C:
		}
		events, pokes := r.take(nil, nil)
		if r.s.cfg.Settle > 0 && (len(events) > 0 || len(pokes) > 0) && r.registrationsOnly(events) {
			var ok bool
			if events, pokes, ok = r.settle(ctx, events, pokes); !ok {
				return
			}
		}

		a := newAffected()
		for _, ev := range events {
			r.apply(ev, a)
		}
		for id := range pokes {
			a.ids[id] = true
		}
		// Certificates due for rotation are checked on every pass, not only when the timer
		// fires: the clock may have moved further than the timer knows.
		due, _ := r.s.certs.Due()
		for m := range due {
			a.meshes[m] = true
		}
		if !a.empty() {
			r.regenerate(ctx, a)
		}
		if a.available {
			r.updateAvailable(ctx)
		}
		timer.Stop()
		if _, next := r.s.certs.Due(); !next.IsZero() {
			timer.Reset(max(next.Sub(r.s.now()), time.Millisecond))
		}
		r.mu.Lock()
		if r.rev != r.handled || len(events) > 0 {
			r.handled = r.rev
			close(r.progress)
			r.progress = make(chan struct{})
		}
		r.mu.Unlock()
	}
}

// DefaultSettle is Config.Settle's default: short against the propagation budgets (a
// registration is not a policy), long against the gaps between reconnecting proxies.
const DefaultSettle = 25 * time.Millisecond

// take appends what is queued to events and pokes and empties the queue.
func (r *reconciler) take(events []store.Event, pokes map[string]bool) ([]store.Event, map[string]bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	events = append(events, r.queue...)
	if pokes == nil {
		pokes = r.pokes
	} else {
		for id := range r.pokes {
			pokes[id] = true
		}
	}
	r.queue, r.pokes = nil, map[string]bool{}
	return events, pokes
}

// settle gathers registrations until none came for Settle, up to 8×Settle in all, or until
// a change that is not a registration arrives. It returns false when ctx ends.
func (r *reconciler) settle(ctx context.Context, events []store.Event, pokes map[string]bool) ([]store.Event, map[string]bool, bool) {
	quiet := time.NewTimer(r.s.cfg.Settle)
	defer quiet.Stop()
	limit := time.NewTimer(8 * r.s.cfg.Settle)
	defer limit.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil, nil, false
		case <-quiet.C:
			return events, pokes, true
		case <-limit.C:
			return events, pokes, true
		case <-r.wake:
			n := len(events)
			events, pokes = r.take(events, pokes)
			if !r.registrationsOnly(events[n:]) {
				return events, pokes, true
			}
			quiet.Reset(r.s.cfg.Settle)
		}
	}
}

// registrationsOnly reports whether events are all this zone's proxies registering or leaving
// (pokes are reconnects: registrations too).
func (r *reconciler) registrationsOnly(events []store.Event) bool {
	for _, ev := range events {
		if ev.Resource.Kind != resource.KindDataplane || !r.local(ev.Resource) {
			return false
		}
	}
	return true
}

// WaitRevision returns once every store change up to rev has been turned into snapshots (the
// proxies may still be receiving them), or when ctx ends.
func (s *Server) WaitRevision(ctx context.Context, rev uint64) error {
	r := s.rec
	for {
		r.mu.Lock()
		done, ch := r.handled >= rev, r.progress
		r.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

// affected is the set of proxies a batch of changes concerns.
type affected struct {
	meshes    map[string]bool            // every proxy of the mesh
	services  map[string]map[string]bool // mesh → inbound service ("*": any)
	ids       map[string]bool
	ingresses bool // every local zone ingress
	available bool // recompute what is behind the local ingresses
}

func newAffected() *affected {
	return &affected{meshes: map[string]bool{}, services: map[string]map[string]bool{}, ids: map[string]bool{}}
}

func (a *affected) empty() bool {
	return len(a.meshes) == 0 && len(a.services) == 0 && len(a.ids) == 0 && !a.ingresses
}

func (a *affected) service(mesh, svc string) {
	m := a.services[mesh]
	if m == nil {
		m = map[string]bool{}
		a.services[mesh] = m
	}
	m[svc] = true
}

func (a *affected) has(p *proxy) bool {
	r := p.res
	if a.ids[p.id] {
		return true
	}
	if r.Kind == resource.KindZoneIngress {
		return a.ingresses
	}
	if a.meshes[r.Mesh] {
		return true
	}
	if svcs := a.services[r.Mesh]; svcs != nil {
		if svcs[resource.MatchAll] {
			return true
		}
		for _, s := range p.services {
			if svcs[s] {
				return true
			}
		}
	}
	return false
}
