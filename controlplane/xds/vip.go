package xds

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"net/netip"
	"sort"
	"strconv"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/zonemesh/zonemesh/controlplane/resource"
)

// DefaultVIPCIDR is where service virtual IPs come from unless the zone is told otherwise. All of
// 127/8 is local on Linux, so a sidecar binds 127.64.x.y:port with no address configuration,
// iptables or NET_ADMIN; /10 keeps clear of 127.0.0.0/16 where the harness places instances.
var DefaultVIPCIDR = netip.MustParsePrefix("127.64.0.0/10")

// VIPPortLabel on a Dataplane asks for one outbound listener per service VIP on that port (a pod
// sharing one network namespace uses 80; processes sharing the host's need one port each). A
// dataplane without it gets no VIP listeners, as a Kuma dataplane without transparent proxying.
const VIPPortLabel = "zonemesh.vip-port"

// DNSMetadataKey is the listener filter_metadata key whose "names" list holds the DNS names the
// sidecar's DNS server answers with the listener's address.
const DNSMetadataKey = "zonemesh.dns"

// ErrVIPExhausted is returned when a zone knows more services than the VIP CIDR has addresses.
var ErrVIPExhausted = errors.New("xds: VIP range exhausted")

// VIPKey names a service of a mesh.
type VIPKey struct{ Mesh, Service string }

// AllocateVIPs gives every key one address of cidr (IPv4), never the same twice.
//
// Why it is stable: a service's home address is a hash of its mesh and name, so it depends on
// nothing else, and a zone CP that restarts derives the same table from the same services with
// nothing persisted. Two passes keep it stable as services come and go: first every service takes
// its home address (if two hash alike, the one first by mesh/name wins); only then do the losers
// probe upwards for a free address. So a service whose home address no one else hashes to keeps
// it whatever the other services are; only a service displaced by a hash collision (rare: the
// default /10 has 4M addresses) can move when the set changes.
func AllocateVIPs(cidr netip.Prefix, keys []VIPKey) (map[VIPKey]netip.Addr, error) {
	if !cidr.IsValid() || !cidr.Addr().Is4() {
		return nil, fmt.Errorf("xds: vip cidr %s: want an IPv4 prefix", cidr)
	}
	cidr = cidr.Masked()
	base := binary.BigEndian.Uint32(cidr.Addr().AsSlice())
	size := uint64(1) << (32 - cidr.Bits())
	// Offset 0 (the network address) is never handed out: 127.64.0.0 reads as "no address".
	usable := size - 1
	sorted := append([]VIPKey(nil), keys...)
	sort.Slice(sorted, func(i, j int) bool {
		if sorted[i].Mesh != sorted[j].Mesh {
			return sorted[i].Mesh < sorted[j].Mesh
		}
		return sorted[i].Service < sorted[j].Service
	})
	sorted = dedupKeys(sorted)
	if uint64(len(sorted)) > usable {
		return nil, fmt.Errorf("%w: %d services, %s has %d usable addresses", ErrVIPExhausted, len(sorted), cidr, usable)
	}
	taken := make(map[uint64]bool, len(sorted))
	out := make(map[VIPKey]netip.Addr, len(sorted))
	at := func(off uint64) netip.Addr {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], base+uint32(off))
		return netip.AddrFrom4(b)
	}
	var losers []VIPKey
	for _, k := range sorted {
		off := home(k, usable)
		if taken[off] {
			losers = append(losers, k)
			continue
		}
		taken[off] = true
		out[k] = at(off)
	}
	for _, k := range losers {
		off := home(k, usable)
		for taken[off] {
			off = off%usable + 1 // 1..usable, wrapping; terminates: len(sorted) <= usable
		}
		taken[off] = true
		out[k] = at(off)
	}
	return out, nil
}

// home is a key's preferred offset in 1..usable.
func home(k VIPKey, usable uint64) uint64 {
	h := fnv.New64a()
	h.Write([]byte(k.Mesh))
	h.Write([]byte{0})
	h.Write([]byte(k.Service))
	return h.Sum64()%usable + 1
}

func dedupKeys(s []VIPKey) []VIPKey {
	out := s[:0]
	for i, k := range s {
		if i == 0 || k != s[i-1] {
			out = append(out, k)
		}
	}
	return out
}

// VIPs returns the zone's VIP table: every service of every mesh the zone can reach. It is
// computed once per Inputs.
func (in *Inputs) VIPs() (map[VIPKey]netip.Addr, error) {
	in.vipOnce.Do(func() {
		var keys []VIPKey
		for mesh := range in.meshes {
			for _, svc := range in.Services(mesh) {
				keys = append(keys, VIPKey{Mesh: mesh, Service: svc})
			}
		}
		cidr := in.vipCIDR
		if !cidr.IsValid() {
			cidr = DefaultVIPCIDR
		}
		in.vips, in.vipErr = AllocateVIPs(cidr, keys)
		in.vipTCP = in.tcpServices()
	})
	return in.vips, in.vipErr
}

// VIPPort returns the port a dataplane asked VIP listeners on (0: none).
func VIPPort(r *resource.Resource) (int, error) {
	v, ok := r.Labels[VIPPortLabel]
	if !ok {
		return 0, nil
	}
	p, err := strconv.Atoi(v)
	if err != nil || p < 1 || p > 65535 {
		return 0, fmt.Errorf("label %s=%q: want a port 1-65535", VIPPortLabel, v)
	}
	return p, nil
}

