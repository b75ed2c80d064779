package conformance

import (
	"context"
	"net/http"
	"time"
)

// Target is a multi-zone mesh under test. The suite owns the topology (Topology below) and
// asks the Target to bring it up once; every requirement then drives it through these
// operations and restores what it changed. Methods a Target cannot perform return an error
// wrapping ErrUnsupported, and the Target leaves the matching Feature out of Features.
type Target interface {
	// Implementation names the mesh and its version for the report.
	Implementation() (name, version string)
	// Backend is where the mesh runs (process, docker, kind, ...).
	Backend() string
	Features() []Feature
	// Setup brings up the suite topology; Close tears everything down.
	Setup(ctx context.Context, topo Topology) error
	Close() error

	// Apply creates or updates the policies in a YAML stream (one or more documents).
	Apply(ctx context.Context, yaml []byte) error
	// Delete removes a policy; deleting one that does not exist is not an error.
	Delete(ctx context.Context, kind, name string) error
	// PolicyVersion reads a policy at global (zone "") or in a zone's store.
	PolicyVersion(ctx context.Context, zone, kind, name string) (version uint64, found bool, err error)
	// ApplyAnonymous tries a write without credentials; it returns nil if the API accepted it.
	ApplyAnonymous(ctx context.Context, yaml []byte) error

	// Call sends one HTTP request from the zone's caller service to service and reports who
	// answered. A transport error is an error; any HTTP status is an Answer.
	Call(ctx context.Context, fromZone, service, path string, hdr http.Header) (*Answer, error)
	// ProbeIngress opens a raw connection to a zone's ingress and says whether a request for
	// service got an HTTP answer back (it must not, for plaintext or a non-mesh certificate).
	ProbeIngress(ctx context.Context, zone, service string, kind ProbeKind) (answered bool, detail string, err error)

	// Zones reports every zone's status as global sees it.
	Zones(ctx context.Context) ([]ZoneStatus, error)
	// Inventory lists what global knows about the zones' data planes.
	Inventory(ctx context.Context) ([]Workload, error)
	// Proxies reports each proxy's config versions in a zone.
	Proxies(ctx context.Context, zone string) ([]ProxyVersions, error)
	// ProbeZoneAuth connects to global as zone with a credential of the given kind and says
	// whether global accepted it within wait.
	ProbeZoneAuth(ctx context.Context, zone string, cred CredentialKind, wait time.Duration) (accepted bool, err error)

	// Do performs an action (kill, pause, resume, restart) on a component.
	Do(ctx context.Context, action Action, c Component) error
	// Partition cuts a link; Heal restores it.
	Partition(ctx context.Context, l Link) (FaultID, error)
	Heal(ctx context.Context, id FaultID) error
	// Scale sets the replica count of a service in a zone.
	Scale(ctx context.Context, zone, service string, replicas int) error
	// SetBehaviour tells every instance of service in zone (every zone when zone is "") how to
	// answer; the zero Behaviour restores normal answers.
	SetBehaviour(ctx context.Context, zone, service string, b Behaviour) error
	// Converged reports nil when every zone is online, has global's policies at their current
	// versions and every proxy has acknowledged its latest config.
	Converged(ctx context.Context) error
}

// Answer is who answered a call.
type Answer struct {
	Status   int
	Zone     string
	Service  string
	Version  string
	Instance string
	// Caller is the identity the destination's sidecar saw (e.g. spiffe://default/client).
	Caller string
}

// ProbeKind is how ProbeIngress talks to an ingress.
type ProbeKind string

const (
	ProbePlaintext     ProbeKind = "plaintext"      // an HTTP request with no TLS at all
	ProbeForeignClient ProbeKind = "foreign-client" // TLS with the service's SNI and a certificate of a foreign CA
)

// CredentialKind is the credential ProbeZoneAuth presents.
type CredentialKind string

const (
	CredentialForged    CredentialKind = "forged"     // a token signed by a key global does not trust
	CredentialOtherZone CredentialKind = "other-zone" // a valid token issued to a different zone
)

// ZoneStatus is one zone as global reports it.
type ZoneStatus struct {
	Name   string
	Online bool
}

// WorkloadKind says what a Workload is.
type WorkloadKind string

const (
	WorkloadDataplane WorkloadKind = "dataplane"
	WorkloadIngress   WorkloadKind = "ingress"
)

// Workload is a data-plane resource global learned from a zone.
type Workload struct {
	Kind    WorkloadKind
	Zone    string
	Name    string
	Service string // dataplanes: the service; ingresses: ""
	// Services are the services an ingress advertises.
	Services []string
}

// ProxyVersions is one proxy's config state per xDS type (or the implementation's equivalent).
type ProxyVersions struct {
	ID    string
	Types map[string]TypeVersion
}

// TypeVersion is what a proxy was last sent and what it last acknowledged, and when.
type TypeVersion struct {
	Sent, Acked string
	AckedAt     time.Time
}

// Action on a component.
type Action string

const (
	ActionKill    Action = "kill"
	ActionPause   Action = "pause"
	ActionResume  Action = "resume"
	ActionRestart Action = "restart"
)

// ComponentKind names a component class.
type ComponentKind string

const (
	ComponentGlobal  ComponentKind = "global"
	ComponentZoneCP  ComponentKind = "cp"
	ComponentIngress ComponentKind = "ingress"
	ComponentService ComponentKind = "service"
)

// Component names one component (every instance of a service when Kind is service).
type Component struct {
	Kind    ComponentKind
	Zone    string
	Service string
}

func (c Component) String() string {
	switch c.Kind {
	case ComponentGlobal:
		return "global"
	case ComponentService:
		return c.Zone + "/" + c.Service
	}
	return c.Zone + "/" + string(c.Kind)
}

// Link is a directed network path: zone → zone, or zone → "global". Partitions cut both ways.
type Link struct{ From, To string }

func (l Link) String() string { return l.From + "↔" + l.To }

// FaultID names an injected fault for Heal.
type FaultID string

// Behaviour is how an instance answers.
type Behaviour struct {
	FailShare float64       // share of requests answered with FailCode
	FailCode  int           // default 503
	Delay     time.Duration // added to every answer
}
