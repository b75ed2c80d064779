package scenarios

func (v *validator) scale() {
	sc := v.s.Scale
	if sc.Zones <= 0 {
		v.errf("scale.zones", "required and positive")
	}
	v.dist("scale.proxiesPerZone", sc.ProxiesPerZone.Dist, sc.ProxiesPerZone.Value, sc.ProxiesPerZone.Mean,
		sc.ProxiesPerZone.Sigma, sc.ProxiesPerZone.Min, sc.ProxiesPerZone.Max, sc.ProxiesPerZone.Alpha)
	if sc.Services < 0 {
		v.errf("scale.services", "must not be negative")
	}
	if sc.Policies < 0 {
		v.errf("scale.policies", "must not be negative")
	}
	if sc.Churn != nil {
		if sc.Churn.Rate < 0 {
			v.errf("scale.churn.rate", "must not be negative")
		}
		if sc.Churn.Dist == "" {
			sc.Churn.Dist = DistPoisson
		} else if !oneOf(sc.Churn.Dist, DistPoisson, DistConst) {
			v.errf("scale.churn.dist", "want poisson or const, got %q", sc.Churn.Dist)
		}
	}
	if w := sc.WAN; w != nil {
		l := w.Latency
		v.dist("scale.wan.latency", l.Dist, l.Value.D().Seconds(), l.Mean.D().Seconds(), l.Sigma,
			l.Min.D().Seconds(), l.Max.D().Seconds(), l.Alpha)
		if w.Loss < 0 || w.Loss >= 1 {
			v.errf("scale.wan.loss", "want a probability in [0, 1), got %v", w.Loss)
		}
	}
	if sc.Duration <= 0 {
		v.errf("scale.duration", "required and positive")
	}
	for i := range sc.Events {
		v.simEvent(idx("scale.events", i), &sc.Events[i])
	}
}

// dist checks the parameters a distribution needs; durations come in as seconds.
func (v *validator) dist(p, name string, value, mean, sigma, lo, hi, alpha float64) {
	switch name {
	case DistConst:
		if value < 0 {
			v.errf(p+".value", "must not be negative")
		}
	case DistUniform:
		if lo < 0 || hi < lo {
			v.errf(p, "uniform needs 0 <= min <= max")
		}
	case DistLognormal:
		if mean <= 0 {
			v.errf(p+".mean", "required and positive for lognormal")
		}
		if sigma < 0 {
			v.errf(p+".sigma", "must not be negative")
		}
	case DistPareto:
		if lo <= 0 {
			v.errf(p+".min", "required and positive for pareto")
		}
		if alpha <= 0 {
			v.errf(p+".alpha", "required and positive for pareto")
		}
	case "":
		v.errf(p+".dist", "required (const, uniform, lognormal or pareto)")
	default:
		v.errf(p+".dist", "unknown distribution %q (const, uniform, lognormal or pareto)", name)
	}
}

func (v *validator) simEvent(p string, e *SimEvent) {
	n := 0
	for _, set := range []bool{e.Partition != nil, e.Crash != nil, e.GlobalFailover != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		v.errf(p, "an event has exactly one of partition, crash, globalFailover (has %d)", n)
		return
	}
	if e.At > v.s.Scale.Duration {
		v.errf(p+".at", "after the end of the simulation (%s)", v.s.Scale.Duration)
	}
	zoneSet := func(q string, z *ZoneSetFault) {
		if (z.Share == 0) == (len(z.Zones) == 0) {
			v.errf(q, "give either share or zones")
		}
		if z.Share < 0 || z.Share > 1 {
			v.errf(q+".share", "want a fraction in [0, 1], got %v", z.Share)
		}
		for i, name := range z.Zones {
			v.label(idx(q+".zones", i), name)
		}
	}
	switch {
	case e.Partition != nil:
		zoneSet(p+".partition", e.Partition)
		if e.Partition.Duration <= 0 {
			v.errf(p+".partition.duration", "required and positive")
		}
		if e.Partition.Downtime != 0 {
			v.errf(p+".partition.downtime", "does not apply to a partition (use duration)")
		}
	case e.Crash != nil:
		zoneSet(p+".crash", e.Crash)
		if e.Crash.Downtime <= 0 {
			v.errf(p+".crash.downtime", "required and positive")
		}
		if e.Crash.Duration != 0 {
			v.errf(p+".crash.duration", "does not apply to a crash (use downtime)")
		}
	case e.GlobalFailover != nil:
		if e.GlobalFailover.Downtime <= 0 {
			v.errf(p+".globalFailover.downtime", "required and positive")
		}
	}
}
