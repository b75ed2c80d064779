package adapter

import (
	"fmt"
	"time"

	"github.com/zonemesh/zonemesh/scenarios"
	"github.com/zonemesh/zonemesh/sim"
)

// restartDowntime is how long a restart of a running component keeps it down.
const restartDowntime = time.Second

// outage is a fault opened by a timeline step and closed by a heal, a restart, its own
// duration or the end of the run.
type outage struct {
	fault sim.Fault
	open  bool
}

// timeline maps the scenario's timeline onto the simulation, so the file that `zonemesh run`
// runs also drives `zonemesh sim`. A step starts at its `at` or when the previous one did,
// whichever is later (waits on conditions take no simulated time, sleeps do). Topology zone i
// is simulated zone i. What the simulator models is mapped: apply/delete → a policy write,
// a zone↔global partition (one- or two-way) → a partition of that zone, kill/restart of a zone
// CP → a crash, kill/restart of global → a global failover. Data-plane faults (zone↔zone links,
// ingress, services, load) have no counterpart and are left out.
func timeline(s *scenarios.Scenario, c *sim.Config) error {
	zone := map[string]int{}
	for i, z := range s.Topology.Zones {
		zone[z.Name] = i
	}
	lookup := func(field, name string) (int, error) {
		i, ok := zone[name]
		if !ok || i >= c.Zones {
			return 0, fmt.Errorf("%s: zone %q is not one of the %d simulated zones (topology zones map to zone-1 … in order)", field, name, c.Zones)
		}
		return i, nil
	}
	var out []*outage
	named := map[string]*outage{}
	crashes := map[int]*outage{} // by zone, -1 for global
	closeAt := func(o *outage, t time.Duration) {
		if o != nil && o.open {
			o.open = false
			o.fault.Duration = max(t-o.fault.At, time.Millisecond)
		}
	}
	var t time.Duration
	for i, st := range s.Timeline {
		field := fmt.Sprintf("timeline[%d]", i)
		if st.At != nil {
			t = max(t, st.At.D())
		}
		if t > c.Duration {
			break
		}
		switch {
		case st.Apply != nil || st.Delete != nil:
			c.Writes = append(c.Writes, t)
		case st.Wait != nil && st.Wait.For == scenarios.WaitDuration:
			t += st.Wait.Duration.D()
		case st.Fault != nil && st.Fault.Type == scenarios.FaultPartition && st.Fault.Link.To == scenarios.LinkGlobal:
			z, err := lookup(field+".fault.link.from", st.Fault.Link.From)
			if err != nil {
				return err
			}
			o := &outage{open: true, fault: sim.Fault{Kind: sim.Partition, At: t, Zones: []int{z},
				OneWay: !st.Fault.IsTwoWay(), ToGlobal: true}}
			if d := st.Fault.Duration.D(); d > 0 {
				o.fault.Duration, o.open = d, false
			}
			named[st.Fault.Name] = o
			out = append(out, o)
		case st.Heal != "":
			closeAt(named[st.Heal], t)
		case st.Kill != nil || st.Restart != nil:
			ref, kill := st.Kill, st.Kill != nil
			if !kill {
				ref = st.Restart
			}
			key, kind := -1, sim.GlobalFailover
			switch ref.Component {
			case scenarios.ComponentGlobal:
			case scenarios.ComponentCP:
				z, err := lookup(field+".zone", ref.Zone)
				if err != nil {
					return err
				}
				key, kind = z, sim.Crash
			default:
				continue
			}
			if o := crashes[key]; o != nil && o.open {
				if !kill {
					closeAt(o, t)
				}
				continue // killing what is down changes nothing
			}
			o := &outage{open: kill, fault: sim.Fault{Kind: kind, At: t}}
			if key >= 0 {
				o.fault.Zones = []int{key}
			}
			if !kill {
				o.fault.Duration = restartDowntime // a restart of a running component
			}
			crashes[key] = o
			out = append(out, o)
		}
	}
	for _, o := range out {
		closeAt(o, c.Duration)
		c.Faults = append(c.Faults, o.fault)
	}
	return nil
}
