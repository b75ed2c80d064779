package sim

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Config is one simulation: topology by counts, workload, WAN, cost model, timers and faults.
type Config struct {
	Name     string
	Seed     uint64
	Duration time.Duration // simulated time

	Zones          int
	ProxiesPerZone Dist // drawn once per zone, rounded, at least 1
	Services       int
	Policies       int // pre-existing policies; with Services they are the resources a proxy's config is built from
	// WritesAddPolicies: every write creates a policy, so configs built after version v have
	// v more resources; otherwise writes change policies in place.
	WritesAddPolicies bool

	ChurnRate    float64 // policy writes per second
	ChurnPoisson bool    // exponential inter-arrival times; otherwise evenly spaced
	// Writes are scripted policy writes at these times, on top of the churn (a scenario's
	// timeline apply/delete steps).
	Writes []time.Duration

	WAN   WAN
	Costs Costs
	// Timers come from configuration, never from calibration.
	Timers Timers

	Faults []Fault

	// SamplesPerCycle is how many proxies of a push cycle are drawn individually (strata of
	// equal size, the last proxy always included); each stands for its stratum. A zone with no
	// more proxies than this is simulated proxy by proxy.
	SamplesPerCycle int
	// KeepSamples keeps up to this many raw end-to-end delays (seconds) in Results.Raw, for
	// validation against measurements. They are not part of the JSON.
	KeepSamples int
}

// WAN is every zone↔global link.
type WAN struct {
	Latency    Dist          // one-way, seconds
	Loss       float64       // probability a message is lost; each loss costs one Retransmit
	Retransmit time.Duration // time until a lost message is sent again
}

// Costs are the service times of every stage, in seconds (see Cost).
type Costs struct {
	GlobalIntake      Cost // global validates and stores one write
	ZoneSend          Cost // global encodes and sends one write to one zone
	GlobalSendWorkers int
	ZoneStore         Cost // a zone receives and stores a message; units = versions in it
	ProxyRegen        Cost // a zone regenerates one proxy's config; units = resources
	ProxyPush         Cost // a zone pushes one proxy's config; units = resources
	ProxyApply        Cost // a proxy applies a config and ACKs (zone-local network included); units = resources
	Resync            Cost // global prepares a resync for a reconnecting zone; units = missing versions
	ZoneWorkers       int
	// RegenPerProxy is added to every proxy's regenerate per proxy of its zone, in seconds: a
	// config lists the zone's endpoints, so a pass over N proxies grows as N². Zero (the
	// default) leaves the regenerate independent of the zone's size.
	RegenPerProxy float64
	// CyclePrep is a zone's work once per push cycle, before any proxy's (the real server
	// gathers every resource into one set of generation inputs); units = resources. It is
	// the pool's work, spread over its workers as a pass's time × workers is measured, and
	// slows with the cycle. Kind "" (the default) is none: a pass's cost is then all per
	// proxy, which reads a fixed cost amortized over few proxies as a dearer proxy.
	CyclePrep Cost
	// CycleFactor is a push cycle's slowdown, drawn once per cycle (and once per reconnect
	// storm): every regenerate, push and apply time of the cycle is multiplied by it. A zone CP
	// slows whole passes at once (GC, one pass regenerating many proxies, CPU contention), so
	// the proxies of one cycle are slow together; drawn per proxy alone, that slowness
	// averages out and the predicted tail is too thin. Its mean is ≈ 1 when the costs are wall
	// times, the machine's stretch of CPU time when they are CPU times. Kind "" (the
	// default) is no factor, and draws nothing.
	CycleFactor Dist
}

// MaxCycleFactor caps one drawn cycle factor: a heavy-tailed fit must not stall a zone for
// simulated hours.
const MaxCycleFactor = 100

// Backoff is a jittered exponential retry schedule: attempt k waits
// min(Max, Base·2^k)·(1 - Jitter + 2·Jitter·u), u uniform in [0,1).
type Backoff struct {
	Base   time.Duration
	Max    time.Duration
	Jitter float64
}

