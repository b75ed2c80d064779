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

// cycle computes one push cycle starting at start for versions first… whose store-done times
// are stored, records their propagation, and returns when the pool is free and when the last
// proxy applied. Up to SamplesPerCycle proxies it is exact (W workers, FIFO); beyond, proxies
// are split into that many equal strata whose summed cost keeps the pool busy (fluid W
// servers) and whose last proxy is drawn and stands for the stratum.
func (w *world) cycle(i int, start int64, first int32, stored []int64) (end, lastApply int64) {
	z := &w.zones[i]
	W := int64(w.cfg.Costs.ZoneWorkers)
	N := int(z.proxies)
	S := min(w.cfg.SamplesPerCycle, N)
	R := w.resources
	record := func(applied int64, weight uint64) {
		lastApply = max(lastApply, applied)
		w.recordApply(i, first, stored, applied, weight)
	}
	if N <= S {
		free := w.m.workerScratch(int(W), start)
		for range N {
			k := slices.Index(free, slices.Min(free))
			s := free[k]
			f := s + w.regen.draw(R) + w.push.draw(R)
			free[k] = f
			end = max(end, f)
			w.m.busy(i, s, f, float64(1)/float64(W))
			record(f+w.apply.draw(R), 1)
		}
		return end, lastApply
	}
	t := start
	for j := range S {
		k := N*(j+1)/S - N*j/S
		t += (w.regen.drawSum(k, R, w.r) + w.push.drawSum(k, R, w.r)) / W
		record(t+w.apply.draw(R), uint64(k))
	}
	w.m.busy(i, start, t, 1)
	return t, lastApply
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
	if st := z.storm; st != nil {
		// Versions stored before the storm's first proxy was served went out with the full
		// configs of the storm: no push cycle needed for them.
		n := 0
		for n < len(z.pend) && z.pend[n] <= st.starts[0] {
			n++
		}
		if n > 0 {
			first := z.pushed + 1
			var last int64
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
