// Package topology turns a scenario's topology into a plan: every component of the run with
// its name, zone and addresses. It is pure: backends read the plan and bring it up.
package topology

import (
	"fmt"
	"net/netip"

	"github.com/zonemesh/zonemesh/scenarios"
)

// Kind is what a component is.
type Kind string

const (
	Global      Kind = "global"
	ZoneCP      Kind = "cp"
	Ingress     Kind = "ingress"
	Instance    Kind = "service"
	FakeProxies Kind = "fakeproxies"
)

// Plan is every component of a run.
type Plan struct {
	Mesh   string
	MTLS   bool
	Global Component
	Zones  []*Zone
}

// Zone is one zone of the plan.
type Zone struct {
	Name    string
	Index   int // 1-based
	Backend string
	CP      Component
	Ingress []Component
	// Instances holds every service replica, in the scenario's order.
	Instances   []*InstanceSpec
	FakeProxies int
}

// Component is one process (or container) of the run.
type Component struct {
	Name    string // unique in the run, e.g. "zone-a/cp", "zone-a/backend-v2-0"
	Kind    Kind
	Zone    string
	Backend string
	// IP is the address the component binds (its own loopback address on the process backend).
	IP netip.Addr
}

// InstanceSpec is one replica of a service: an echo app and its sidecar.
type InstanceSpec struct {
	Component
	Service  string
	Version  string
	Protocol string
	Replica  int
}

// Addressing gives each zone its own address block. The process backend uses 127.B.z.0/24
// for zone z (1-based) and 127.B.0.0/24 for global; B is chosen per run so runs side by side
// do not collide.
type Addressing struct {
	Block byte // second octet, 1..254
}

func (a Addressing) ip(zone, host int) netip.Addr {
	return netip.AddrFrom4([4]byte{127, a.Block, byte(zone), byte(host)})
}

// Limits of the addressing scheme.
const (
	MaxZones      = 200
	maxIngress    = 8
	firstInstance = 10
	maxInstances  = 240
)

// Build makes the plan of a scenario.
func Build(s *scenarios.Scenario, a Addressing) (*Plan, error) {
	if a.Block == 0 || a.Block == 255 {
		return nil, fmt.Errorf("topology: address block %d out of range 1..254", a.Block)
	}
	if n := len(s.Topology.Zones); n > MaxZones {
		return nil, fmt.Errorf("topology: %d zones; the process addressing holds %d", n, MaxZones)
	}
	mesh := s.Mesh.Name
	if mesh == "" {
		mesh = "default"
	}
	gb := s.Topology.Global.Backend
	if gb == "" {
		gb = s.Topology.Backend
	}
	if gb == "" {
		gb = scenarios.BackendProcess
	}
	p := &Plan{Mesh: mesh, MTLS: s.Mesh.MTLS, Global: Component{Name: "global", Kind: Global, Backend: gb, IP: a.ip(0, 1)}}
	for i := range s.Topology.Zones {
		z := &s.Topology.Zones[i]
		idx := i + 1
		be := s.Topology.ZoneBackend(z)
		pz := &Zone{Name: z.Name, Index: idx, Backend: be, FakeProxies: z.FakeProxies,
			CP: Component{Name: z.Name + "/cp", Kind: ZoneCP, Zone: z.Name, Backend: be, IP: a.ip(idx, 1)}}
		if z.Ingress > maxIngress {
			return nil, fmt.Errorf("topology: zone %s: %d ingress replicas; at most %d", z.Name, z.Ingress, maxIngress)
		}
		for j := 0; j < z.Ingress; j++ {
			pz.Ingress = append(pz.Ingress, Component{Name: fmt.Sprintf("%s/ingress-%d", z.Name, j), Kind: Ingress, Zone: z.Name, Backend: be, IP: a.ip(idx, 2+j)})
		}
		n := 0
		for _, svc := range z.Services {
			for r := 0; r < svc.Replicas; r++ {
				if n >= maxInstances {
					return nil, fmt.Errorf("topology: zone %s: more than %d service instances", z.Name, maxInstances)
				}
				pz.Instances = append(pz.Instances, pz.newInstance(svc, r, a.ip(idx, firstInstance+n)))
				n++
			}
		}
		p.Zones = append(p.Zones, pz)
	}
	return p, nil
}

func (z *Zone) newInstance(svc scenarios.Service, replica int, ip netip.Addr) *InstanceSpec {
	ver := svc.Version
	proto := svc.Protocol
	if proto == "" {
		proto = scenarios.ProtocolHTTP
	}
	name := svc.Name
	if ver != "" {
		name += "-" + ver
	}
	return &InstanceSpec{
		Component: Component{Name: fmt.Sprintf("%s/%s-%d", z.Name, name, replica), Kind: Instance, Zone: z.Name, Backend: z.Backend, IP: ip},
		Service:   svc.Name, Version: ver, Protocol: proto, Replica: replica,
	}
}

// Zone returns the zone named n, or nil.
func (p *Plan) Zone(n string) *Zone {
	for _, z := range p.Zones {
		if z.Name == n {
			return z
		}
	}
	return nil
}

// NextInstanceIP returns a free address for a new replica in zone z (for scale-up).
func (z *Zone) NextInstanceIP(a Addressing) (netip.Addr, error) {
	used := map[netip.Addr]bool{}
	for _, in := range z.Instances {
		used[in.IP] = true
	}
	for h := firstInstance; h < firstInstance+maxInstances; h++ {
		if ip := a.ip(z.Index, h); !used[ip] {
			return ip, nil
		}
	}
	return netip.Addr{}, fmt.Errorf("zone %s: no free instance address", z.Name)
}

// AddInstance adds a replica of service svc (scale-up) and returns it.
func (z *Zone) AddInstance(a Addressing, svc scenarios.Service, replica int) (*InstanceSpec, error) {
	ip, err := z.NextInstanceIP(a)
	if err != nil {
		return nil, err
	}
	in := z.newInstance(svc, replica, ip)
	z.Instances = append(z.Instances, in)
	return in, nil
}
