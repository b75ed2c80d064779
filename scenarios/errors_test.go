package scenarios

import (
	"errors"
	"strings"
	"testing"
)

// base is a small valid scenario; cases append to or replace parts of it. Line numbers in the
// cases count from the top of the assembled text.
const baseTopology = `name: t
topology:
  zones:
  - name: zone-a
    ingress: 1
    services:
    - {name: backend, version: v1, replicas: 1}
    - {name: db, replicas: 1, protocol: tcp}
  - name: zone-b
    ingress: 1
    services:
    - {name: backend, version: v2, replicas: 1}
mesh: {name: default, mtls: true}
policies:
- {kind: TrafficPermission, name: allow, spec: {destination: {service: backend}}}
`

// lines 1-15 are baseTopology; the timeline starts at line 16.

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name string
		yaml string
		want []string // substrings of the error, including file:line and field path
	}{
		{"unknown top-level field", baseTopology + "colour: blue\n",
			[]string{"t.yaml:16: colour: unknown field \"colour\""}},
		{"unknown nested field", baseTopology + "timeline:\n- load: {from: zone-a, to: backend, rate: 5, duration: 1s, speed: 3}\n",
			[]string{"t.yaml:17: timeline[0].load.speed: unknown field \"speed\""}},
		{"bad duration", baseTopology + "timeline:\n- load:\n    from: zone-a\n    to: backend\n    rate: 5\n    duration: 10x\n",
			[]string{"t.yaml:21: timeline[0].load.duration: invalid duration \"10x\""}},
		{"bare number duration", baseTopology + "timeline:\n- at: 5\n  wait: {for: converged}\n",
			[]string{"t.yaml:17: timeline[0].at: invalid duration \"5\""}},
		{"bad type", baseTopology + "seed: many\n",
			[]string{"t.yaml:16: seed: cannot unmarshal"}},
		{"bad type in flow mapping", baseTopology + "timeline:\n- load: {from: zone-a, to: backend, rate: fast, duration: 1s}\n",
			[]string{"t.yaml:17: timeline[0].load.rate: cannot unmarshal !!str `fast`"}},
		{"syntax", "name: t\ntopology: [\n", []string{"t.yaml:", "syntax"}},
		{"empty", "", []string{"t.yaml:1: empty scenario file"}},
		{"two documents", baseTopology + "---\nname: u\n", []string{"t.yaml:16: more than one YAML document"}},
		{"missing name", strings.Replace(baseTopology, "name: t\n", "description: x\n", 1),
			[]string{"t.yaml:1: name: required"}},
		{"duplicate zone", strings.Replace(baseTopology, "name: zone-b", "name: zone-a", 1),
			[]string{"t.yaml:9: topology.zones[1].name: duplicate zone \"zone-a\""}},
		{"bad protocol", strings.Replace(baseTopology, "protocol: tcp", "protocol: udp", 1),
			[]string{"t.yaml:8: topology.zones[0].services[1].protocol: unknown protocol \"udp\""}},
		{"duplicate policy", baseTopology + "- {kind: TrafficPermission, name: allow, spec: {}}\n",
			[]string{"t.yaml:16: policies[1]: duplicate TrafficPermission \"allow\""}},
		{"policy without kind", baseTopology + "- {name: x, spec: {}}\n",
			[]string{"t.yaml:16: policies[1].kind: required"}},
		{"load to missing zone", baseTopology + "timeline:\n- load: {from: zone-z, to: backend, rate: 5, duration: 1s}\n",
			[]string{"t.yaml:17: timeline[0].load.from: no zone named \"zone-z\""}},
		{"load to missing service", baseTopology + "timeline:\n- load: {from: zone-a, to: nope, rate: 5, duration: 1s}\n",
			[]string{"t.yaml:17: timeline[0].load.to: no service named \"nope\""}},
		{"load to tcp service", baseTopology + "timeline:\n- load: {from: zone-a, to: db, rate: 5, duration: 1s}\n",
			[]string{"timeline[0].load.to: service \"db\" speaks tcp only"}},
		{"two actions", baseTopology + "timeline:\n- heal: x\n  waitLoad: y\n",
			[]string{"t.yaml:17: timeline[0]: step has 2 actions (heal, waitLoad)"}},
		{"no action", baseTopology + "timeline:\n- name: idle\n",
			[]string{"t.yaml:17: timeline[0]: step has no action"}},
		{"heal unknown fault", baseTopology + "timeline:\n- heal: part\n",
			[]string{"t.yaml:17: timeline[0].heal: no earlier fault named \"part\""}},
		{"heal twice", baseTopology + "timeline:\n- fault: {name: p, type: partition, link: {from: zone-a, to: zone-b}}\n- heal: p\n- heal: p\n",
			[]string{"t.yaml:19: timeline[2].heal: fault \"p\" is already healed"}},
		{"fault field of another type", baseTopology + "timeline:\n- fault: {name: p, type: partition, link: {from: zone-a, to: global}, latency: 5ms}\n",
			[]string{"t.yaml:17: timeline[0].fault.latency: does not apply to a partition fault"}},
		{"fault unknown type", baseTopology + "timeline:\n- fault: {name: p, type: meteor, link: {from: zone-a, to: zone-b}}\n",
			[]string{"timeline[0].fault.type: unknown fault type \"meteor\""}},
		{"fault link to itself", baseTopology + "timeline:\n- fault: {name: p, type: reset, link: {from: zone-a, to: zone-a}}\n",
			[]string{"timeline[0].fault.link.to: a link joins two different zones"}},
		{"latency without latency", baseTopology + "timeline:\n- fault: {name: p, type: latency, link: {from: zone-a, to: zone-b}}\n",
			[]string{"timeline[0].fault.latency: required and positive"}},
		{"duplicate step names", baseTopology + "timeline:\n- {name: x, wait: {for: converged}}\n- {name: x, wait: {for: converged}}\n",
			[]string{"t.yaml:18: timeline[1].name: duplicate name \"x\""}},
		{"fault name clashes with step", baseTopology + "timeline:\n- {name: p, wait: {for: converged}}\n- fault: {name: p, type: reset, link: {from: zone-a, to: zone-b}}\n",
			[]string{"t.yaml:18: timeline[1].fault.name: duplicate name \"p\""}},
		{"delete unknown", baseTopology + "timeline:\n- delete: {kind: HTTPRoute, name: nope}\n",
			[]string{"t.yaml:17: timeline[0].delete: HTTPRoute \"nope\" is not in policies"}},
		{"kill service missing", baseTopology + "timeline:\n- kill: {zone: zone-b, component: service, service: db}\n",
			[]string{"timeline[0].kill.service: zone zone-b has no service \"db\""}},
		{"restart global with zone", baseTopology + "timeline:\n- restart: {component: global, zone: zone-a}\n",
			[]string{"timeline[0].restart: component global takes no zone"}},
		{"scale missing zone", baseTopology + "timeline:\n- scale: {zone: zone-q, service: backend, replicas: 0}\n",
			[]string{"timeline[0].scale.zone: no zone named \"zone-q\""}},
		{"wait offline without zone", baseTopology + "timeline:\n- wait: {for: zoneOffline}\n",
			[]string{"timeline[0].wait.zone: required"}},
		{"waitLoad not a load", baseTopology + "timeline:\n- {name: w, wait: {for: converged}}\n- waitLoad: w\n",
			[]string{"t.yaml:18: timeline[1].waitLoad: no earlier load step named \"w\""}},
		{"check missing load", baseTopology + "checks:\n- {name: c, type: errorRate, load: nope, max: 0.01}\n",
			[]string{"t.yaml:17: checks[0].load: no load step named \"nope\""}},
		{"check bad ratio", baseTopology + "timeline:\n- {name: l, load: {from: zone-a, to: backend, rate: 5, duration: 1s}}\nchecks:\n- {name: c, type: errorRate, load: l, max: 5ms}\n",
			[]string{"t.yaml:19: checks[0].max: invalid ratio \"5ms\""}},
		{"check bad duration bound", baseTopology + "checks:\n- {name: c, type: propagation, stage: end-to-end, quantile: 0.99, max: 0.5}\n",
			[]string{"t.yaml:17: checks[0].max: invalid duration \"0.5\""}},
		{"check recovery dangling", baseTopology + "checks:\n- {name: c, type: recovery, after: gone, max: 1s}\n",
			[]string{"checks[0].after: no step or fault named \"gone\""}},
		{"check window dangling", baseTopology + "timeline:\n- {name: l, load: {from: zone-a, to: backend, rate: 5, duration: 1s}}\nchecks:\n- name: c\n  type: errorRate\n  load: l\n  max: 0.1\n  window: {from: l, to: never}\n",
			[]string{"t.yaml:23: checks[0].window.to: no step or fault named \"never\""}},
		{"duplicate check", baseTopology + "checks:\n- {name: c, type: propagation, stage: end-to-end, quantile: 0.9, max: 1s}\n- {name: c, type: propagation, stage: end-to-end, quantile: 0.9, max: 1s}\n",
			[]string{"t.yaml:18: checks[1].name: duplicate check \"c\""}},
		{"check field of another type", baseTopology + "checks:\n- {name: c, type: propagation, stage: end-to-end, quantile: 0.9, max: 1s, zone: zone-a}\n",
			[]string{"checks[0].zone: does not apply to a propagation check"}},
		{"scale unknown dist field", baseTopology + "scale:\n  zones: 3\n  proxiesPerZone: {dist: const, value: 3, mode: 2}\n  duration: 1m\n",
			[]string{"t.yaml:18: scale.proxiesPerZone.mode: unknown field \"mode\""}},
		{"scale bad dist", baseTopology + "scale:\n  zones: 3\n  proxiesPerZone: {dist: zipf}\n  duration: 1m\n",
			[]string{"scale.proxiesPerZone.dist: unknown distribution \"zipf\""}},
		{"scale event two kinds", baseTopology + "scale:\n  zones: 3\n  proxiesPerZone: 10\n  duration: 1m\n  events:\n  - {at: 1s, crash: {share: 0.1, downtime: 1s}, globalFailover: {downtime: 1s}}\n",
			[]string{"t.yaml:21: scale.events[0]: an event has exactly one of"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse("t.yaml", []byte(tc.yaml))
			if err == nil {
				t.Fatalf("no error; parsed %+v", s)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error does not wrap ErrInvalid: %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\ndoes not contain %q", err, w)
				}
			}
		})
	}
}

