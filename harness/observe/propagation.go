// Package observe times policy propagation end to end. It is pure: the harness feeds it what
// it recorded (global acknowledgements, zone store arrivals, proxies applying configs) and it
// returns the samples per stage.
//
// Stages: global-zone (global acknowledged the write → the zone's store has it), zone-proxy
// (the zone has it → a proxy applied a config that carries it) and end-to-end.
package observe

import (
	"sort"
	"time"
)

// Write is one acknowledged write at global.
type Write struct {
	Key     string // resource.Key.String()
	Version uint64 // the version global assigned; ignored for a delete
	// Acked is when global committed the write (the resource's ModificationTime), or for a
	// delete when the request was sent.
	Acked   time.Time
	Deleted bool
}

// Arrival is a zone store committing a write it received from global.
type Arrival struct {
	Zone    string
	Key     string
	Version uint64 // 0 for a delete
	Deleted bool
	Time    time.Time
}

// Applied is a proxy applying a config in which a policy has a version (0: the policy is gone).
type Applied struct {
	Zone    string
	Proxy   string
	Key     string
	Version uint64
	Time    time.Time
}

// Sample is one measured delay.
type Sample struct {
	Stage   string
	Zone    string
	Proxy   string
	Key     string
	Seconds float64
}

// Stage names.
const (
	StageGlobalZone = "global-zone"
	StageZoneProxy  = "zone-proxy"
	StageEndToEnd   = "end-to-end"
)

type change struct {
	key     string
	version uint64 // 0 for a delete
}

// Samples matches each write with the zones' arrivals of it and the proxies that applied it.
// Only proxies whose config carries the policy count: a write reaches the proxies it affects.
func Samples(writes []Write, arrivals []Arrival, applied []Applied) []Sample {
	acked := map[change]time.Time{}
	for _, w := range writes {
		c := change{w.Key, w.Version}
		if w.Deleted {
			c.version = 0
		}
		acked[c] = w.Acked
	}
	type zc struct {
		zone string
		change
	}
	arrived := map[zc]time.Time{}
	for _, a := range arrivals {
		c := zc{a.Zone, change{a.Key, a.Version}}
		if a.Deleted {
			c.version = 0
		}
		if t, ok := arrived[c]; !ok || a.Time.Before(t) {
			arrived[c] = a.Time
		}
	}
	// The first time each proxy had each change.
	type pc struct {
		zone, proxy string
		change
	}
	first := map[pc]time.Time{}
	for _, ap := range applied {
		c := pc{ap.Zone, ap.Proxy, change{ap.Key, ap.Version}}
		if t, ok := first[c]; !ok || ap.Time.Before(t) {
			first[c] = ap.Time
		}
	}
	var out []Sample
	for c, ta := range arrived {
		t0, ok := acked[c.change]
		if !ok {
			continue // not a write the harness made (e.g. a resync of an older one)
		}
		out = append(out, Sample{Stage: StageGlobalZone, Zone: c.zone, Key: c.key, Seconds: secs(ta.Sub(t0))})
	}
	for c, tp := range first {
		t0, ok := acked[c.change]
		if !ok {
			continue
		}
		out = append(out, Sample{Stage: StageEndToEnd, Zone: c.zone, Proxy: c.proxy, Key: c.key, Seconds: secs(tp.Sub(t0))})
		if ta, ok := arrived[zc{c.zone, c.change}]; ok {
			out = append(out, Sample{Stage: StageZoneProxy, Zone: c.zone, Proxy: c.proxy, Key: c.key, Seconds: secs(tp.Sub(ta))})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Key != b.Key {
			return a.Key < b.Key
		}
		if a.Stage != b.Stage {
			return a.Stage < b.Stage
		}
		if a.Zone != b.Zone {
			return a.Zone < b.Zone
		}
		if a.Proxy != b.Proxy {
			return a.Proxy < b.Proxy
		}
		return a.Seconds < b.Seconds
	})
	return out
}

// secs converts a delay to seconds; clock skew between components never yields a negative delay.
func secs(d time.Duration) float64 {
	if d < 0 {
		return 0
	}
	return d.Seconds()
}
