package sim

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/zonemesh/zonemesh/sim/eventq"
)

// Event kinds.
const (
	evWrite      uint8 = iota + 1 // a policy write reaches global
	evAccept                      // global's intake finished a write
	evReceive                     // a KDS message reaches a zone; Arg = newest version in it, Epoch = stream generation
	evCycleStart                  // a zone's worker pool starts a push cycle; Epoch = zone incarnation
	evCycleEnd                    // a zone's worker pool is free again; Epoch = zone incarnation
	evFault                       // Arg = fault index
	evHeal                        // Arg = fault index: partition heals, CP restarts, global is back
	evStreamDead                  // keepalive expired on a partitioned stream; Epoch = stream generation
	evReconnect                   // a zone dials global; Arg = attempt number, Epoch = zone incarnation
	evSample                      // per-second metrics
)

var kindNames = [...]string{"", "write", "accept", "receive", "cycle-start", "cycle-end", "fault", "heal", "stream-dead", "reconnect", "sample"}

// zone is one zone CP and its proxies, kept small: the proxies are a count.
type zone struct {
	proxies    int32
	inc        uint32 // incarnation, bumped by a crash; stale pool events are dropped
	gen        uint32 // KDS stream generation, bumped when a stream dies; stale messages are dropped
	up         bool
	connected  bool
	blockTo    bool // global→zone blocked by a partition
	blockFrom  bool // zone→global blocked
	busy       bool // worker pool in a push cycle or a reconnect storm
	scheduled  bool // an evCycleStart is pending
	stored     int32
	pushed     int32
	heldUpTo   int32 // newest version held back by a partition on a live stream (TCP delivers it on heal)
	prevVer    int32 // appliedVer before the cycle in progress
	appliedVer int32 // every proxy has applied at least this version…
	appliedAt  int64 // …at this time
	storeFree  int64
	lastArr    int64   // in-order stream: no message overtakes the previous one
	pend       []int64 // store-done times of versions pushed+1 … stored
	cycStart   int64
	cycEnd     int64
	storm      *storm
	watch      []int32 // faults waiting for this zone to converge

	cyc       []cycSample // proxies of the cycle in progress, recorded when it ends
	cycFirst  int32       // first version it covers…
	cycStored []int64     // …and the store-done times of those versions
	owed      *owed       // versions a crashed cycle did not deliver to some proxies
}

// cycSample is one drawn proxy of a push cycle, standing for weight proxies.
type cycSample struct {
	done, applied int64 // pool finished it; it applied
	weight        uint32
}

// owed: n proxies lack versions first… (store-done times stored) after a crash mid-cycle.
type owed struct {
	first  int32
	stored []int64
	n      int
}

type world struct {
	cfg       *Config
	q         *eventq.Queue
	r         *rand.Rand   // the model: service times, latencies, loss, backoff jitter
	workload  *rand.Rand   // what happens: write times, which zones a fault hits
	trace     func(string) // nil unless a test traces the run
	end       int64
	resources float64

	intake, send, store, regen, push, apply, resync sampler
	wan                                             Prob
	cycleFactor                                     Prob     // nil: no cycle factor
	prep                                            *sampler // nil: no per-cycle work

	zones []zone

	gUp        bool
	intakeFree int64
	sendFree   int64
	acceptedAt []int64 // index v-1
	submitted  int
	deferred   int
	pending    int // writes in global's intake

	m metrics
}

func newWorld(cfg *Config) *world {
	src := rand.NewPCG(cfg.Seed, 0x5eed_0f_2019e5)
	w := &world{
		// Separate streams keep the workload identical when the model's draws change (e.g. more
		// proxies drawn per cycle), so two model variants can be compared on the same writes.
		cfg: cfg, q: eventq.New(1024), r: rand.New(src), end: int64(cfg.Duration),
		workload:  rand.New(rand.NewPCG(cfg.Seed, 0x3a11_0ad)),
		resources: float64(cfg.Services + cfg.Policies), gUp: true,
	}
	c := cfg.Costs
	w.intake, w.send, w.store = newSampler(c.GlobalIntake, src), newSampler(c.ZoneSend, src), newSampler(c.ZoneStore, src)
	w.regen, w.push, w.apply = newSampler(c.ProxyRegen, src), newSampler(c.ProxyPush, src), newSampler(c.ProxyApply, src)
	w.resync = newSampler(c.Resync, src)
	w.wan = cfg.WAN.Latency.Prob(src)
	if c.CycleFactor.Kind != "" {
		w.cycleFactor = c.CycleFactor.Prob(src)
	}
	if c.CyclePrep.Base.Kind != "" {
		s := newSampler(c.CyclePrep, src)
		w.prep = &s
	}
	per := cfg.ProxiesPerZone.Prob(src)
	w.zones = make([]zone, cfg.Zones)
	for i := range w.zones {
		n := int32(min(max(per.Rand()+0.5, 1), MaxProxiesPerZone))
		w.zones[i] = zone{proxies: n, up: true, connected: true}
	}
	w.m.init(w)
	return w
}

