package conformance

// Topology is the deployment every requirement assumes. The suite owns it so that the checks
// are the same on every Target: three zones, each with an ingress and a "client" service the
// calls come from; "backend" v1 only in zone-b and v2 only in zone-c (so who answered tells
// the zone and the version apart); "api" in every zone (for locality).
type Topology struct {
	Mesh  string
	MTLS  bool
	Zones []TopologyZone
	// Baseline is applied after Setup and is what every requirement restores: here, one
	// permission allowing every service to call every service.
	Baseline string
}

// TopologyZone is one zone of the topology.
type TopologyZone struct {
	Name     string
	Ingress  int
	Services []TopologyService
}

// TopologyService is one service version deployed in a zone.
type TopologyService struct {
	Name, Version string
	Replicas      int
}

// Names used by the requirements.
const (
	ZoneA = "zone-a"
	ZoneB = "zone-b"
	ZoneC = "zone-c"

	ServiceClient  = "client"
	ServiceBackend = "backend"
	ServiceAPI     = "api"

	BaselinePermission = "conformance-allow-all"
)

// SuiteTopology is the topology of the conformance suite.
func SuiteTopology() Topology {
	client := TopologyService{Name: ServiceClient, Version: "v1", Replicas: 1}
	api := TopologyService{Name: ServiceAPI, Version: "v1", Replicas: 1}
	return Topology{
		Mesh: "default", MTLS: true,
		Zones: []TopologyZone{
			{Name: ZoneA, Ingress: 1, Services: []TopologyService{client, api}},
			{Name: ZoneB, Ingress: 1, Services: []TopologyService{client, {Name: ServiceBackend, Version: "v1", Replicas: 1}, api}},
			{Name: ZoneC, Ingress: 1, Services: []TopologyService{client, {Name: ServiceBackend, Version: "v2", Replicas: 1}, api}},
		},
		Baseline: `kind: TrafficPermission
mesh: default
name: ` + BaselinePermission + `
spec:
  destination: {service: "*"}
  sources: [{service: "*"}]
  action: allow
`,
	}
}

// Zone returns the named zone, or nil.
func (t Topology) Zone(name string) *TopologyZone {
	for i := range t.Zones {
		if t.Zones[i].Name == name {
			return &t.Zones[i]
		}
	}
	return nil
}

// ZoneNames lists the zones in order.
func (t Topology) ZoneNames() []string {
	var n []string
	for _, z := range t.Zones {
		n = append(n, z.Name)
	}
	return n
}
