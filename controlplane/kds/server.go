package kds

import (
	"context"
	"fmt"
	"github.com/zonemesh/zonemesh/internal/defect"
	"log/slog"
	"sync"
	"time"

	discovery "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	cachev3 "github.com/envoyproxy/go-control-plane/pkg/cache/v3"
	serverv3 "github.com/envoyproxy/go-control-plane/pkg/server/v3"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
)

// ZoneAuthenticator decides whether a zone may connect with a token.
type ZoneAuthenticator interface {
	Authenticate(ctx context.Context, zone, token string) error
}

// Keepalive sets how fast a hung connection is found: after Time without activity a ping is
// sent, and the connection is dropped when nothing answers within Timeout. gRPC floors the
// server's Time at 1s and a client's at 10s; the zone client therefore also sends a heartbeat
// on its upload stream every Time and drops the connection when global has not answered
// for Time+Timeout.
type Keepalive struct {
	Time, Timeout time.Duration
}

// DefaultKeepalive is used when none is given.
var DefaultKeepalive = Keepalive{Time: 10 * time.Second, Timeout: 5 * time.Second}

func (k Keepalive) orDefault() Keepalive {
	if k.Time <= 0 {
		k.Time = DefaultKeepalive.Time
	}
	if k.Timeout <= 0 {
		k.Timeout = DefaultKeepalive.Timeout
	}
	return k
}

// ServerOptions configures a GlobalServer. Every field is optional.
type ServerOptions struct {
	Keepalive  Keepalive
	Registerer prometheus.Registerer
	Logger     *slog.Logger
	Clock      func() time.Time
	// OnStatus is called (from KDS goroutines, never under a lock) when a zone goes online or
	// offline, and when a zone is refused.
	OnStatus func(ZoneStatus)
}

// GlobalServer is global's side of KDS. Serve it on a gRPC server of its own, created with
// ServerOptions(), then Register.
type GlobalServer struct {
	store store.Store
	auth  ZoneAuthenticator
	opts  ServerOptions
	log   *slog.Logger
	met   *serverMetrics

	ctx    context.Context
	cancel context.CancelFunc
	xds    serverv3.Server
	caches map[string]*cachev3.LinearCache // type URL → cache, every down kind but ZoneIngress
	ingr   *ingressCache

	mu      sync.Mutex
	tracker Tracker
	down    map[int64]*downStream // delta stream id → state
	// staleSent is the seeded defect resync-stale's memory: per zone, what its last stream was
	// sent (nil unless the defect is seeded).
	staleSent map[string]map[string]map[string]bool
	// burstStart and burstCount are the seeded defect burst-truncated's window (pump only).
	burstStart time.Time
	burstCount int

	pendMu  sync.Mutex
	pending Batch
	wake    chan struct{}

	unsubscribe func()
	done        chan struct{}
	closeOnce   sync.Once
}

// NewGlobalServer builds the caches from st and keeps them in step with it until Close.
func NewGlobalServer(st store.Store, auth ZoneAuthenticator, opts ServerOptions) *GlobalServer {
	opts.Keepalive = opts.Keepalive.orDefault()
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	g := &GlobalServer{
		store: st, auth: auth, opts: opts, log: opts.Logger.With("component", "kds-global"),
		caches: map[string]*cachev3.LinearCache{},
		ingr:   newIngressCache(TypeURL(resource.KindZoneIngress)),
		down:   map[int64]*downStream{}, wake: make(chan struct{}, 1), done: make(chan struct{}),
	}
	met, err := newServerMetrics(opts.Registerer)
	if err != nil {
		g.log.Error("register metrics", "err", err)
	}
	g.met = met
	mux := &cachev3.MuxCache{
		Classify:      func(r *cachev3.Request) string { return r.GetTypeUrl() },
		ClassifyDelta: func(r *cachev3.DeltaRequest) string { return r.GetTypeUrl() },
		Caches:        map[string]cachev3.Cache{},
	}
	for _, k := range DownKinds() {
		t := TypeURL(k)
		if k == resource.KindZoneIngress {
			mux.Caches[t] = g.ingr
			continue
		}
		lc := cachev3.NewLinearCache(t, cachev3.WithLogger(nopLog{}))
		g.caches[t], mux.Caches[t] = lc, lc
	}
	g.ctx, g.cancel = context.WithCancel(context.Background())
	g.xds = serverv3.NewServer(g.ctx, mux, g.callbacks())

	// Subscribe before listing so that no write falls between the two; an event for a write
	// the list already holds is applied again, which the caches treat as no change.
	g.unsubscribe = st.Subscribe(g.onEvent)
	if err := g.load(); err != nil {
		g.log.Error("initial load", "err", err)
	}
	go g.pump()
	return g
}

