package xds

import (
	"net/netip"
	"sort"
	"sync"

	"github.com/zonemesh/zonemesh/controlplane/resource"
)

// CertSource hands out the SDS material of a mesh. The server's CertCache implements it; tests
// may use any other.
type CertSource interface {
	// Identity returns the certificate chain and key of spiffe://<mesh>/<service>.
	Identity(mesh, service string) (certPEM, keyPEM []byte, err error)
	// Bundle returns the mesh's CA certificates (PEM).
	Bundle(mesh string) ([]byte, error)
}

// Inputs is a zone's view of the meshes, from which every proxy of the zone is generated. Build
// it with NewInputs; it is read-only afterwards and safe for concurrent Generate calls, which
// share the parts of the config that do not depend on the proxy.
type Inputs struct {
	Zone  string
	Certs CertSource

	meshes     map[string]*resource.MeshSpec
	dataplanes []*resource.Resource
	ingresses  []*resource.Resource
	policies   map[string]map[resource.Kind][]*resource.Resource // mesh → kind → sorted by name
	endpoints  map[string]*meshEndpoints                         // mesh → endpoints

	mu       sync.Mutex
	outbound map[string]*outboundOnce // mesh → shared outbound part

	vipCIDR netip.Prefix // invalid: DefaultVIPCIDR
	vipOnce sync.Once
	vips    map[VIPKey]netip.Addr
	vipTCP  map[VIPKey]bool
	vipErr  error
}

// Option tunes NewInputs.
type Option func(*Inputs)

// WithVIPCIDR sets the range service virtual IPs are allocated from (default DefaultVIPCIDR).
func WithVIPCIDR(p netip.Prefix) Option { return func(in *Inputs) { in.vipCIDR = p } }

type outboundOnce struct {
	once sync.Once
	part *outboundPart
	err  error
}

// endpoint is one place to send a service's traffic to: a local sidecar inbound, or a remote
// zone's ingress standing for Weight instances.
type endpoint struct {
	Address string
	Port    int
	Weight  int
	Healthy bool
}

type svcKey struct{ service, version string }

// meshEndpoints indexes a mesh's endpoints by service (version "" = every version) and zone.
type meshEndpoints struct {
	services []string // sorted
	byKey    map[svcKey]map[string][]endpoint
	versions map[string][]string // service → sorted versions seen
}

// NewInputs builds the view from every resource the zone store holds (Mesh, Dataplane,
// ZoneIngress, MeshCA is ignored here, policies). Dataplanes of other zones are ignored: a zone
// reaches remote instances only through their zone's ingress.
func NewInputs(zone string, rs []*resource.Resource, certs CertSource, opts ...Option) *Inputs {
	in := &Inputs{Zone: zone, Certs: certs, meshes: map[string]*resource.MeshSpec{},
		policies: map[string]map[resource.Kind][]*resource.Resource{}, endpoints: map[string]*meshEndpoints{},
		outbound: map[string]*outboundOnce{}}
	for _, o := range opts {
		o(in)
	}
	for _, r := range rs {
		info, _ := resource.Info(r.Kind)
		switch {
		case r.Kind == resource.KindMesh:
			in.meshes[r.Name] = r.Spec.(*resource.MeshSpec)
		case r.Kind == resource.KindDataplane:
			if r.Origin == "" || r.Origin == zone {
				in.dataplanes = append(in.dataplanes, r)
			}
		case r.Kind == resource.KindZoneIngress:
			in.ingresses = append(in.ingresses, r)
		case info.Policy:
			m := in.policies[r.Mesh]
			if m == nil {
				m = map[resource.Kind][]*resource.Resource{}
				in.policies[r.Mesh] = m
			}
			m[r.Kind] = append(m[r.Kind], r)
		}
	}
	for _, m := range in.policies {
		for _, ps := range m {
			sort.Slice(ps, func(i, j int) bool { return ps[i].Name < ps[j].Name })
		}
	}
	sort.Slice(in.dataplanes, func(i, j int) bool { return less(in.dataplanes[i], in.dataplanes[j]) })
	sort.Slice(in.ingresses, func(i, j int) bool { return less(in.ingresses[i], in.ingresses[j]) })
	in.index()
	return in
}

