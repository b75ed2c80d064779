package docker

import (
	"fmt"
	"net/netip"
)

// Addressing maps the plan's loopback addresses (127.B.z.h, see topology.Addressing) onto the
// Docker networks of a run: zone z gets 10.B.z.0/24 and the WAN is 10.B.0.0/24, so a component
// keeps its zone and host number. Host .254 is each network's gateway (the host side, where
// fault links listen for containers); .240–.253 are left to Docker for endpoints without a fixed
// address (an ingress's zone side, fake proxies).
type Addressing struct {
	Block byte
}

// Limits of the docker addressing.
const (
	gatewayHost  = 254
	dynamicFirst = 240 // first host of the range Docker assigns from
	wanIngress0  = 2   // first WAN host of ingresses
	ingressSlots = 8   // per zone on the WAN (topology allows 8 ingress replicas)
	// MaxZones is how many docker zones fit on the WAN with 8 ingress slots each.
	MaxZones = (dynamicFirst - wanIngress0) / ingressSlots
)

func (a Addressing) ip(net, host int) netip.Addr {
	return netip.AddrFrom4([4]byte{10, a.Block, byte(net), byte(host)})
}

// Subnet is zone idx's network (idx ≥ 1) or the WAN (idx 0).
func (a Addressing) Subnet(idx int) netip.Prefix { return netip.PrefixFrom(a.ip(idx, 0), 24) }

// Gateway is the host's address on zone idx's network (idx 0: the WAN).
func (a Addressing) Gateway(idx int) netip.Addr { return a.ip(idx, gatewayHost) }

// DynamicRange is the part of a network Docker assigns addresses from.
func (a Addressing) DynamicRange(idx int) netip.Prefix {
	return netip.PrefixFrom(a.ip(idx, dynamicFirst), 28)
}

// Map turns a plan address 127.B.z.h into the container address 10.B.z.h on zone z's network
// (z 0: the WAN, where global lives).
func (a Addressing) Map(plan netip.Addr) (netip.Addr, error) {
	b := plan.As4()
	if !plan.Is4() || b[0] != 127 || b[1] != a.Block {
		return netip.Addr{}, fmt.Errorf("docker: plan address %s is not in block 127.%d.0.0/16", plan, a.Block)
	}
	if b[3] == 0 || b[3] >= dynamicFirst {
		return netip.Addr{}, fmt.Errorf("docker: plan address %s: host %d outside 1..%d", plan, b[3], dynamicFirst-1)
	}
	return a.ip(int(b[2]), int(b[3])), nil
}

// IngressWAN is the WAN address of ingress replica j of zone idx: where other zones reach it.
func (a Addressing) IngressWAN(idx, j int) (netip.Addr, error) {
	if idx < 1 || idx > MaxZones {
		return netip.Addr{}, fmt.Errorf("docker: zone index %d: the WAN holds ingresses of zones 1..%d", idx, MaxZones)
	}
	if j < 0 || j >= ingressSlots {
		return netip.Addr{}, fmt.Errorf("docker: ingress replica %d out of range 0..%d", j, ingressSlots-1)
	}
	return a.ip(0, wanIngress0+(idx-1)*ingressSlots+j), nil
}
