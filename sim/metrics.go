package sim

import (
	"fmt"
	"time"
)

const (
	stageGlobalZone = iota
	stageZoneProxy
	stageEndToEnd
	nStages
)

var stageNames = [nStages]string{"global-zone", "zone-proxy", "end-to-end"}

// metrics accumulates everything Results reports.
type metrics struct {
	events                               uint64
	losses, dropped, reconnects, retried int
	stage                                [nStages]Hist
	zone                                 [][nStages]Hist
	raw                                  []float64
	keep                                 int
	secs                                 int
	zoneBusy                             []float32 // zone*secs+second: worker-seconds busy / workers
	intakeBusy, sendBusyS                []float64
	timeline                             []Tick
	faults                               []faultRun
	storms                               []Storm
	scratch                              []int64
}

func (m *metrics) init(w *world) {
	m.secs = int(w.end/1e9) + 1
	m.keep = w.cfg.KeepSamples
	m.zone = make([][nStages]Hist, len(w.zones))
	m.zoneBusy = make([]float32, len(w.zones)*m.secs)
	m.intakeBusy = make([]float64, m.secs)
	m.sendBusyS = make([]float64, m.secs)
	m.faults = make([]faultRun, len(w.cfg.Faults))
}

// add records a delay in its zone's histogram only: the whole mesh's is their merge, made
// once at the end (mergeStages), which halves the histogram updates of a run.
func (m *metrics) add(zone, stage int, d int64, weight uint64) {
	m.zone[zone][stage].Add(d, weight)
}

// mergeStages fills the whole-mesh histograms from the zones'.
func (m *metrics) mergeStages() {
	for s := range nStages {
		m.stage[s] = Hist{}
		for i := range m.zone {
			m.stage[s].Merge(&m.zone[i][s])
		}
	}
}

func (m *metrics) addE2E(zone int, d int64, weight uint64) {
	m.add(zone, stageEndToEnd, d, weight)
	if len(m.raw) < m.keep {
		m.raw = append(m.raw, float64(d)/1e9)
	}
}

func (m *metrics) workerScratch(n int, t int64) []int64 {
	m.scratch = m.scratch[:0]
	for range n {
		m.scratch = append(m.scratch, t)
	}
	return m.scratch
}

// spread adds frac of the interval [s, f) to the per-second buckets of acc.
func spread(acc func(sec int, v float64), s, f int64, frac float64, secs int) {
	for s < f {
		sec := int(s / 1e9)
		if sec >= secs {
			return
		}
		next := min(f, int64(sec+1)*1e9)
		acc(sec, frac*float64(next-s)/1e9)
		s = next
	}
}

// busy accounts pool time of zone i (or global's intake for i < 0).
func (m *metrics) busy(i int, s, f int64, frac float64) {
	if i < 0 {
		spread(func(sec int, v float64) { m.intakeBusy[sec] += v }, s, f, frac, m.secs)
		return
	}
	base := i * m.secs
	spread(func(sec int, v float64) { m.zoneBusy[base+sec] += float32(v) }, s, f, frac, m.secs)
}

func (m *metrics) sendBusy(s, f int64) {
	spread(func(sec int, v float64) { m.sendBusyS[sec] += v }, s, f, 1, m.secs)
}

// Tick is one simulated second: queues at its start, utilisation over the second before.
type Tick struct {
	T               int     `json:"t"`
	IntakeQueue     int     `json:"intakeQueue"`
	IntakeUtil      float64 `json:"intakeUtil"`
	SendUtil        float64 `json:"sendUtil"`
	ZoneQueueTotal  int64   `json:"zoneQueueTotal"` // proxies waiting for a push, all zones
	ZoneQueueMax    int64   `json:"zoneQueueMax"`
	ZoneUtilMean    float64 `json:"zoneUtilMean"`
	ZoneUtilMax     float64 `json:"zoneUtilMax"`
	ZonesConnected  int     `json:"zonesConnected"`
	ZonesConverged  int     `json:"zonesConverged"` // every proxy has the newest accepted version
	GlobalUp        bool    `json:"globalUp"`
	AcceptedVersion int     `json:"acceptedVersion"`
}

func (m *metrics) sample(w *world) {
	now := w.q.Now()
	t := int(now / 1e9)
	tk := Tick{T: t, IntakeQueue: w.pending, GlobalUp: w.gUp, AcceptedVersion: int(w.accepted())}
	if t > 0 {
		tk.IntakeUtil = round(m.intakeBusy[t-1], 1e4)
		tk.SendUtil = round(m.sendBusyS[t-1], 1e4)
	}
	var utilSum float64
	for i := range w.zones {
		z := &w.zones[i]
		var q int64
		switch {
		case z.storm != nil:
			q = int64(z.storm.waitingAt(now))
		case z.busy && z.cycEnd > now:
			q = int64(z.proxies) * (z.cycEnd - now) / max(1, z.cycEnd-z.cycStart)
		}
		tk.ZoneQueueTotal += q
		tk.ZoneQueueMax = max(tk.ZoneQueueMax, q)
		if t > 0 {
			u := float64(m.zoneBusy[i*m.secs+t-1])
			utilSum += u
			tk.ZoneUtilMax = max(tk.ZoneUtilMax, u)
		}
		if z.connected {
			tk.ZonesConnected++
		}
		if z.appliedVer == w.accepted() && z.appliedAt <= now && z.up {
			tk.ZonesConverged++
		}
	}
	tk.ZoneUtilMean = round(utilSum/float64(len(w.zones)), 1e4)
	tk.ZoneUtilMax = round(tk.ZoneUtilMax, 1e4)
	m.timeline = append(m.timeline, tk)
}

func round(v, scale float64) float64 {
	if v < 0 {
		return 0
	}
	return float64(int64(v*scale+0.5)) / scale
}

func msf(d int64) float64 { return round(float64(d)/1e6, 1e3) }

func ms(d int64) string { return time.Duration(d).Round(time.Microsecond * 100).String() }

func zoneName(i int) string { return fmt.Sprintf("zone-%d", i+1) }
