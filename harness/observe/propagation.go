// Package observe times policy propagation end to end. It is pure: the harness feeds it what
// it recorded (global acknowledgements, zone store arrivals, proxy ACKs) and it returns the
// samples per stage.
//
// Stages: global-zone (global acknowledged the write → the zone's store has it), zone-proxy
// (the zone has it → a proxy applied a config generated from it) and end-to-end.
package observe

import (
	"sort"
	"time"
)

// Write is one acknowledged write at global.
type Write struct {
	Key     string // resource.Key.String()
	Version uint64 // the version global assigned
	Acked   time.Time
	Deleted bool
}

// Arrival is a zone store committing a write it received from global.
type Arrival struct {
	Zone     string
	Key      string
	Version  uint64 // 0 for a delete
	Deleted  bool
	Revision uint64 // the zone store's revision after the commit
	Time     time.Time
}

// Applied is a proxy ACKing a config generated at a zone store revision.
type Applied struct {
	Zone     string
	Proxy    string
	Revision uint64
	Time     time.Time
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

// Samples matches writes with their arrivals and the proxy applications they caused.
//
// A proxy application is attributed to a write when it is the proxy's first application at or
// after the zone revision where the write arrived, and before the revision where the zone's
// next write from global arrived: proxies a write did not affect are not counted.
func Samples(writes []Write, arrivals []Arrival, applied []Applied) []Sample {
	type wkey struct {
		key     string
		version uint64
		deleted bool
	}
	acked := map[wkey]time.Time{}
	for _, w := range writes {
		v := w.Version
		if w.Deleted {
			v = 0
		}
		acked[wkey{w.Key, v, w.Deleted}] = w.Acked
	}
	byZone := map[string][]Arrival{}
	for _, a := range arrivals {
		byZone[a.Zone] = append(byZone[a.Zone], a)
	}
	proxies := map[string]map[string][]Applied{} // zone → proxy → applications by revision
	for _, p := range applied {
		if proxies[p.Zone] == nil {
			proxies[p.Zone] = map[string][]Applied{}
		}
		proxies[p.Zone][p.Proxy] = append(proxies[p.Zone][p.Proxy], p)
	}
	for _, m := range proxies {
		for _, list := range m {
			sort.Slice(list, func(i, j int) bool { return list[i].Revision < list[j].Revision })
		}
	}
	var out []Sample
	zones := make([]string, 0, len(byZone))
	for z := range byZone {
		zones = append(zones, z)
	}
	sort.Strings(zones)
	for _, z := range zones {
		arr := byZone[z]
		sort.Slice(arr, func(i, j int) bool { return arr[i].Revision < arr[j].Revision })
		pnames := make([]string, 0, len(proxies[z]))
		for p := range proxies[z] {
			pnames = append(pnames, p)
		}
		sort.Strings(pnames)
		for i, a := range arr {
			t0, ok := acked[wkey{a.Key, a.Version, a.Deleted}]
			if !ok {
				continue // not a write the harness made (e.g. a resync of an older one)
			}
			out = append(out, Sample{Stage: StageGlobalZone, Zone: z, Key: a.Key, Seconds: secs(a.Time.Sub(t0))})
			next := ^uint64(0)
			if i+1 < len(arr) {
				next = arr[i+1].Revision
			}
			for _, p := range pnames {
				ap, ok := firstAtOrAfter(proxies[z][p], a.Revision)
				if !ok || ap.Revision >= next {
					continue
				}
				out = append(out,
					Sample{Stage: StageZoneProxy, Zone: z, Proxy: p, Key: a.Key, Seconds: secs(ap.Time.Sub(a.Time))},
					Sample{Stage: StageEndToEnd, Zone: z, Proxy: p, Key: a.Key, Seconds: secs(ap.Time.Sub(t0))})
			}
		}
	}
	return out
}

func firstAtOrAfter(list []Applied, rev uint64) (Applied, bool) {
	i := sort.Search(len(list), func(i int) bool { return list[i].Revision >= rev })
	if i == len(list) {
		return Applied{}, false
	}
	return list[i], true
}

// secs converts a delay to seconds; clock skew between components never yields a negative delay.
func secs(d time.Duration) float64 {
	if d < 0 {
		return 0
	}
	return d.Seconds()
}