// DNSNames are the names a sidecar's DNS answers with a service's VIP: `<service>.mesh` and the
// SNI form `<service>.<mesh>.mesh`.
func DNSNames(mesh, service string) []string {
	return []string{service + ".mesh", SNI(mesh, service, "")}
}

// tcpServices lists the services whose instances declare protocol tcp, on a local inbound or in
// a remote ingress's available services; every other service is outbound HTTP (the default).
func (in *Inputs) tcpServices() map[VIPKey]bool {
	out := map[VIPKey]bool{}
	for _, dp := range in.dataplanes {
		for _, ib := range dp.Spec.(*resource.DataplaneSpec).Networking.Inbound {
			if ib.Tags[resource.TagProtocol] == resource.ProtocolTCP {
				out[VIPKey{Mesh: dp.Mesh, Service: ib.Service()}] = true
			}
		}
	}
	for _, ing := range in.ingresses {
		for _, as := range ing.Spec.(*resource.ZoneIngressSpec).AvailableServices {
			if as.Tags[resource.TagProtocol] == resource.ProtocolTCP {
				out[VIPKey{Mesh: as.Mesh, Service: as.Tags[resource.TagService]}] = true
			}
		}
	}
	return out
}

// vipListeners are a sidecar's outbound listeners on every VIP of its mesh at port: HTTP services
// through their per-service route config, TCP services straight to their cluster, each carrying
// its DNS names in metadata for the sidecar's DNS server. sh is the mesh's shared part, whose
// clusters these listeners use.
func (in *Inputs) vipListeners(mesh string, port int, sh *outboundPart) ([]*listenerv3.Listener, []*routev3.RouteConfiguration, error) {
	vips, err := in.VIPs()
	if err != nil {
		return nil, nil, err
	}
	var ls []*listenerv3.Listener
	var rcs []*routev3.RouteConfiguration
	for _, svc := range in.Services(mesh) {
		k := VIPKey{Mesh: mesh, Service: svc}
		vip := vips[k].String()
		name := VIPListenerName(vip, port)
		var f *listenerv3.Filter
		if in.vipTCP[k] {
			f = tcpProxyFilter(name, svc)
		} else {
			rc := sh.serviceRoutes()[svc]
			rcs = append(rcs, rc)
			f = hcmFilter(&hcmv3.HttpConnectionManager{
				StatPrefix: name,
				CodecType:  hcmv3.HttpConnectionManager_AUTO,
				RouteSpecifier: &hcmv3.HttpConnectionManager_Rds{Rds: &hcmv3.Rds{
					RouteConfigName: rc.Name, ConfigSource: ads()}},
				HttpFilters: []*hcmv3.HttpFilter{routerFilter()},
			})
		}
		ls = append(ls, &listenerv3.Listener{
			Name:             name,
			Address:          socketAddress(vip, port),
			FilterChains:     []*listenerv3.FilterChain{{Filters: []*listenerv3.Filter{f}}},
			TrafficDirection: corev3.TrafficDirection_OUTBOUND,
			Metadata:         dnsMetadata(DNSNames(mesh, svc)),
		})
	}
	return ls, rcs, nil
}

func dnsMetadata(names []string) *corev3.Metadata {
	vs := make([]*structpb.Value, len(names))
	for i, n := range names {
		vs[i] = structpb.NewStringValue(n)
	}
	return &corev3.Metadata{FilterMetadata: map[string]*structpb.Struct{
		DNSMetadataKey: {Fields: map[string]*structpb.Value{"names": structpb.NewListValue(&structpb.ListValue{Values: vs})}}}}
}

// ListenerDNSNames reads the names DNSMetadataKey gives a listener (nil when none).
func ListenerDNSNames(l *listenerv3.Listener) []string {
	st := l.GetMetadata().GetFilterMetadata()[DNSMetadataKey]
	var out []string
	for _, v := range st.GetFields()["names"].GetListValue().GetValues() {
		out = append(out, v.GetStringValue())
	}
	return out
}

// validateListeners checks what the proxy would refuse or get wrong across listeners: two
// listeners on one address, a DNS name given to two listeners, or a DNS name on a listener whose
// address is not an IP the name could resolve to.
func validateListeners(ls []*listenerv3.Listener) []error {
	var errs []error
	addrs := map[string]string{}
	names := map[string]string{}
	for _, l := range ls {
		sa := l.GetAddress().GetSocketAddress()
		a := sa.GetAddress() + ":" + strconv.Itoa(int(sa.GetPortValue()))
		if prev, dup := addrs[a]; dup {
			errs = append(errs, fmt.Errorf("listener %q: address %s already used by listener %q", l.Name, a, prev))
		}
		addrs[a] = l.Name
		dns := ListenerDNSNames(l)
		if len(dns) == 0 {
			continue
		}
		if _, err := netip.ParseAddr(sa.GetAddress()); err != nil {
			errs = append(errs, fmt.Errorf("listener %q: DNS names on address %q, which is not an IP", l.Name, sa.GetAddress()))
		}
		for _, n := range dns {
			if prev, dup := names[n]; dup {
				errs = append(errs, fmt.Errorf("listener %q: DNS name %q already given to listener %q", l.Name, n, prev))
			}
			names[n] = l.Name
		}
	}
	return errs
}
