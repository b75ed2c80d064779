package adapter

import (
	"reflect"
	"testing"
	"time"

	"github.com/zonemesh/zonemesh/scenarios"
	"github.com/zonemesh/zonemesh/sim"
)

const withTimeline = `name: timeline-sim
topology:
  global: {}
  zones:
  - {name: zone-a, ingress: 1, services: [{name: web, replicas: 1}]}
  - {name: zone-b, ingress: 1, services: [{name: api, replicas: 1}]}
mesh: {name: default, mtls: true}
timeline:
- at: 5s
  apply: {kind: TrafficPermission, mesh: default, name: p1, spec: {destination: {service: api}, sources: [{service: "*"}], action: allow}}
- at: 10s
  fault: {name: cut-b, type: partition, link: {from: zone-b, to: global}, twoWay: false}
- fault: {name: cut-ab, type: partition, link: {from: zone-a, to: zone-b}}
- wait: {for: duration, duration: 3s}
- delete: {kind: TrafficPermission, mesh: default, name: p1}
- heal: cut-b
- heal: cut-ab
- at: 20s
  kill: {zone: zone-a, component: cp}
- at: 24s
  restart: {zone: zone-a, component: cp}
- at: 30s
  restart: {component: global}
scale:
  zones: 10
  proxiesPerZone: 10
  duration: 40s
`

func TestTimelineDrivesTheSimulation(t *testing.T) {
	s, err := scenarios.Parse("t.yaml", []byte(withTimeline))
	if err != nil {
		t.Fatal(err)
	}
	c, err := Config(s)
	if err != nil {
		t.Fatal(err)
	}
	if want := []time.Duration{5 * time.Second, 13 * time.Second}; !reflect.DeepEqual(c.Writes, want) {
		t.Errorf("writes %v, want %v", c.Writes, want)
	}
	want := []sim.Fault{
		{Kind: sim.Partition, At: 10 * time.Second, Duration: 3 * time.Second, Zones: []int{1}, OneWay: true, ToGlobal: true},
		{Kind: sim.Crash, At: 20 * time.Second, Duration: 4 * time.Second, Zones: []int{0}},
		{Kind: sim.GlobalFailover, At: 30 * time.Second, Duration: restartDowntime},
	}
	if !reflect.DeepEqual(c.Faults, want) {
		t.Errorf("faults\n got %+v\nwant %+v", c.Faults, want)
	}
	r, err := sim.Run(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range r.Faults {
		if !f.Converged {
			t.Errorf("fault %d (%s) did not converge", f.Index, f.Kind)
		}
	}
}
