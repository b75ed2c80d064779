package sim

import "slices"

// storm is a zone's reconnect storm after its CP restarted: every proxy redials on its own
// jittered exponential backoff that started at the crash, and each reconnect costs the pool a
// full regenerate + push. Proxies are few per zone, so this is exact per proxy, in a loop
// rather than as events.
type storm struct {
	arrivals []int64 // sorted reconnect times
	starts   []int64 // when the pool took each one up (FIFO, so also sorted)
	applied  []int64 // when each proxy had applied its full config
}

// Storm summarises one zone's reconnect storm.
type Storm struct {
	Zone          string  `json:"zone"`
	Proxies       int     `json:"proxies"`
	FirstMs       float64 `json:"firstReconnectMs"` // after the restart
	LastMs        float64 `json:"lastReconnectMs"`
	DrainedMs     float64 `json:"drainedMs"`
	PeakQueue     int     `json:"peakQueue"`
	MaxAttempts   int     `json:"maxAttempts"`
	RestartSecond float64 `json:"restartS"`
}

func (w *world) startStorm(i int, crashAt, now int64) {
	z := &w.zones[i]
	n := int(z.proxies)
	st := &storm{arrivals: make([]int64, n), starts: make([]int64, n), applied: make([]int64, n)}
	maxK := 0
	for p := range st.arrivals {
		t, k := crashAt, 0
		for t < now {
			t += w.backoff(w.cfg.Timers.ProxyReconnect, k)
			k++
		}
		st.arrivals[p] = t
		maxK = max(maxK, k)
	}
	slices.Sort(st.arrivals)
	W := w.cfg.Costs.ZoneWorkers
	free := w.m.workerScratch(W, now)
	var end int64
	R := w.unitsAt(w.accepted()) // a full config of everything accepted so far
	// The storm is one pass of the pool: one slowdown for all of it.
	cf := w.drawCycleFactor()
	zoneSize := w.regenPerProxy(int(z.proxies))
	for p, a := range st.arrivals {
		k := slices.Index(free, slices.Min(free))
		s := max(a, free[k])
		f := s + scaled(w.regen.draw(R)+zoneSize+w.push.draw(R), cf)
		free[k] = f
		st.starts[p] = s
		st.applied[p] = f + scaled(w.apply.draw(R), cf)
		end = max(end, f)
		w.m.busy(i, s, f, 1/float64(W))
	}
	z.storm = st
	z.busy, z.cycStart, z.cycEnd = true, now, end
	w.at(end, evCycleEnd, i, z.inc, 0)
	w.m.storms = append(w.m.storms, Storm{
		Zone: zoneName(i), Proxies: n, FirstMs: msf(st.arrivals[0] - now), LastMs: msf(st.arrivals[n-1] - now),
		DrainedMs: msf(end - now), PeakQueue: peakWaiting(st.arrivals, st.starts), MaxAttempts: maxK,
		RestartSecond: float64(now) / 1e9,
	})
	w.tracef("zone-%d restarted: %d proxies redial from +%s to +%s, pool drained +%s", i+1, n, ms(st.arrivals[0]-now), ms(st.arrivals[n-1]-now), ms(end-now))
}

// waitingAt is how many reconnects are queued (arrived, not yet taken up) at t.
func (st *storm) waitingAt(t int64) int {
	a, _ := slices.BinarySearch(st.arrivals, t+1)
	s, _ := slices.BinarySearch(st.starts, t+1)
	return a - s
}

func peakWaiting(arr, starts []int64) int {
	peak, a, s := 0, 0, 0
	for a < len(arr) {
		if s < len(starts) && starts[s] <= arr[a] {
			s++
			continue
		}
		a++
		peak = max(peak, a-s)
	}
	return peak
}
