package scenarios

import "strings"

func (v *validator) timeline() {
	v.names = map[string]int{}
	live := map[string]bool{} // resources present at global at this point of the timeline
	for _, r := range v.s.Policies {
		live[r.Kind+"/"+v.meshOf(r.Mesh)+"/"+r.Name] = true
	}
	faults := map[string]int{} // fault name -> step index
	healed := map[string]bool{}
	for i := range v.s.Timeline {
		st := &v.s.Timeline[i]
		p := idx("timeline", i)
		switch a := st.Actions(); len(a) {
		case 0:
			v.errf(p, "step has no action (one of load, apply, delete, fault, heal, kill, pause, resume, restart, scale, wait, waitLoad)")
			continue
		case 1:
		default:
			v.errf(p, "step has %d actions (%s); write one step per action", len(a), strings.Join(a, ", "))
			continue
		}
		if st.Name != "" {
			v.define(p+".name", st.Name, i)
		}
		switch {
		case st.Load != nil:
			v.load(p+".load", st.Load)
		case st.Apply != nil:
			v.resource(p+".apply", st.Apply, nil)
			live[st.Apply.Kind+"/"+v.meshOf(st.Apply.Mesh)+"/"+st.Apply.Name] = true
		case st.Delete != nil:
			d := st.Delete
			if d.Kind == "" || d.Name == "" {
				v.errf(p+".delete", "kind and name are required")
				break
			}
			k := d.Kind + "/" + v.meshOf(d.Mesh) + "/" + d.Name
			if !live[k] {
				v.errf(p+".delete", "%s %q is not in policies nor applied by an earlier step", d.Kind, d.Name)
			}
			delete(live, k)
		case st.Fault != nil:
			v.fault(p+".fault", st.Fault)
			if st.Fault.Name != "" {
				if st.Fault.Name != st.Name {
					v.define(p+".fault.name", st.Fault.Name, i)
				}
				faults[st.Fault.Name] = i
				delete(healed, st.Fault.Name)
			}
		case st.Heal != "":
			if _, ok := faults[st.Heal]; !ok {
				v.errf(p+".heal", "no earlier fault named %q", st.Heal)
			} else if healed[st.Heal] {
				v.errf(p+".heal", "fault %q is already healed", st.Heal)
			}
			healed[st.Heal] = true
		case st.Kill != nil:
			v.component(p+".kill", st.Kill)
		case st.Pause != nil:
			v.component(p+".pause", st.Pause)
		case st.Resume != nil:
			v.component(p+".resume", st.Resume)
		case st.Restart != nil:
			v.component(p+".restart", st.Restart)
		case st.Scale != nil:
			v.scaleStep(p+".scale", st.Scale)
		case st.Wait != nil:
			v.wait(p+".wait", st.Wait)
		case st.WaitLoad != "":
			if j, ok := v.names[st.WaitLoad]; !ok || j >= i || v.s.Timeline[j].Load == nil {
				v.errf(p+".waitLoad", "no earlier load step named %q", st.WaitLoad)
			}
		}
	}
}

func (v *validator) define(path, name string, step int) {
	v.label(path, name)
	if j, dup := v.names[name]; dup {
		v.errf(path, "duplicate name %q (also timeline[%d])", name, j)
		return
	}
	v.names[name] = step
}

func (v *validator) zoneRef(path, zone string) {
	if zone == "" {
		v.errf(path, "required")
	} else if v.s.Zone(zone) == nil {
		v.errf(path, "no zone named %q in topology.zones", zone)
	}
}

func (v *validator) load(p string, l *LoadStep) {
	v.zoneRef(p+".from", l.From)
	if l.To == "" {
		v.errf(p+".to", "required")
	} else if exists, http := v.serviceExists(l.To); !exists {
		v.errf(p+".to", "no service named %q in any zone", l.To)
	} else if !http {
		v.errf(p+".to", "service %q speaks tcp only; load is HTTP", l.To)
	}
	if l.Rate <= 0 {
		v.errf(p+".rate", "must be positive")
	}
	if l.RampTo < 0 {
		v.errf(p+".rampTo", "must not be negative")
	}
	if l.Duration <= 0 {
		v.errf(p+".duration", "required and positive")
	}
	if l.Workers < 0 {
		v.errf(p+".workers", "must not be negative")
	}
	if l.MaxWorkers < 0 || (l.MaxWorkers > 0 && l.MaxWorkers < l.Workers) {
		v.errf(p+".maxWorkers", "must be at least workers")
	}
	if l.Path != "" && !strings.HasPrefix(l.Path, "/") {
		v.errf(p+".path", "must start with /")
	}
}

