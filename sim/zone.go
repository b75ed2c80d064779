package sim

import "slices"

// onReceive: a KDS message with versions up to upto reaches zone i. The zone stores them on
// its single store (FIFO) and schedules a push cycle unless one is running or due.
func (w *world) onReceive(i int, gen uint32, upto int32) {
	z := &w.zones[i]
	if gen != z.gen || !z.up {
		w.m.dropped++
		return
	}
	if z.blockTo {
		// The stream is alive but nothing gets through; TCP retransmits it after the heal.
		z.heldUpTo = max(z.heldUpTo, upto)
		return
	}
	now := w.q.Now()
	if upto <= z.stored {
		w.checkWatch(i, now)
		return
	}
	n := upto - z.stored
	done := max(now, z.storeFree) + w.store.draw(float64(n))
	z.storeFree = done
	for v := z.stored + 1; v <= upto; v++ {
		z.pend = append(z.pend, done)
		w.m.add(i, stageGlobalZone, done-w.acceptedAt[v-1], 1)
	}
	if w.trace != nil {
		w.tracef("zone-%d store v%d..v%d done +%s", i+1, z.stored+1, upto, ms(done-now))
	}
	z.stored = upto
	w.schedule(i, done+int64(w.cfg.Timers.Debounce))
}

func (w *world) schedule(i int, at int64) {
	z := &w.zones[i]
	if z.busy || z.scheduled {
		return
	}
	z.scheduled = true
	w.at(at, evCycleStart, i, z.inc, 0)
}

// onCycleStart: the pool regenerates and pushes config to every proxy, covering every stored
// version whose store has finished.
func (w *world) onCycleStart(i int, inc uint32) {
	z := &w.zones[i]
	if inc != z.inc {
		return
	}
	z.scheduled = false
	w.startCycle(i)
}

// startCycle starts a push cycle now if stored versions are waiting.
func (w *world) startCycle(i int) {
	z := &w.zones[i]
	now := w.q.Now()
	n := 0
	for n < len(z.pend) && z.pend[n] <= now {
		n++
	}
	if n == 0 {
		if len(z.pend) > 0 {
			w.schedule(i, z.pend[0]) // still being stored
		}
		return
	}
	first := z.pushed + 1
	z.pushed += int32(n)
	z.cycFirst, z.cycStored = first, append(z.cycStored[:0], z.pend[:n]...)
	end, lastApply := w.cycle(i, now, first, z.pend[:n])
	z.pend = append(z.pend[:0], z.pend[n:]...)
	z.busy, z.cycStart, z.cycEnd = true, now, end
	z.prevVer, z.appliedVer, z.appliedAt = z.appliedVer, z.pushed, lastApply
	if w.trace != nil {
		w.tracef("zone-%d push v%d..v%d to %d proxies: pool free +%s, all applied +%s", i+1, first, z.pushed, z.proxies, ms(end-now), ms(lastApply-now))
	}
	w.at(end, evCycleEnd, i, z.inc, 0)
	w.checkWatch(i, lastApply)
}

// cycle computes one push cycle starting at start (after the cycle's fixed work, if any) for
// versions first… whose store-done times are stored, keeps its proxies' apply times in z.cyc
// for recording when the cycle ends (or partly, if the CP crashes first), and returns when the
// pool is free and when the last proxy applied. Up to SamplesPerCycle proxies it is exact (W workers, FIFO); beyond, proxies
// are split into that many equal strata whose summed cost keeps the pool busy (fluid W
// servers) and whose last proxy is drawn and stands for the stratum.
func (w *world) cycle(i int, start int64, first int32, stored []int64) (end, lastApply int64) {
	z := &w.zones[i]
	W := int64(w.cfg.Costs.ZoneWorkers)
	N := int(z.proxies)
	S := min(w.cfg.SamplesPerCycle, N)
	R := w.unitsAt(first + int32(len(stored)) - 1)
	z.cyc = z.cyc[:0]
	f := w.drawCycleFactor()
	if w.cycleFactor != nil && w.trace != nil {
		w.tracef("zone-%d cycle slowdown x%.2f", i+1, f)
	}
	record := func(done, applied int64, weight uint32) {
		lastApply = max(lastApply, applied)
		z.cyc = append(z.cyc, cycSample{done: done, applied: applied, weight: weight})
	}
	if w.prep != nil {
		// The pass's fixed work comes first; no proxy is generated before it is done.
		prep := scaled(w.prep.draw(R), f) / W
		if w.trace != nil {
			w.tracef("zone-%d cycle prep %s", i+1, ms(prep))
		}
		w.m.busy(i, start, start+prep, 1)
		start += prep
	}
	zoneSize := w.regenPerProxy(N) // the zone's endpoints in every config
	if N <= S {
		free := w.m.workerScratch(int(W), start)
		for range N {
			k := slices.Index(free, slices.Min(free))
			s := free[k]
			done := s + scaled(w.regen.draw(R)+zoneSize+w.push.draw(R), f)
			free[k] = done
			end = max(end, done)
			w.m.busy(i, s, done, float64(1)/float64(W))
			record(done, done+scaled(w.apply.draw(R), f), 1)
		}
		return end, lastApply
	}
	t := start
	for j := range S {
		k := N*(j+1)/S - N*j/S
		t += scaled(w.regen.drawSum(k, R, w.r)+int64(k)*zoneSize+w.push.drawSum(k, R, w.r), f) / W
		record(t, t+scaled(w.apply.draw(R), f), uint32(k))
	}
	w.m.busy(i, start, t, 1)
	return t, lastApply
}

