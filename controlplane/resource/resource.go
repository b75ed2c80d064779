package resource

import (
	"fmt"
	"time"
)

// Kind names a resource type.
type Kind string

// The kinds of the model. Mesh, Zone and ZoneIngress are not scoped to a mesh; every other kind is.
const (
	KindMesh              Kind = "Mesh"
	KindZone              Kind = "Zone"
	KindDataplane         Kind = "Dataplane"
	KindZoneIngress       Kind = "ZoneIngress"
	KindTrafficPermission Kind = "TrafficPermission"
	KindHTTPRoute         Kind = "HTTPRoute"
	KindTimeout           Kind = "Timeout"
	KindRetry             Kind = "Retry"
	KindLoadBalancing     Kind = "LoadBalancing"
	KindOutlierDetection  Kind = "OutlierDetection"
	KindHealthCheck       Kind = "HealthCheck"
	KindFaultInjection    Kind = "FaultInjection"
	// KindMeshCA carries a mesh's CA certificate and key from global to the zones. Only the
	// control plane writes it.
	KindMeshCA Kind = "MeshCA"
)

// Origin values besides a zone name.
const OriginGlobal = "global"

// KindInfo describes how a kind behaves.
type KindInfo struct {
	Kind Kind
	// Scoped kinds live inside a mesh; Meta.Mesh is required.
	Scoped bool
	// Policy kinds are written at global and synced to every zone.
	Policy bool
	// ZoneOwned kinds are written by a zone control plane and synced up to global.
	ZoneOwned bool
	// System kinds are written by the control plane only, never through the API.
	System bool
	new    func() Spec
}

var kinds = map[Kind]KindInfo{}
var kindOrder []Kind

func registerKind(k KindInfo) {
	kinds[k.Kind] = k
	kindOrder = append(kindOrder, k.Kind)
}

func init() {
	registerKind(KindInfo{Kind: KindMesh, new: func() Spec { return &MeshSpec{} }})
	registerKind(KindInfo{Kind: KindZone, new: func() Spec { return &ZoneSpec{} }})
	registerKind(KindInfo{Kind: KindDataplane, Scoped: true, ZoneOwned: true, new: func() Spec { return &DataplaneSpec{} }})
	registerKind(KindInfo{Kind: KindZoneIngress, ZoneOwned: true, new: func() Spec { return &ZoneIngressSpec{} }})
	registerKind(KindInfo{Kind: KindTrafficPermission, Scoped: true, Policy: true, new: func() Spec { return &TrafficPermissionSpec{} }})
	registerKind(KindInfo{Kind: KindHTTPRoute, Scoped: true, Policy: true, new: func() Spec { return &HTTPRouteSpec{} }})
	registerKind(KindInfo{Kind: KindTimeout, Scoped: true, Policy: true, new: func() Spec { return &TimeoutSpec{} }})
	registerKind(KindInfo{Kind: KindRetry, Scoped: true, Policy: true, new: func() Spec { return &RetrySpec{} }})
	registerKind(KindInfo{Kind: KindLoadBalancing, Scoped: true, Policy: true, new: func() Spec { return &LoadBalancingSpec{} }})
	registerKind(KindInfo{Kind: KindOutlierDetection, Scoped: true, Policy: true, new: func() Spec { return &OutlierDetectionSpec{} }})
	registerKind(KindInfo{Kind: KindHealthCheck, Scoped: true, Policy: true, new: func() Spec { return &HealthCheckSpec{} }})
	registerKind(KindInfo{Kind: KindFaultInjection, Scoped: true, Policy: true, new: func() Spec { return &FaultInjectionSpec{} }})
	registerKind(KindInfo{Kind: KindMeshCA, Scoped: true, System: true, new: func() Spec { return &MeshCASpec{} }})
}

// Kinds returns every kind in a stable order (meshes first, then zones, zone-owned kinds, policies).
func Kinds() []Kind { return append([]Kind(nil), kindOrder...) }

// Info returns what is known of a kind; ok is false for an unknown kind.
func Info(k Kind) (KindInfo, bool) {
	i, ok := kinds[k]
	return i, ok
}

// ParseKind accepts a kind in any letter case ("trafficpermission", "HTTPRoute").
func ParseKind(s string) (Kind, error) {
	for _, k := range kindOrder {
		if equalFold(string(k), s) {
			return k, nil
		}
	}
	return "", fmt.Errorf("unknown kind %q", s)
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// Meta is what every resource carries besides its spec.
type Meta struct {
	// Mesh is empty for unscoped kinds (Mesh, Zone, ZoneIngress).
	Mesh   string            `json:"mesh,omitempty" yaml:"mesh,omitempty"`
	Name   string            `json:"name" yaml:"name"`
	Labels map[string]string `json:"labels,omitempty" yaml:"labels,omitempty"`
	// Version increases by one on every write of this resource; the store sets it.
	Version uint64 `json:"version,omitempty" yaml:"version,omitempty"`
	// Origin is "global" for resources written at global, else the zone that owns it.
	Origin           string    `json:"origin,omitempty" yaml:"origin,omitempty"`
	CreationTime     time.Time `json:"creationTime,omitzero" yaml:"creationTime,omitempty"`
	ModificationTime time.Time `json:"modificationTime,omitzero" yaml:"modificationTime,omitempty"`
}

// Spec is the kind-specific part of a resource.
type Spec interface {
	// validate appends the spec's problems under path ("spec").
	validate(v *validator, path string)
}

// Resource is one object of the model.
type Resource struct {
	Kind Kind
	Meta
	Spec Spec
}

// Key identifies a resource.
type Key struct {
	Kind Kind
	Mesh string
	Name string
}

func (k Key) String() string {
	if k.Mesh == "" {
		return string(k.Kind) + "/" + k.Name
	}
	return string(k.Kind) + "/" + k.Mesh + "/" + k.Name
}

// Key returns the resource's identity.
func (r *Resource) Key() Key { return Key{Kind: r.Kind, Mesh: r.Mesh, Name: r.Name} }

// New returns an empty resource of kind k, with a zero spec of the right type.
func New(k Kind) (*Resource, error) {
	info, ok := kinds[k]
	if !ok {
		return nil, fmt.Errorf("unknown kind %q", k)
	}
	return &Resource{Kind: k, Spec: info.new()}, nil
}

// Clone returns a deep copy (through the JSON form, which is the canonical one).
func (r *Resource) Clone() *Resource {
	b, err := MarshalJSON(r)
	if err != nil {
		panic("resource: clone: " + err.Error())
	}
	c, err := UnmarshalJSON(b)
	if err != nil {
		panic("resource: clone: " + err.Error())
	}
	return c
}