// Timers are configured, not measured.
type Timers struct {
	ZoneReconnect  Backoff       // a zone CP redialling global
	ProxyReconnect Backoff       // a proxy redialling its zone CP
	Keepalive      time.Duration // a silent stream is declared dead after this
	Debounce       time.Duration // a zone waits this long after a change before a push cycle
}

// FaultKind names a fault.
type FaultKind string

// Fault kinds.
const (
	Partition      FaultKind = "partition"
	Crash          FaultKind = "crash"
	GlobalFailover FaultKind = "globalFailover"
)

// Fault is one fault event. Zones is the set hit (zone indexes); if empty, Share of the zones
// is chosen with the run's RNG.
type Fault struct {
	At       time.Duration
	Kind     FaultKind
	Share    float64
	Zones    []int
	Duration time.Duration // how long it lasts: partition length, CP or global downtime
	// OneWay partitions block only one direction; ToGlobal picks zone→global (otherwise
	// global→zone). A two-way partition blocks both.
	OneWay   bool
	ToGlobal bool
}

// Defaults returns a Config whose costs are the reference mesh's order of magnitude; a
// calibration file replaces them.
func Defaults() Config {
	return Config{
		Name: "sim", Seed: 1, Duration: time.Minute,
		Zones: 10, ProxiesPerZone: Fixed(100), Services: 20, Policies: 50,
		ChurnRate: 1, ChurnPoisson: true,
		WAN: WAN{Latency: LogNormalMean(0.040, 0.5), Retransmit: 200 * time.Millisecond},
		Costs: Costs{
			GlobalIntake:      Cost{Base: LogNormalMean(0.002, 0.5)},
			ZoneSend:          Cost{Base: LogNormalMean(0.00005, 0.3)},
			GlobalSendWorkers: 4,
			ZoneStore:         Cost{Base: LogNormalMean(0.001, 0.5), PerUnit: 0.00002},
			ProxyRegen:        Cost{Base: LogNormalMean(0.0002, 0.4), PerUnit: 0.000001},
			ProxyPush:         Cost{Base: LogNormalMean(0.0001, 0.4), PerUnit: 0.0000005},
			ProxyApply:        Cost{Base: LogNormalMean(0.005, 0.6), PerUnit: 0.00001},
			Resync:            Cost{Base: LogNormalMean(0.005, 0.5), PerUnit: 0.00002},
			ZoneWorkers:       4,
		},
		Timers: Timers{
			ZoneReconnect:  Backoff{Base: time.Second, Max: 30 * time.Second, Jitter: 0.5},
			ProxyReconnect: Backoff{Base: 500 * time.Millisecond, Max: 30 * time.Second, Jitter: 0.5},
			Keepalive:      10 * time.Second,
		},
		SamplesPerCycle: 16,
	}
}

// Bounds on a run's size, so a bad file cannot exhaust memory: per-zone state and histograms
// cost ~100 KB a zone, the per-second timeline a few bytes per zone and second.
const (
	MaxZones           = 10000
	MaxDuration        = 24 * time.Hour
	MaxProxiesPerZone  = 10_000_000 // draws above are capped
	MaxSamplesPerCycle = 100_000
	MaxWrites          = 10_000_000 // churn rate × duration + scripted writes
)

