package docker

import (
	"net/netip"
	"testing"
)

func TestAddressing(t *testing.T) {
	a := Addressing{Block: 7}
	got, err := a.Map(netip.MustParseAddr("127.7.3.12"))
	if err != nil || got != netip.MustParseAddr("10.7.3.12") {
		t.Fatalf("Map = %v, %v", got, err)
	}
	if _, err := a.Map(netip.MustParseAddr("127.8.3.12")); err == nil {
		t.Fatal("Map accepted another block")
	}
	if _, err := a.Map(netip.MustParseAddr("127.7.3.245")); err == nil {
		t.Fatal("Map accepted a host in Docker's dynamic range")
	}
	if g := a.Gateway(3); g != netip.MustParseAddr("10.7.3.254") || !a.Subnet(3).Contains(g) {
		t.Fatalf("Gateway(3) = %v", g)
	}
	if r := a.DynamicRange(0); !a.Subnet(0).Contains(r.Addr()) || r.Contains(a.Gateway(0)) == false {
		t.Fatalf("DynamicRange(0) = %v", r)
	}
	w1, _ := a.IngressWAN(1, 0)
	w2, _ := a.IngressWAN(2, 7)
	if w1 != netip.MustParseAddr("10.7.0.2") || w2 != netip.MustParseAddr("10.7.0.17") {
		t.Fatalf("IngressWAN = %v %v", w1, w2)
	}
	last, err := a.IngressWAN(MaxZones, ingressSlots-1)
	if err != nil || last.As4()[3] >= dynamicFirst {
		t.Fatalf("last WAN ingress %v collides with the dynamic range (%v)", last, err)
	}
	if _, err := a.IngressWAN(MaxZones+1, 0); err == nil {
		t.Fatal("IngressWAN accepted too many zones")
	}
}
