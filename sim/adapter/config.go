package adapter

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/zonemesh/zonemesh/scenarios"
	"github.com/zonemesh/zonemesh/sim"
	"github.com/zonemesh/zonemesh/sim/calibrate"
)

// Config builds the simulation of s. Costs and timers start from sim.Defaults; the scale
// section's calibration file, if any, replaces the costs.
func Config(s *scenarios.Scenario) (sim.Config, error) {
	sc := s.Scale
	if sc == nil {
		return sim.Config{}, fmt.Errorf("%s: scale: the simulator needs a scale section", s.Name)
	}
	c := sim.Defaults()
	c.Name = s.Name
	c.Seed = 1
	if s.Seed != 0 {
		c.Seed = uint64(s.Seed)
	}
	c.Duration = sc.Duration.D()
	c.Zones, c.Services, c.Policies = sc.Zones, sc.Services, sc.Policies
	var err error
	if c.ProxiesPerZone, err = dist(sc.ProxiesPerZone.Dist, sc.ProxiesPerZone.Value, sc.ProxiesPerZone.Mean,
		sc.ProxiesPerZone.Sigma, sc.ProxiesPerZone.Min, sc.ProxiesPerZone.Max, sc.ProxiesPerZone.Alpha); err != nil {
		return c, fmt.Errorf("scale.proxiesPerZone: %w", err)
	}
	c.ChurnRate = 0
	if ch := sc.Churn; ch != nil {
		c.ChurnRate, c.ChurnPoisson = ch.Rate, ch.Dist != scenarios.DistConst
	}
	if w := sc.WAN; w != nil {
		l := w.Latency
		if c.WAN.Latency, err = dist(l.Dist, l.Value.D().Seconds(), l.Mean.D().Seconds(), l.Sigma,
			l.Min.D().Seconds(), l.Max.D().Seconds(), l.Alpha); err != nil {
			return c, fmt.Errorf("scale.wan.latency: %w", err)
		}
		c.WAN.Loss = w.Loss
	}
	if sc.Calibration != "" {
		path := sc.Calibration
		if !filepath.IsAbs(path) && s.File != "" {
			path = filepath.Join(filepath.Dir(s.File), path)
		}
		f, err := calibrate.ReadFile(path)
		if err != nil {
			return c, fmt.Errorf("scale.calibration: %w", err)
		}
		if err := f.Apply(&c); err != nil {
			return c, fmt.Errorf("scale.calibration: %w", err)
		}
	}
	if err := timeline(s, &c); err != nil {
		return c, err
	}
	for i, e := range sc.Events {
		f, err := fault(e, sc.Zones, fmt.Sprintf("scale.events[%d]", i))
		if err != nil {
			return c, err
		}
		c.Faults = append(c.Faults, f)
	}
	if err := c.Validate(); err != nil {
		return c, fmt.Errorf("scale: %w", err)
	}
	return c, nil
}

func dist(kind string, value, mean, sigma, lo, hi, alpha float64) (sim.Dist, error) {
	switch kind {
	case scenarios.DistConst:
		return sim.Fixed(value), nil
	case scenarios.DistUniform:
		return sim.Dist{Kind: sim.Uniform, Min: lo, Max: hi}, nil
	case scenarios.DistLognormal:
		return sim.LogNormalMean(mean, sigma), nil
	case scenarios.DistPareto:
		return sim.Dist{Kind: sim.Pareto, Min: lo, Alpha: alpha}, nil
	}
	return sim.Dist{}, fmt.Errorf("unknown distribution %q", kind)
}

func fault(e scenarios.SimEvent, zones int, field string) (sim.Fault, error) {
	f := sim.Fault{At: e.At.D()}
	var set *scenarios.ZoneSetFault
	switch {
	case e.Partition != nil:
		f.Kind, set, f.Duration = sim.Partition, e.Partition, e.Partition.Duration.D()
		field += ".partition"
	case e.Crash != nil:
		f.Kind, set, f.Duration = sim.Crash, e.Crash, e.Crash.Downtime.D()
		field += ".crash"
	case e.GlobalFailover != nil:
		f.Kind, f.Duration = sim.GlobalFailover, e.GlobalFailover.Downtime.D()
		return f, nil
	default:
		return f, fmt.Errorf("%s: no fault set", field)
	}
	f.Share = set.Share
	for j, name := range set.Zones {
		n, err := strconv.Atoi(strings.TrimPrefix(name, "zone-"))
		if !strings.HasPrefix(name, "zone-") || err != nil || n < 1 || n > zones {
			return f, fmt.Errorf("%s.zones[%d]: %q is not a simulated zone (zone-1 … zone-%d)", field, j, name, zones)
		}
		f.Zones = append(f.Zones, n-1)
	}
	return f, nil
}