// Validate reports every bad field by name.
func (c *Config) Validate() error {
	var errs []error
	add := func(field, msg string) { errs = append(errs, fmt.Errorf("%s: %s", field, msg)) }
	if c.Duration <= 0 || c.Duration > MaxDuration {
		add("duration", fmt.Sprintf("must be in (0, %s]", MaxDuration))
	}
	if c.Zones < 1 || c.Zones > MaxZones {
		add("zones", fmt.Sprintf("must be in [1, %d]", MaxZones))
	}
	if err := c.ProxiesPerZone.Validate("proxiesPerZone"); err != nil {
		errs = append(errs, err)
	}
	if c.Services < 0 || c.Policies < 0 {
		add("services/policies", "must be >= 0")
	}
	if c.ChurnRate < 0 {
		add("churn.rate", "must be >= 0")
	}
	if err := c.WAN.Latency.Validate("wan.latency"); err != nil {
		errs = append(errs, err)
	}
	if c.WAN.Loss < 0 || c.WAN.Loss >= 1 {
		add("wan.loss", "must be in [0, 1)")
	}
	if c.WAN.Loss > 0 && c.WAN.Retransmit <= 0 {
		add("wan.retransmit", "must be > 0 when loss > 0")
	}
	for _, nc := range []struct {
		name string
		cost Cost
	}{
		{"costs.globalIntake", c.Costs.GlobalIntake}, {"costs.zoneSend", c.Costs.ZoneSend},
		{"costs.zoneStore", c.Costs.ZoneStore}, {"costs.proxyRegen", c.Costs.ProxyRegen},
		{"costs.proxyPush", c.Costs.ProxyPush}, {"costs.proxyApply", c.Costs.ProxyApply},
		{"costs.resync", c.Costs.Resync},
	} {
		if err := nc.cost.Base.Validate(nc.name); err != nil {
			errs = append(errs, err)
		}
	}
	if c.Costs.CycleFactor.Kind != "" {
		if err := c.Costs.CycleFactor.Validate("costs.cycleFactor"); err != nil {
			errs = append(errs, err)
		}
	}
	if !(c.Costs.RegenPerProxy >= 0) || math.IsInf(c.Costs.RegenPerProxy, 0) {
		add("costs.regenPerProxy", "must be a finite number >= 0")
	}
	if c.Costs.CyclePrep.Base.Kind != "" {
		if err := c.Costs.CyclePrep.Base.Validate("costs.cyclePrep"); err != nil {
			errs = append(errs, err)
		}
	}
	if c.Costs.GlobalSendWorkers < 1 || c.Costs.ZoneWorkers < 1 {
		add("costs.workers", "globalSendWorkers and zoneWorkers must be >= 1")
	}
	for i, b := range []Backoff{c.Timers.ZoneReconnect, c.Timers.ProxyReconnect} {
		if b.Base <= 0 || b.Max < b.Base || b.Jitter < 0 || b.Jitter > 1 {
			add([]string{"timers.zoneReconnect", "timers.proxyReconnect"}[i], "needs 0 < base <= max and jitter in [0, 1]")
		}
	}
	if c.Timers.Keepalive <= 0 {
		add("timers.keepalive", "must be > 0")
	}
	if c.SamplesPerCycle < 1 || c.SamplesPerCycle > MaxSamplesPerCycle {
		add("samplesPerCycle", fmt.Sprintf("must be in [1, %d]", MaxSamplesPerCycle))
	}
	if c.WAN.Retransmit < 0 {
		add("wan.retransmit", "must be >= 0")
	}
	if c.Timers.Debounce < 0 {
		add("timers.debounce", "must be >= 0")
	}
	if math.IsNaN(c.ChurnRate) || c.ChurnRate*c.Duration.Seconds()+float64(len(c.Writes)) > MaxWrites {
		add("churn.rate", fmt.Sprintf("with the duration, must make at most %d writes", MaxWrites))
	}
	if c.KeepSamples < 0 || c.KeepSamples > 1<<26 {
		add("keepSamples", "must be in [0, 2^26]")
	}
	for i, at := range c.Writes {
		if at < 0 || at > c.Duration {
			add(fmt.Sprintf("writes[%d]", i), "must be within the run")
		}
	}
	for i, f := range c.Faults {
		field := fmt.Sprintf("faults[%d]", i)
		switch f.Kind {
		case Partition, Crash, GlobalFailover:
		default:
			add(field+".kind", fmt.Sprintf("unknown fault %q", f.Kind))
		}
		if f.At < 0 || f.At > c.Duration {
			add(field+".at", "must be within the run")
		}
		if f.Duration <= 0 {
			add(field+".duration", "must be > 0")
		}
		if f.Kind != GlobalFailover && len(f.Zones) == 0 && (f.Share <= 0 || f.Share > 1) {
			add(field+".share", "must be in (0, 1] when no zones are listed")
		}
		for _, z := range f.Zones {
			if z < 0 || z >= c.Zones {
				add(field+".zones", fmt.Sprintf("zone index %d out of range", z))
			}
		}
	}
	return errors.Join(errs...)
}
