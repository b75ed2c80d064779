package scenarios

// Scenario is one scenario file, decoded.
type Scenario struct {
	Name        string     `yaml:"name"`
	Description string     `yaml:"description,omitempty"`
	Seed        int64      `yaml:"seed,omitempty"` // defaults to 1
	Topology    Topology   `yaml:"topology"`
	Mesh        Mesh       `yaml:"mesh"`
	Policies    []Resource `yaml:"policies,omitempty"`
	Timeline    []Step     `yaml:"timeline,omitempty"`
	Checks      []Check    `yaml:"checks,omitempty"`
	Scale       *Scale     `yaml:"scale,omitempty"` // simulator only

	// File is the path the scenario was loaded from ("" for Parse of in-memory data with no name).
	File string `yaml:"-"`
}

// Backends a zone or the global control plane may run on.
const (
	BackendProcess    = "process"
	BackendDocker     = "docker"
	BackendKind       = "kind"
	BackendKubeconfig = "kubeconfig"
)

// Topology names the global control plane and the zones.
type Topology struct {
	Backend string `yaml:"backend,omitempty"` // default backend of every zone; defaults to process
	Global  Global `yaml:"global"`
	Zones   []Zone `yaml:"zones"`
}

// Global is the global control plane.
type Global struct {
	Backend string `yaml:"backend,omitempty"` // defaults to Topology.Backend
}

// Zone is one zone: its control plane, its ingress and its services.
type Zone struct {
	Name        string    `yaml:"name"`
	Backend     string    `yaml:"backend,omitempty"` // defaults to Topology.Backend
	Ingress     int       `yaml:"ingress"`           // ingress replicas; 0 = none
	FakeProxies int       `yaml:"fakeProxies,omitempty"`
	Services    []Service `yaml:"services,omitempty"`
}

// Protocols a service may speak.
const (
	ProtocolHTTP = "http"
	ProtocolTCP  = "tcp"
)

// Service is one service version deployed in a zone.
type Service struct {
	Name     string `yaml:"name"`
	Version  string `yaml:"version,omitempty"`
	Replicas int    `yaml:"replicas"`
	Protocol string `yaml:"protocol,omitempty"` // http (default) | tcp
}

// Mesh is the mesh the scenario creates.
type Mesh struct {
	Name string `yaml:"name"` // defaults to "default"
	MTLS bool   `yaml:"mtls"`
}

// Zone returns the zone named name, or nil.
func (s *Scenario) Zone(name string) *Zone {
	for i := range s.Topology.Zones {
		if s.Topology.Zones[i].Name == name {
			return &s.Topology.Zones[i]
		}
	}
	return nil
}

// Service returns the first deployment of service name in the zone, or nil.
func (z *Zone) Service(name string) *Service {
	for i := range z.Services {
		if z.Services[i].Name == name {
			return &z.Services[i]
		}
	}
	return nil
}

// ZoneBackend is the backend zone z runs on, after defaults.
func (t *Topology) ZoneBackend(z *Zone) string {
	if z.Backend != "" {
		return z.Backend
	}
	if t.Backend != "" {
		return t.Backend
	}
	return BackendProcess
}
