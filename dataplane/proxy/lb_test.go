package proxy

import (
	"testing"

	"github.com/zonemesh/zonemesh/dataplane/config"
)

func assignment(prios ...[]bool) *config.Assignment {
	a := &config.Assignment{Overprovisioning: 140}
	for p, hs := range prios {
		var eps []config.Endpoint
		for i, healthy := range hs {
			eps = append(eps, config.Endpoint{Address: string(rune('a'+p)) + string(rune('0'+i)), Weight: 1, Healthy: healthy})
		}
		a.Priorities = append(a.Priorities, eps)
	}
	return a
}

// shares draws every point of the load range once and counts the priority each lands on.
func shares(v *view) map[int]int {
	got := map[int]int{}
	for r := uint32(0); r < 1_000_000; r += 100 {
		if h := v.pick(r, uint64(r)); h != nil {
			got[h.priority]++
		}
	}
	return got
}

// TestSpillRule checks Envoy's priority load: with overprovisioning 1.4, priority 0 keeps all
// traffic while ≥ 72% of it is healthy, and spills the rest in proportion below that.
func TestSpillRule(t *testing.T) {
	for _, tc := range []struct {
		name  string
		a     *config.Assignment
		want0 int // per 10,000 draws
	}{
		{"all healthy", assignment([]bool{true, true, true, true}, []bool{true}), 10000},
		{"3 of 4 healthy (105%)", assignment([]bool{true, true, true, false}, []bool{true}), 10000},
		{"1 of 2 healthy (70%)", assignment([]bool{true, false}, []bool{true}), 7000},
		{"none healthy", assignment([]bool{false, false}, []bool{true}), 0},
	} {
		hosts, _ := hostsFor(tc.a, nil)
		got := shares(buildView(hosts, tc.a.Overprovisioning))
		if got[0] != tc.want0 || got[0]+got[1] != 10000 {
			t.Errorf("%s: priority shares %v, want %d on priority 0", tc.name, got, tc.want0)
		}
	}
	// With no healthy host anywhere (panic), hosts are used anyway rather than failing.
	a := assignment([]bool{false}, []bool{false})
	hosts, _ := hostsFor(a, nil)
	if h := buildView(hosts, 140).pick(5, 0); h == nil {
		t.Fatal("panic mode picked nothing")
	}
	// Health state survives a new assignment of the same endpoints.
	a = assignment([]bool{true, true})
	hosts, by := hostsFor(a, nil)
	hosts[0][0].ejected.Store(true)
	_, by2 := hostsFor(a, by)
	if !by2[hosts[0][0].addr].ejected.Load() {
		t.Fatal("ejection lost across an update")
	}
}

func TestWeightedRoundRobin(t *testing.T) {
	a := &config.Assignment{Overprovisioning: 140, Priorities: [][]config.Endpoint{{
		{Address: "x", Weight: 3, Healthy: true}, {Address: "y", Weight: 1, Healthy: true}}}}
	hosts, _ := hostsFor(a, nil)
	v := buildView(hosts, 140)
	got := map[string]int{}
	for i := uint64(0); i < 400; i++ {
		got[v.pick(0, i).addr]++
	}
	if got["x"] != 300 || got["y"] != 100 {
		t.Fatalf("weights 3:1 gave %v", got)
	}
}
