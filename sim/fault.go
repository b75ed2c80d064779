package sim

// faultRun is what happened to one configured fault.
type faultRun struct {
	zones     []int
	healedAt  int64
	target    int32 // newest accepted version when the fault ended
	remaining int   // zones not yet converged
	convAt    int64
	healed    bool
}

// pickZones returns the fault's zones: the listed ones, or Share of all drawn with the run RNG.
func (w *world) pickZones(f Fault) []int {
	if len(f.Zones) > 0 {
		return append([]int(nil), f.Zones...)
	}
	n := max(1, int(f.Share*float64(len(w.zones))+0.5))
	perm := w.workload.Perm(len(w.zones))[:n]
	return perm
}

func (w *world) onFault(fi int) {
	f := w.cfg.Faults[fi]
	fr := &w.m.faults[fi]
	now := w.q.Now()
	switch f.Kind {
	case Partition:
		fr.zones = w.pickZones(f)
		for _, i := range fr.zones {
			z := &w.zones[i]
			z.blockTo = !f.OneWay || !f.ToGlobal
			z.blockFrom = !f.OneWay || f.ToGlobal
			if z.connected {
				// Nothing crosses; the stream is declared dead when the keepalive expires.
				w.at(now+int64(w.cfg.Timers.Keepalive), evStreamDead, i, z.gen, 0)
			}
		}
	case Crash:
		fr.zones = w.pickZones(f)
		for _, i := range fr.zones {
			z := &w.zones[i]
			w.flushCycle(i, now) // the cycle in progress dies with the CP
			z.up, z.connected, z.busy, z.scheduled, z.storm = false, false, false, false, nil
			z.inc++
			z.gen++
			z.heldUpTo = 0
		}
	case GlobalFailover:
		w.gUp = false
		for i := range w.zones {
			fr.zones = append(fr.zones, i)
			w.dropStream(i)
		}
	}
	w.tracef("fault %d %s on %d zones for %s", fi, f.Kind, len(fr.zones), f.Duration)
	w.at(now+int64(f.Duration), evHeal, -1, 0, int32(fi))
}

// dropStream ends zone i's KDS stream and starts its redial schedule.
func (w *world) dropStream(i int) {
	z := &w.zones[i]
	if !z.connected {
		return
	}
	z.connected = false
	z.gen++
	z.heldUpTo = 0
	w.at(w.q.Now()+w.backoff(w.cfg.Timers.ZoneReconnect, 0), evReconnect, i, z.inc, 1)
}

func (w *world) onStreamDead(i int, gen uint32) {
	z := &w.zones[i]
	if gen != z.gen || !(z.blockTo || z.blockFrom) {
		return
	}
	w.tracef("zone-%d stream dead (keepalive)", i+1)
	w.dropStream(i)
}

func (w *world) onHeal(fi int) {
	f := w.cfg.Faults[fi]
	fr := &w.m.faults[fi]
	now := w.q.Now()
	switch f.Kind {
	case Partition:
		for _, i := range fr.zones {
			z := &w.zones[i]
			z.blockTo, z.blockFrom = false, false
			if z.connected && z.heldUpTo > z.stored {
				arr := max(now+w.wanDelay(), z.lastArr)
				z.lastArr = arr
				w.at(arr, evReceive, i, z.gen, z.heldUpTo)
			}
		}
	case Crash:
		for _, i := range fr.zones {
			z := &w.zones[i]
			z.up = true
			w.at(now, evReconnect, i, z.inc, 0) // a fresh process dials at once
			w.startStorm(i, int64(f.At), now)
		}
	case GlobalFailover:
		w.gUp = true
		n := w.deferred
		w.deferred = 0
		w.m.retried += n
		for range n {
			w.submit()
		}
	}
	fr.healed, fr.healedAt, fr.target, fr.remaining = true, now, w.accepted(), len(fr.zones)
	w.tracef("heal %d %s: target v%d", fi, f.Kind, fr.target)
	for _, i := range fr.zones {
		w.zones[i].watch = append(w.zones[i].watch, int32(fi))
		w.checkWatch(i, now)
	}
}

// onReconnect: zone i dials global. It succeeds when both ends are up and no partition is in
// the way; then global sends everything the zone lacks as one resync message.
func (w *world) onReconnect(i int, inc uint32, attempt int) {
	z := &w.zones[i]
	if inc != z.inc || z.connected || !z.up {
		return
	}
	now := w.q.Now()
	if !w.gUp || z.blockTo || z.blockFrom {
		w.at(now+w.backoff(w.cfg.Timers.ZoneReconnect, attempt), evReconnect, i, z.inc, int32(attempt+1))
		return
	}
	z.connected = true
	z.gen++
	w.m.reconnects++
	upto := w.accepted()
	missing := float64(max(0, upto-z.stored))
	arr := max(now+w.wanDelay()+w.wanDelay()+w.resync.draw(missing), z.lastArr)
	z.lastArr = arr
	if upto > z.stored {
		w.tracef("zone-%d reconnected after %d attempts, resync v%d..v%d", i+1, attempt, z.stored+1, upto)
	} else {
		w.tracef("zone-%d reconnected after %d attempts, nothing to resync", i+1, attempt)
	}
	w.at(arr, evReceive, i, z.gen, upto)
}

// checkWatch resolves faults waiting on zone i: the zone is converged once it is up, connected,
// past any reconnect storm and every proxy has the fault's target version. when is the
// earliest time that can be true.
func (w *world) checkWatch(i int, when int64) {
	z := &w.zones[i]
	if len(z.watch) == 0 || !z.up || !z.connected || z.storm != nil {
		return
	}
	keep := z.watch[:0]
	for _, fi := range z.watch {
		fr := &w.m.faults[fi]
		if z.appliedVer < fr.target {
			keep = append(keep, fi)
			continue
		}
		fr.remaining--
		fr.convAt = max(fr.convAt, when, z.appliedAt)
	}
	z.watch = keep
}
