package measure

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/zonemesh/zonemesh/harness/observe"
	"github.com/zonemesh/zonemesh/sim"
	"github.com/zonemesh/zonemesh/sim/calibrate"
)

// Samples maps measured runs onto the simulator's stages (see the package comment). Only the
// spaced writes are used: the burst's delays include queueing, which the simulator models
// itself. Stages that cannot be seen from outside are absent, so they keep their defaults.
func Samples(runs []*Run) (*calibrate.Samples, error) {
	if len(runs) == 0 {
		return nil, errors.New("measure: no runs to calibrate from")
	}
	var intake, store, regen, regenUnits, apply, passY []float64
	var applyCycle []int  // the pass (index into regen) each apply sample ends
	var work []float64    // the zone's CPU seconds per proxy generated, per pass
	var proxies []float64 // per pass: its proxies (also the pass-time curve's x)
	allCPU := true
	var sizes []string
	kinds := map[int]bool{}
	for _, r := range runs {
		kinds[r.Proxies] = true
	}
	for _, r := range runs {
		sizes = append(sizes, fmt.Sprintf("%d×%d", r.Zones, r.Proxies))
		intake = append(intake, r.IntakeSeconds...)
		spaced := map[string]int{} // key → index among the spaced writes
		for i, w := range r.Writes[:r.Spaced] {
			spaced[w.Key] = i
		}
		type zk struct{ zone, key string }
		delays := map[zk][]float64{}
		for _, s := range r.Samples {
			if _, ok := spaced[s.Key]; !ok {
				continue
			}
			switch s.Stage {
			case observe.StageGlobalZone:
				if s.Seconds > 0 {
					store = append(store, s.Seconds)
				}
			case observe.StageZoneProxy:
				delays[zk{s.Zone, s.Key}] = append(delays[zk{s.Zone, s.Key}], s.Seconds)
			}
		}
		for _, p := range r.Passes {
			perProxy := p.Seconds * ZoneWorkers / float64(p.Proxies)
			regen = append(regen, perProxy)
			work = append(work, p.CPUSeconds/float64(p.Proxies))
			proxies = append(proxies, float64(p.Proxies))
			allCPU = allCPU && p.CPUSeconds > 0
			// The policies existing once the write was made; the zone's dataplanes are the
			// pass's proxies, a term of their own.
			regenUnits = append(regenUnits, float64(spaced[p.Key]+1))
			passY = append(passY, p.Seconds)
			// The last proxy to apply had its config once the pass ended: what it took beyond
			// that is its apply and ACK (and the reconciler waking after the store commit).
			// Proxies in the middle of the pass cannot be attributed: the pass does not
			// generate them at an even pace.
			if d := delays[zk{p.Zone, p.Key}]; len(d) > 0 {
				if a := slices.Max(d) - p.Seconds; a > 0 {
					apply = append(apply, a)
					applyCycle = append(applyCycle, len(regen)-1)
				}
			}
		}
	}
	s := &calibrate.Samples{
		Source: fmt.Sprintf("reference mesh, process backend, zones×proxies %s, measured by sim/measure", strings.Join(sizes, ", ")),
		Stages: map[string]calibrate.StageSample{
			calibrate.GlobalIntake: {Seconds: intake},
			calibrate.ZoneStore:    {Seconds: store},
			// The apply slows with its pass (the same loaded machine runs the fake proxies).
			calibrate.ProxyApply: {Seconds: apply, Cycle: applyCycle},
		},
	}
	// One regen sample per pass: the pass-to-pass spread is the cycle factor. The slope per
	// policy shows within a run (each write adds one); what a pass costs per proxy of the zone
	// (its endpoints in every config) and its fixed work (the generation inputs from every
	// resource) only across proxy counts.
	rg := calibrate.StageSample{Seconds: regen, PerCycle: true, Units: regenUnits, UnitIs: "policies"}
	if len(kinds) > 1 {
		rg.Proxies = proxies
	}
	// The zone's CPU time per proxy is the work a pass does, which the machine's load moves far
	// less than the wall time: the cost line comes from it, and the load's stretch goes into
	// the cycle factor.
	// Runs stored before it was recorded fall back to the wall times.
	if allCPU && len(work) > 0 {
		rg.Work = work
	}
	s.Stages[calibrate.ProxyRegen] = rg
	if len(kinds) > 1 {
		s.Curves = map[string]calibrate.CurveSample{"passSecondsVsProxies": {X: proxies, Y: passY}}
	}
	return s, nil
}

// oneLineSamples is s as the model without zone terms has it, the baseline they are judged
// against: a pass's cost per proxy is a line in the resources (dataplanes and policies) its
// configs are built from. Nil when s has one proxy count (the two models are then one).
func oneLineSamples(s *calibrate.Samples) *calibrate.Samples {
	rg, ok := s.Stages[calibrate.ProxyRegen]
	if !ok || rg.Proxies == nil {
		return nil
	}
	res := make([]float64, len(rg.Units))
	for i, u := range rg.Units {
		res[i] = u + rg.Proxies[i]
	}
	rg.Units, rg.UnitIs, rg.Proxies = res, "resources", nil
	one := *s
	one.Stages = maps.Clone(s.Stages)
	one.Stages[calibrate.ProxyRegen] = rg
	return &one
}