func (v *validator) fault(p string, f *Fault) {
	if f.Name == "" {
		v.errf(p+".name", "required")
	}
	v.zoneRef(p+".link.from", f.Link.From)
	switch {
	case f.Link.To == "":
		v.errf(p+".link.to", "required")
	case f.Link.To == f.Link.From:
		v.errf(p+".link.to", "a link joins two different zones")
	case f.Link.To != LinkGlobal && v.s.Zone(f.Link.To) == nil:
		v.errf(p+".link.to", "no zone named %q in topology.zones (or use global)", f.Link.To)
	}
	// Each type takes only its own fields, so a misplaced one is not silently ignored.
	fields := map[string]bool{
		"twoWay":  f.TwoWay != nil,
		"latency": f.Latency != 0,
		"jitter":  f.Jitter != 0,
		"rate":    f.Rate != 0,
		"period":  f.Period != 0,
	}
	var allowed []string
	switch f.Type {
	case FaultPartition:
		allowed = []string{"twoWay"}
	case FaultLatency:
		allowed = []string{"latency", "jitter"}
		if f.Latency <= 0 {
			v.errf(p+".latency", "required and positive for a latency fault")
		}
	case FaultBandwidth:
		allowed = []string{"rate"}
		if f.Rate <= 0 {
			v.errf(p+".rate", "required and positive (KB/s) for a bandwidth fault")
		}
	case FaultReset:
	case FaultFlap:
		allowed = []string{"twoWay", "period"}
		if f.Period <= 0 {
			v.errf(p+".period", "required and positive for a flap fault")
		}
	case "":
		v.errf(p+".type", "required (partition, latency, bandwidth, reset or flap)")
		return
	default:
		v.errf(p+".type", "unknown fault type %q (partition, latency, bandwidth, reset or flap)", f.Type)
		return
	}
	for _, name := range []string{"twoWay", "latency", "jitter", "rate", "period"} {
		if fields[name] && !oneOf(name, allowed...) {
			v.errf(p+"."+name, "does not apply to a %s fault", f.Type)
		}
	}
}

func (v *validator) component(p string, c *ComponentRef) {
	switch c.Component {
	case ComponentGlobal:
		if c.Zone != "" || c.Service != "" {
			v.errf(p, "component global takes no zone or service")
		}
		return
	case ComponentCP, ComponentIngress, ComponentService:
	case "":
		v.errf(p+".component", "required (global, cp, ingress or service)")
		return
	default:
		v.errf(p+".component", "unknown component %q (global, cp, ingress or service)", c.Component)
		return
	}
	v.zoneRef(p+".zone", c.Zone)
	z := v.s.Zone(c.Zone)
	if c.Instance != nil && *c.Instance < 0 {
		v.errf(p+".instance", "must not be negative")
	}
	switch c.Component {
	case ComponentService:
		if c.Service == "" {
			v.errf(p+".service", "required for component service")
		} else if z != nil && z.Service(c.Service) == nil {
			v.errf(p+".service", "zone %s has no service %q", c.Zone, c.Service)
		}
	case ComponentIngress:
		if z != nil && z.Ingress == 0 {
			v.errf(p+".zone", "zone %s has no ingress", c.Zone)
		}
		fallthrough
	default:
		if c.Service != "" {
			v.errf(p+".service", "only for component service")
		}
	}
}

func (v *validator) scaleStep(p string, sc *ScaleStep) {
	v.zoneRef(p+".zone", sc.Zone)
	if z := v.s.Zone(sc.Zone); z != nil {
		if sc.Service == "" {
			v.errf(p+".service", "required")
		} else if z.Service(sc.Service) == nil {
			v.errf(p+".service", "zone %s has no service %q", sc.Zone, sc.Service)
		}
	}
	if sc.Replicas < 0 {
		v.errf(p+".replicas", "must not be negative")
	}
}

func (v *validator) wait(p string, w *Wait) {
	switch w.For {
	case WaitConverged, WaitZonesOnline:
	case WaitZoneOffline:
		v.zoneRef(p+".zone", w.Zone)
	case WaitDuration:
		if w.Duration <= 0 {
			v.errf(p+".duration", "required and positive for for: duration")
		}
	case "":
		v.errf(p+".for", "required (converged, zonesOnline, zoneOffline or duration)")
		return
	default:
		v.errf(p+".for", "unknown condition %q (converged, zonesOnline, zoneOffline or duration)", w.For)
		return
	}
	if w.Zone != "" && w.For != WaitZoneOffline {
		v.errf(p+".zone", "only for for: zoneOffline")
	}
	if w.Duration != 0 && w.For != WaitDuration {
		v.errf(p+".duration", "only for for: duration (conditions take timeout)")
	}
}