func less(a, b *resource.Resource) bool {
	if a.Mesh != b.Mesh {
		return a.Mesh < b.Mesh
	}
	return a.Name < b.Name
}

func (in *Inputs) meshEP(mesh string) *meshEndpoints {
	e := in.endpoints[mesh]
	if e == nil {
		e = &meshEndpoints{byKey: map[svcKey]map[string][]endpoint{}, versions: map[string][]string{}}
		in.endpoints[mesh] = e
	}
	return e
}

func (e *meshEndpoints) add(svc, version, zone string, ep endpoint) {
	e.put(svcKey{svc, ""}, zone, ep)
	if version == "" {
		return
	}
	e.put(svcKey{svc, version}, zone, ep)
	if !contains(e.versions[svc], version) {
		e.versions[svc] = append(e.versions[svc], version)
	}
}

func (e *meshEndpoints) put(k svcKey, zone string, ep endpoint) {
	z := e.byKey[k]
	if z == nil {
		z = map[string][]endpoint{}
		e.byKey[k] = z
	}
	z[zone] = append(z[zone], ep)
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func (in *Inputs) index() {
	for _, dp := range in.dataplanes {
		spec := dp.Spec.(*resource.DataplaneSpec)
		e := in.meshEP(dp.Mesh)
		for _, ib := range spec.Networking.Inbound {
			e.add(ib.Service(), ib.Version(), in.Zone, endpoint{Address: spec.Networking.Address, Port: ib.Port, Weight: 1, Healthy: ib.IsReady()})
		}
	}
	for _, ing := range in.ingresses {
		spec := ing.Spec.(*resource.ZoneIngressSpec)
		if spec.Zone == in.Zone {
			continue
		}
		addr, port := spec.Networking.Advertised()
		for _, as := range spec.AvailableServices {
			if as.Instances <= 0 {
				continue
			}
			in.meshEP(as.Mesh).add(as.Tags[resource.TagService], as.Tags[resource.TagVersion], spec.Zone,
				endpoint{Address: addr, Port: port, Weight: as.Instances, Healthy: true})
		}
	}
	for _, e := range in.endpoints {
		for k := range e.byKey {
			if k.version == "" {
				e.services = append(e.services, k.service)
			}
		}
		sort.Strings(e.services)
		for _, vs := range e.versions {
			sort.Strings(vs)
		}
	}
}

// Mesh returns a mesh's spec, or nil when the zone does not know the mesh.
func (in *Inputs) Mesh(name string) *resource.MeshSpec { return in.meshes[name] }

// mtls reports whether a mesh has mTLS on.
func (in *Inputs) mtls(mesh string) bool {
	m := in.meshes[mesh]
	return m != nil && m.MTLS.Enabled
}

// Services returns the services of a mesh the zone can reach (local or behind an ingress).
func (in *Inputs) Services(mesh string) []string {
	if e := in.endpoints[mesh]; e != nil {
		return e.services
	}
	return nil
}

// policy returns the policy of kind k that applies to calls to service: one naming the service
// beats a wildcard; among equals the first by name wins.
func (in *Inputs) policy(mesh string, k resource.Kind, service string) *resource.Resource {
	var wild *resource.Resource
	for _, p := range in.policies[mesh][k] {
		d, _ := resource.DestinationOf(p.Spec)
		if d.Service == service {
			return p
		}
		if wild == nil && d.Service == resource.MatchAll {
			wild = p
		}
	}
	return wild
}

// policies returns every policy of kind k whose destination selects service.
func (in *Inputs) policiesFor(mesh string, k resource.Kind, service string) []*resource.Resource {
	var out []*resource.Resource
	for _, p := range in.policies[mesh][k] {
		if d, _ := resource.DestinationOf(p.Spec); d.Matches(service) {
			out = append(out, p)
		}
	}
	return out
}
