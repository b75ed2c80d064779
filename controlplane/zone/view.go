package zone

import (
	"context"
	"net"
	"strconv"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
)

// ingressView is the zone's network view of other zones' ingresses: where an entry exists,
// a remote ZoneIngress's advertised address is replaced by the address this zone reaches it
// at (a NAT, or the harness's per-link fault proxy). Entries are keyed by the ingress's
// advertised "host:port" (one ingress replica) or by its zone name (every replica). Reads and events are rewritten; writes
// pass through untouched, so what is synced back to global is never rewritten.
type ingressView struct {
	store.Store
	zone  string
	addrs map[string]string // advertised host:port or zone → host:port
}

func (v *ingressView) rewrite(r *resource.Resource) *resource.Resource {
	if r == nil || r.Kind != resource.KindZoneIngress {
		return r
	}
	spec := r.Spec.(*resource.ZoneIngressSpec)
	if spec.Zone == v.zone {
		return r
	}
	ah, ap := spec.Networking.Advertised()
	addr, ok := v.addrs[net.JoinHostPort(ah, strconv.Itoa(ap))]
	if !ok {
		addr, ok = v.addrs[spec.Zone]
	}
	if !ok {
		return r
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return r
	}
	p, _ := strconv.Atoi(port)
	// Store events may share the resource between subscribers: rewrite a copy.
	r = r.Clone()
	spec = r.Spec.(*resource.ZoneIngressSpec)
	spec.Networking.AdvertisedAddress, spec.Networking.AdvertisedPort = host, p
	return r
}

func (v *ingressView) Get(ctx context.Context, key resource.Key) (*resource.Resource, error) {
	r, err := v.Store.Get(ctx, key)
	return v.rewrite(r), err
}

func (v *ingressView) List(ctx context.Context, kind resource.Kind, mesh string) ([]*resource.Resource, error) {
	rs, err := v.Store.List(ctx, kind, mesh)
	for _, r := range rs {
		v.rewrite(r)
	}
	return rs, err
}

func (v *ingressView) Subscribe(fn func(store.Event)) func() {
	return v.Store.Subscribe(func(ev store.Event) {
		ev.Resource = v.rewrite(ev.Resource)
		fn(ev)
	})
}