func TestParseValidDefaults(t *testing.T) {
	src := baseTopology + `timeline:
- {name: l, load: {from: zone-a, to: backend, rate: 5, duration: 1s}}
- fault: {name: p, type: flap, link: {from: zone-a, to: global}, period: 2s, twoWay: false, duration: 10s}
- wait: {for: duration, duration: 1s}
- heal: p
checks:
- {name: share, type: trafficShare, load: l, zone: zone-a, min: 0.2, max: 0.8}
- {name: rec, type: recovery, after: p, max: 5s}
scale:
  zones: 10
  proxiesPerZone: 100
  wan: {latency: 40ms}
  duration: 1m
`
	s, err := Parse("ok.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if s.Seed != 1 || s.Mesh.Name != "default" {
		t.Errorf("defaults: seed %d mesh %q", s.Seed, s.Mesh.Name)
	}
	if got := s.Topology.Zones[0].Services[0].Protocol; got != ProtocolHTTP {
		t.Errorf("default protocol %q", got)
	}
	f := s.Timeline[1].Fault
	if f.IsTwoWay() || f.Period.D().Seconds() != 2 || f.Link.Name() != "zone-a→global" {
		t.Errorf("fault decoded as %+v", f)
	}
	if s.Timeline[1].Action() != ActionFault || s.Timeline[3].Action() != ActionHeal {
		t.Errorf("actions %q %q", s.Timeline[1].Action(), s.Timeline[3].Action())
	}
	if c := s.Checks[0]; c.Min.Ratio() != 0.2 || c.Max.Ratio() != 0.8 {
		t.Errorf("share bounds %v %v", c.Min.Ratio(), c.Max.Ratio())
	}
	if c := s.Checks[1]; c.Max.Duration().Seconds() != 5 {
		t.Errorf("recovery bound %v", c.Max.Duration())
	}
	if d := s.Scale.ProxiesPerZone; d.Dist != DistConst || d.Value != 100 {
		t.Errorf("plain number dist decoded as %+v", d)
	}
	if l := s.Scale.WAN.Latency; l.Dist != DistConst || l.Value.D().Milliseconds() != 40 {
		t.Errorf("plain duration dist decoded as %+v", l)
	}
}

func TestResourceRaw(t *testing.T) {
	s, err := Parse("r.yaml", []byte(baseTopology))
	if err != nil {
		t.Fatal(err)
	}
	r := s.Policies[0]
	if r.Kind != "TrafficPermission" || r.Name != "allow" || r.Line != 15 {
		t.Fatalf("resource header %+v", r)
	}
	js, err := r.JSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"kind":"TrafficPermission","name":"allow","spec":{"destination":{"service":"backend"}}}`
	if string(js) != want {
		t.Errorf("JSON\n got %s\nwant %s", js, want)
	}
	y, err := r.YAML()
	if err != nil || !strings.Contains(string(y), "service: backend") {
		t.Errorf("YAML %q %v", y, err)
	}
}