// load fills the caches with every down resource in the store.
func (g *GlobalServer) load() error {
	for _, k := range DownKinds() {
		rs, err := g.store.List(g.ctx, k, "")
		if err != nil {
			return fmt.Errorf("kds: list %s: %w", k, err)
		}
		evs := make([]store.Event, len(rs))
		for i, r := range rs {
			evs[i] = store.Event{Type: store.Put, Resource: r}
		}
		g.apply(evs)
	}
	return nil
}

func (g *GlobalServer) onEvent(ev store.Event) {
	if !IsDown(ev.Resource.Kind) {
		return
	}
	g.pendMu.Lock()
	g.pending.Add(ev)
	g.pendMu.Unlock()
	select {
	case g.wake <- struct{}{}:
	default:
	}
}

// pump applies pending store events to the caches. Events that arrive while a batch is being
// applied are coalesced into the next one, so a burst costs a few cache updates, not one
// fan-out per write.
func (g *GlobalServer) pump() {
	defer close(g.done)
	for {
		select {
		case <-g.ctx.Done():
			return
		case <-g.wake:
		}
		g.pendMu.Lock()
		evs := g.pending.Drain()
		g.pendMu.Unlock()
		// Seeded defect for the conformance mutation run only (constant false in production builds).
		if defect.Active(defect.PropagationDelayed) {
			select {
			case <-time.After(20 * time.Second):
			case <-g.ctx.Done():
				return
			}
		}
		// Seeded defect (burst-truncated) for the mutation run only; constant false in production builds.
		if defect.Active(defect.BurstTruncated) {
			evs = g.truncateBurst(evs)
		}
		g.apply(evs)
	}
}

// truncateBurst is the seeded defect burst-truncated: at most 100 changes a second pass,
// the rest are dropped. A cap per second rather than per batch: how a burst splits into
// batches depends on timing, the defect must not.
func (g *GlobalServer) truncateBurst(evs []store.Event) []store.Event {
	now := time.Now()
	if now.Sub(g.burstStart) > time.Second {
		g.burstStart, g.burstCount = now, 0
	}
	keep := min(len(evs), max(0, 100-g.burstCount))
	g.burstCount += keep
	return evs[:keep]
}

// apply turns events into one UpdateResources call per type.
func (g *GlobalServer) apply(evs []store.Event) {
	type change struct {
		up  map[string]types.Resource
		del []string
	}
	byType := map[string]*change{}
	ingPuts, ingDels := map[string]ingressEntry{}, []string(nil)
	for _, ev := range evs {
		r := ev.Resource
		name, t := CacheName(r.Key()), TypeURL(r.Kind)
		var enc types.Resource
		if ev.Type == store.Put {
			e, err := Encode(r)
			if err != nil {
				g.log.Error("encode", "key", r.Key().String(), "err", err)
				continue
			}
			enc = e
		}
		if r.Kind == resource.KindZoneIngress {
			if enc != nil {
				ingPuts[name] = ingressEntry{origin: r.Origin, res: enc}
			} else {
				ingDels = append(ingDels, name)
			}
			continue
		}
		c := byType[t]
		if c == nil {
			c = &change{up: map[string]types.Resource{}}
			byType[t] = c
		}
		if enc != nil {
			c.up[name] = enc
		} else {
			c.del = append(c.del, name)
		}
	}
	for t, c := range byType {
		lc := g.caches[t]
		if err := lc.UpdateResources(c.up, c.del); err != nil {
			g.log.Error("update cache", "type", t, "err", err)
		}
		g.met.resources.WithLabelValues(t).Set(float64(lc.NumResources()))
	}
	if len(ingPuts) > 0 || len(ingDels) > 0 {
		if err := g.ingr.apply(ingPuts, ingDels); err != nil {
			g.log.Error("update ingress caches", "err", err)
		}
		g.met.resources.WithLabelValues(TypeURL(resource.KindZoneIngress)).Set(float64(g.ingr.size()))
	}
}

// Register serves KDS (delta ADS for global → zone, the upload stream for zone → global) on
// gs. gs must be KDS's own server: it also carries the AggregatedDiscoveryService name.
func (g *GlobalServer) Register(gs *grpc.Server) {
	discovery.RegisterAggregatedDiscoveryServiceServer(gs, g.xds)
	gs.RegisterService(&uploadServiceDesc, g)
}

// Statuses returns every zone's status, by zone name.
func (g *GlobalServer) Statuses() []ZoneStatus {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.tracker.All()
}

// Status returns one zone's status.
func (g *GlobalServer) Status(zone string) (ZoneStatus, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.tracker.Get(zone)
}

// Close stops following the store and ends open KDS streams. It waits for its goroutines;
// the caller still stops the grpc.Server.
func (g *GlobalServer) Close() {
	g.closeOnce.Do(func() {
		g.unsubscribe()
		g.cancel()
		<-g.done
	})
}
