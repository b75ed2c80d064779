package scenarios

func (v *validator) checks() {
	seen := map[string]bool{}
	for i := range v.s.Checks {
		c := &v.s.Checks[i]
		p := idx("checks", i)
		v.label(p+".name", c.Name)
		if seen[c.Name] {
			v.errf(p+".name", "duplicate check %q", c.Name)
		}
		seen[c.Name] = true
		v.check(p, c)
	}
}

func (v *validator) check(p string, c *Check) {
	used := map[string]bool{
		"stage": c.Stage != "", "quantile": c.Quantile != 0, "load": c.Load != "",
		"window": c.Window != nil, "after": c.After != "", "zone": c.Zone != "",
		"min": c.Min.IsSet(), "max": c.Max.IsSet(),
	}
	var allowed []string
	switch c.Type {
	case CheckPropagation:
		allowed = []string{"stage", "quantile", "max"}
		if !oneOf(c.Stage, StageGlobalZone, StageZoneProxy, StageEndToEnd) {
			v.errf(p+".stage", "want global-zone, zone-proxy or end-to-end, got %q", c.Stage)
		}
		if c.Quantile <= 0 || c.Quantile > 1 {
			v.errf(p+".quantile", "want a number in (0, 1], got %v", c.Quantile)
		}
		v.durationBound(p+".max", &c.Max)
	case CheckErrorRate:
		allowed = []string{"load", "window", "max"}
		v.loadRef(p+".load", c.Load)
		v.ratioBound(p+".max", &c.Max, true)
		v.window(p+".window", c.Window)
	case CheckRecovery:
		allowed = []string{"after", "max"}
		v.stepRef(p+".after", c.After, true)
		v.durationBound(p+".max", &c.Max)
	case CheckTrafficShare:
		allowed = []string{"load", "window", "zone", "min", "max"}
		v.loadRef(p+".load", c.Load)
		v.window(p+".window", c.Window)
		v.zoneRef(p+".zone", c.Zone)
		if !c.Min.IsSet() && !c.Max.IsSet() {
			v.errf(p, "trafficShare needs min, max or both")
		}
		v.ratioBound(p+".min", &c.Min, false)
		v.ratioBound(p+".max", &c.Max, false)
		if c.Min.IsSet() && c.Max.IsSet() && c.Min.Ratio() > c.Max.Ratio() {
			v.errf(p+".min", "greater than max")
		}
	case "":
		v.errf(p+".type", "required (propagation, errorRate, recovery or trafficShare)")
		return
	default:
		v.errf(p+".type", "unknown check type %q (propagation, errorRate, recovery or trafficShare)", c.Type)
		return
	}
	for _, f := range []string{"stage", "quantile", "load", "window", "after", "zone", "min", "max"} {
		if used[f] && !oneOf(f, allowed...) {
			v.errf(p+"."+f, "does not apply to a %s check", c.Type)
		}
	}
}

func (v *validator) durationBound(path string, b *Bound) {
	if !b.IsSet() {
		v.errf(path, "required")
		return
	}
	if err := b.parseDuration(); err != nil {
		v.errf(path, "%v", err)
	}
}

func (v *validator) ratioBound(path string, b *Bound, required bool) {
	if !b.IsSet() {
		if required {
			v.errf(path, "required")
		}
		return
	}
	if err := b.parseRatio(); err != nil {
		v.errf(path, "%v", err)
	}
}

func (v *validator) loadRef(path, name string) {
	if name == "" {
		v.errf(path, "required")
		return
	}
	if j, ok := v.names[name]; !ok || v.s.Timeline[j].Load == nil {
		v.errf(path, "no load step named %q in the timeline", name)
	}
}

// stepRef checks that name is a step or fault name; an empty name is an error when required.
func (v *validator) stepRef(path, name string, required bool) {
	if name == "" {
		if required {
			v.errf(path, "required")
		}
		return
	}
	if _, ok := v.names[name]; !ok {
		v.errf(path, "no step or fault named %q in the timeline", name)
	}
}

func (v *validator) window(p string, w *Window) {
	if w == nil {
		return
	}
	v.stepRef(p+".from", w.From, false)
	v.stepRef(p+".to", w.To, false)
	if w.From != "" && w.To != "" && v.names[w.From] > v.names[w.To] {
		v.errf(p, "from (%s) comes after to (%s) in the timeline", w.From, w.To)
	}
}
