package process

import (
	"strconv"
	"sync"

	"github.com/zonemesh/zonemesh/harness/topology"
)

// DNSPort is where an instance's sidecar serves DNS when Options.DNS is on: <instance IP>:15053
// (port 53 would need root).
const DNSPort = 15053

// VIPPortBase is the first VIP listener port. Processes share the host's network namespace, so
// every sidecar sees the same service VIPs: each takes a port of its own, counted up from here,
// or two sidecars would bind the same VIP:port. (A docker pod has its namespace and uses 80.)
const VIPPortBase = 16001

// vipPorts hands out one VIP port per instance, the same again when it restarts.
type vipPorts struct {
	mu     sync.Mutex
	byName map[string]int
}

func (v *vipPorts) port(name string) int {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.byName == nil {
		v.byName = map[string]int{}
	}
	p, ok := v.byName[name]
	if !ok {
		p = VIPPortBase + len(v.byName)
		v.byName[name] = p
	}
	return p
}

// dnsArgs are the sidecar flags that turn its DNS and VIP listeners on (none unless Options.DNS).
func (b *Backend) dnsArgs(in *topology.InstanceSpec) []string {
	if !b.opts.DNS {
		return nil
	}
	return []string{"--dns-addr", hostPort(in.IP, DNSPort), "--vip-port", strconv.Itoa(b.vips.port(in.Name))}
}

// DNS returns where an instance's app resolves `<service>.mesh` and the port it then calls the
// VIP on; ok is false unless Options.DNS is on.
func (b *Backend) DNS(in *topology.InstanceSpec) (addr string, vipPort int, ok bool) {
	if !b.opts.DNS {
		return "", 0, false
	}
	return hostPort(in.IP, DNSPort), b.vips.port(in.Name), true
}
