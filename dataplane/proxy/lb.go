package proxy

import (
	"sort"
	"sync/atomic"

	"github.com/zonemesh/zonemesh/dataplane/config"
)

// host is one endpoint of a cluster; its health state outlives config updates.
type host struct {
	addr     string
	zone     string
	priority int
	weight   uint32
	eds      atomic.Bool // healthy per the control plane
	ejected  atomic.Bool // by outlier detection
	hcFailed atomic.Bool // by active health checking

	consec5xx, consecGw atomic.Uint32
	ejections           uint32 // guarded by cluster.mu

	rq, rqErr atomic.Uint64
}

func (h *host) healthy() bool { return h.eds.Load() && !h.ejected.Load() && !h.hcFailed.Load() }

// view is an immutable load-balancing snapshot, rebuilt whenever membership or health changes.
type view struct {
	prios []prio
	// load[p] is the share of traffic (parts per million) priority p takes, cumulative.
	cumLoad []uint32
}

type prio struct {
	hosts []*host
	cum   []uint32 // cumulative weights for weighted round robin
	total uint32
}

// buildView applies Envoy's priority spill rule: a priority's health is
// min(100, healthy% × overprovisioning/100); priorities take load in order up to their health,
// and when the healths sum below 100 the loads are scaled up to fill 100. With no healthy host
// anywhere (panic), all hosts of the first non-empty priority are used.
func buildView(hosts [][]*host, overprov uint32) *view {
	v := &view{}
	health := make([]uint64, len(hosts))
	var sum uint64
	for p, hs := range hosts {
		healthy := 0
		var pr prio
		for _, h := range hs {
			if h.healthy() && h.weight > 0 {
				healthy++
				pr.total += h.weight
				pr.hosts = append(pr.hosts, h)
				pr.cum = append(pr.cum, pr.total)
			}
		}
		if len(hs) > 0 {
			health[p] = min(100, uint64(healthy)*100*uint64(overprov)/100/uint64(len(hs)))
		}
		sum += health[p]
		v.prios = append(v.prios, pr)
	}
	if sum == 0 {
		for _, hs := range hosts {
			if len(hs) == 0 {
				continue
			}
			var pr prio
			for _, h := range hs {
				pr.total += max(h.weight, 1)
				pr.hosts = append(pr.hosts, h)
				pr.cum = append(pr.cum, pr.total)
			}
			v.prios, v.cumLoad = []prio{pr}, []uint32{1_000_000}
			return v
		}
		return v
	}
	norm := min(sum, 100)
	remaining := uint64(100)
	var cum uint64
	for p := range hosts {
		take := min(health[p], remaining)
		remaining -= take
		cum += take * 1_000_000 / norm
		v.cumLoad = append(v.cumLoad, uint32(min(cum, 1_000_000)))
	}
	// Integer rounding must not leave a gap at the top.
	v.cumLoad[len(v.cumLoad)-1] = 1_000_000
	return v
}

// pick chooses a host: a priority by load with r (0..999999), then weighted round robin by seq.
func (v *view) pick(r uint32, seq uint64) *host {
	if v == nil || len(v.cumLoad) == 0 {
		return nil
	}
	p := sort.Search(len(v.cumLoad), func(i int) bool { return r < v.cumLoad[i] })
	// Skip priorities without hosts (their load is zero unless rounding put r there).
	for ; p < len(v.prios) && v.prios[p].total == 0; p++ {
	}
	if p >= len(v.prios) {
		for p = len(v.prios) - 1; p >= 0 && v.prios[p].total == 0; p-- {
		}
		if p < 0 {
			return nil
		}
	}
	pr := &v.prios[p]
	w := uint32(seq % uint64(pr.total))
	i := sort.Search(len(pr.cum), func(i int) bool { return w < pr.cum[i] })
	return pr.hosts[i]
}

// hostsFor maps an assignment onto hosts, reusing existing ones so health state survives.
func hostsFor(a *config.Assignment, old map[string]*host) ([][]*host, map[string]*host) {
	byAddr := map[string]*host{}
	if a == nil {
		return nil, byAddr
	}
	out := make([][]*host, len(a.Priorities))
	for p, eps := range a.Priorities {
		for _, ep := range eps {
			key := ep.Address
			h := old[key]
			// Fields other than the atomics are immutable; a changed endpoint gets a new host
			// that inherits the health state.
			if h == nil || h.priority != p || h.zone != ep.Zone || h.weight != ep.Weight {
				h = &host{addr: ep.Address, zone: ep.Zone, priority: p, weight: ep.Weight}
				if o := old[key]; o != nil {
					h.ejected.Store(o.ejected.Load())
					h.hcFailed.Store(o.hcFailed.Load())
				}
			}
			h.eds.Store(ep.Healthy)
			if _, dup := byAddr[key]; dup {
				continue
			}
			byAddr[key] = h
			out[p] = append(out[p], h)
		}
	}
	return out, byAddr
}