// Calibrate fits the samples and completes the file with what the model needs from the
// mapping: the real server builds and pushes a proxy's config in one job, timed as
// proxyRegen, so proxyPush costs nothing on top of it.
func Calibrate(s *calibrate.Samples) (*calibrate.File, error) {
	f, err := calibrate.Calibrate(s)
	if err != nil {
		return nil, err
	}
	if _, ok := f.Stages[calibrate.ProxyRegen]; ok {
		f.Stages[calibrate.ProxyPush] = calibrate.Stage{Fit: calibrate.Fit{Dist: sim.Fixed(0)}}
	}
	return f, nil
}

// Keepalive is the harness's KDS offline detection (harness/mesh: 2 s interval + 2 s timeout).
const Keepalive = 4 * time.Second

// Config is the simulation of a measured run: its zones and proxies, its writes at the times
// global committed them, a loopback WAN (the harness's links add no latency), the zone's
// worker count and timers from configuration, and the costs of f. Every proxy is simulated
// individually.
func Config(r *Run, f *calibrate.File, seed uint64) (sim.Config, error) {
	if len(r.Writes) == 0 {
		return sim.Config{}, errors.New("measure: the run has no writes")
	}
	c := sim.Defaults()
	c.Name = fmt.Sprintf("measured-%dx%d", r.Zones, r.Proxies)
	c.Seed = seed
	c.Zones, c.ProxiesPerZone = r.Zones, sim.Fixed(float64(r.Proxies))
	// The simulator's cost units are the policies a config is built from (the zone's
	// dataplanes are its proxies): none before the run, one more with every write.
	c.Services, c.Policies, c.WritesAddPolicies = 0, 0, true
	c.ChurnRate = 0
	// The spaced writes were made closed-loop (each once every proxy had the previous one),
	// which the simulator cannot script: they go twice the longest measured gap apart, so
	// they do not overlap there either. The burst keeps its measured offsets.
	gap := time.Second
	for i := 1; i < r.Spaced && i < len(r.Writes); i++ {
		gap = max(gap, 2*r.Writes[i].Acked.Sub(r.Writes[i-1].Acked))
	}
	at := time.Second
	for i, w := range r.Writes {
		switch {
		case i == 0:
		case i < r.Spaced || i == r.Spaced:
			at += gap
		default:
			at += w.Acked.Sub(r.Writes[i-1].Acked)
		}
		c.Writes = append(c.Writes, at)
	}
	c.Duration = c.Writes[len(c.Writes)-1] + time.Minute
	c.WAN = sim.WAN{Latency: sim.Fixed(0)}
	c.Costs.ZoneWorkers = ZoneWorkers
	c.Timers.Keepalive = Keepalive
	c.Timers.Debounce = 0 // the zone regenerates as soon as its store changes
	c.SamplesPerCycle = min(max(c.SamplesPerCycle, r.Proxies), sim.MaxSamplesPerCycle)
	c.KeepSamples = 1 << 22
	if f != nil {
		if err := f.Apply(&c); err != nil {
			return sim.Config{}, err
		}
	}
	return c, c.Validate()
}

// EndToEnd returns the run's measured end-to-end delays in seconds.
func (r *Run) EndToEnd() []float64 {
	var out []float64
	for _, s := range r.Samples {
		if s.Stage == observe.StageEndToEnd {
			out = append(out, s.Seconds)
		}
	}
	return out
}

// Replicas is how many simulations of a measured run (seeds seed, seed+1, …) Predict pools.
// A run has a few dozen push cycles and, with a cycle factor, its tail is set by the slowest
// few: one simulation would be one draw of the tail, not the model's prediction of it.
const Replicas = 16

// Predict simulates the run Replicas times with f's costs and compares the pooled simulated
// end-to-end delays with the measured ones.
func Predict(r *Run, f *calibrate.File, seed uint64) (calibrate.Validation, error) {
	return predict(r, f, seed, false)
}

// predict is Predict; with oneLine the simulation's cost units count the zone's dataplanes
// too, as a file fitted by oneLineSamples has them.
func predict(r *Run, f *calibrate.File, seed uint64, oneLine bool) (calibrate.Validation, error) {
	var pooled []float64
	for k := range uint64(Replicas) {
		c, err := Config(r, f, seed+k)
		if err != nil {
			return calibrate.Validation{}, err
		}
		if oneLine {
			c.Policies += r.Proxies
		}
		res, err := sim.Run(c, nil)
		if err != nil {
			return calibrate.Validation{}, err
		}
		pooled = append(pooled, res.Raw...)
	}
	return calibrate.Validate(pooled, r.EndToEnd())
}