// flushCycle records the cycle in progress. With crash >= 0 the CP died at that time: only
// proxies the pool had finished by then got the versions; the rest are owed them.
func (w *world) flushCycle(i int, crash int64) {
	z := &w.zones[i]
	missed := 0
	for _, s := range z.cyc {
		if crash >= 0 && s.done > crash {
			missed += int(s.weight)
			continue
		}
		w.recordApply(i, z.cycFirst, z.cycStored, s.applied, uint64(s.weight))
	}
	z.cyc = z.cyc[:0]
	if missed > 0 {
		z.owed = &owed{first: z.cycFirst, stored: slices.Clone(z.cycStored), n: missed}
		z.appliedVer = z.prevVer
	}
}

// recordApply records that one proxy (standing for weight proxies) applied versions first…
// at applied; stored holds their store-done times.
func (w *world) recordApply(i int, first int32, stored []int64, applied int64, weight uint64) {
	for k, d := range stored {
		v := first + int32(k)
		w.m.add(i, stageZoneProxy, applied-d, weight)
		w.m.addE2E(i, applied-w.acceptedAt[v-1], weight)
	}
}

// onCycleEnd: the pool is free; start the next cycle if versions are waiting.
func (w *world) onCycleEnd(i int, inc uint32) {
	z := &w.zones[i]
	if inc != z.inc {
		return
	}
	z.busy = false
	w.flushCycle(i, -1)
	if st := z.storm; st != nil {
		// Versions stored before the storm's first proxy was served went out with the full
		// configs of the storm: no push cycle needed for them.
		n := 0
		for n < len(z.pend) && z.pend[n] <= st.starts[0] {
			n++
		}
		last := z.appliedAt
		if o := z.owed; o != nil {
			// Proxies the crashed cycle never reached get its versions from the storm; which
			// ones they are is arbitrary, so take the first to reconnect.
			for _, a := range st.applied[:min(o.n, len(st.applied))] {
				w.recordApply(i, o.first, o.stored, a, 1)
				last = max(last, a)
			}
			z.owed = nil
			z.prevVer, z.appliedVer, z.appliedAt = z.appliedVer, z.pushed-int32(n), last
			w.tracef("zone-%d reconnect storm gave %d proxies the v%d..v%d the crash cut off", i+1, o.n, o.first, o.first+int32(len(o.stored))-1)
		}
		if n > 0 {
			first := z.pushed + 1
			for _, a := range st.applied {
				w.recordApply(i, first, z.pend[:n], a, 1)
				last = max(last, a)
			}
			z.pushed += int32(n)
			z.pend = append(z.pend[:0], z.pend[n:]...)
			z.prevVer, z.appliedVer, z.appliedAt = z.appliedVer, z.pushed, max(z.appliedAt, last)
		}
		if n > 0 {
			w.tracef("zone-%d reconnect storm drained; it carried v%d..v%d", i+1, z.pushed-int32(n)+1, z.pushed)
		} else {
			w.tracef("zone-%d reconnect storm drained", i+1)
		}
		z.storm = nil
		w.checkWatch(i, w.q.Now())
	}
	if len(z.pend) > 0 {
		at := z.pend[0] + int64(w.cfg.Timers.Debounce)
		if at <= w.q.Now() {
			w.startCycle(i) // saves an event per back-to-back cycle
			return
		}
		w.schedule(i, at)
	}
}