func (w *world) at(t int64, kind uint8, z int, epoch uint32, arg int32) {
	w.q.Push(eventq.Event{At: t, Kind: kind, Zone: int32(z), Epoch: epoch, Arg: arg})
}

func (w *world) tracef(format string, a ...any) {
	if w.trace != nil {
		w.trace(fmt.Sprintf("%9.3fs ", float64(w.q.Now())/1e9) + fmt.Sprintf(format, a...))
	}
}

// run drives the event loop until the simulated duration is over.
func (w *world) run(ctx context.Context) error {
	if w.cfg.ChurnRate > 0 {
		w.at(w.interArrival(), evWrite, -1, 0, 0)
	}
	for _, at := range w.cfg.Writes {
		w.at(int64(at), evWrite, -1, 0, 1)
	}
	for i, f := range w.cfg.Faults {
		w.at(int64(f.At), evFault, -1, 0, int32(i))
	}
	w.at(0, evSample, -1, 0, 0)
	if err := ctx.Err(); err != nil {
		return err
	}
	for {
		at, ok := w.q.PeekAt()
		if !ok || at > w.end {
			break
		}
		e, _ := w.q.Pop()
		w.m.events++
		if w.m.events&0xffff == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		w.dispatch(e)
	}
	return nil
}

func (w *world) dispatch(e eventq.Event) {
	z := int(e.Zone)
	switch e.Kind {
	case evWrite:
		w.onWrite(e.Arg == 1)
	case evAccept:
		w.onAccept()
	case evReceive:
		w.onReceive(z, e.Epoch, e.Arg)
	case evCycleStart:
		w.onCycleStart(z, e.Epoch)
	case evCycleEnd:
		w.onCycleEnd(z, e.Epoch)
	case evFault:
		w.onFault(int(e.Arg))
	case evHeal:
		w.onHeal(int(e.Arg))
	case evStreamDead:
		w.onStreamDead(z, e.Epoch)
	case evReconnect:
		w.onReconnect(z, e.Epoch, int(e.Arg))
	case evSample:
		w.m.sample(w)
		if next := w.q.Now() + 1e9; next <= w.end {
			w.at(next, evSample, -1, 0, 0)
		}
	}
}

// wanDelay is one message's one-way delay: latency plus a retransmit per loss.
func (w *world) wanDelay() int64 {
	v := w.wan.Rand()
	if !(v > 0) { // also NaN
		v = 0
	}
	d := secs(min(v, maxDraw))
	for w.cfg.WAN.Loss > 0 && w.r.Float64() < w.cfg.WAN.Loss {
		d += int64(w.cfg.WAN.Retransmit)
		w.m.losses++
	}
	return d
}

// drawCycleFactor draws one push cycle's slowdown; 1 (and no draw) without a CycleFactor.
func (w *world) drawCycleFactor() float64 {
	if w.cycleFactor == nil {
		return 1
	}
	f := w.cycleFactor.Rand()
	if !(f > 0) { // also NaN
		return 0
	}
	return min(f, MaxCycleFactor)
}

// unitsAt is the resources a config carrying versions up to v is built from.
func (w *world) unitsAt(v int32) float64 {
	if w.cfg.WritesAddPolicies {
		return w.resources + float64(v)
	}
	return w.resources
}

// regenPerProxy is what a zone of n proxies adds to each proxy's regenerate, in nanoseconds.
func (w *world) regenPerProxy(n int) int64 {
	return secs(min(w.cfg.Costs.RegenPerProxy*float64(n), maxDraw))
}

// scaled is d nanoseconds slowed by factor f.
func scaled(d int64, f float64) int64 {
	if f == 1 {
		return d
	}
	return int64(float64(d) * f)
}

// backoff is the wait before retry attempt k (0-based).
func (w *world) backoff(b Backoff, k int) int64 {
	d := float64(b.Max)
	if k < 40 {
		d = min(float64(b.Max), float64(b.Base)*float64(int64(1)<<k))
	}
	return int64(d * (1 - b.Jitter + 2*b.Jitter*w.r.Float64()))
}
