// Package backend defines how the harness brings components up: a Backend starts the global
// control plane, zone control planes, ingresses, service instances and fake proxies, and
// returns handles to stop, kill, pause or restart them. The process backend is the default;
// docker and Kubernetes backends satisfy the same interface.
package backend

import (
	"context"
	"net/netip"

	"github.com/zonemesh/zonemesh/harness/topology"
)

// Backend brings components of a plan up. Implementations are safe for use from one
// goroutine at a time (the runner's).
type Backend interface {
	Name() string
	StartGlobal(ctx context.Context, c topology.Component) (*GlobalInfo, error)
	StartZone(ctx context.Context, c topology.Component, spec ZoneSpec) (*ZoneInfo, error)
	StartIngress(ctx context.Context, c topology.Component, spec IngressSpec) (Handle, error)
	StartInstance(ctx context.Context, in *topology.InstanceSpec, spec InstanceSpec) (*InstanceInfo, error)
	StartFakeProxies(ctx context.Context, c topology.Component, spec FakeProxySpec) (*FakeProxiesInfo, error)
	// Close stops everything the backend started; it is idempotent.
	Close(ctx context.Context) error
}

// Handle controls one running component.
type Handle interface {
	Name() string
	Kill() error   // SIGKILL (or the backend's equivalent)
	Pause() error  // SIGSTOP / docker pause
	Resume() error // SIGCONT / docker unpause
	Restart(ctx context.Context) error
	Stop(ctx context.Context) error
	// LogPath is where the component's output is captured.
	LogPath() string
}

// GlobalInfo is what the harness needs to talk to a running global.
type GlobalInfo struct {
	Handle
	APIURL  string // http://ip:port
	KDSAddr string // host:port the zones dial (before any fault link)
	// AdminToken authorises writes to the API.
	AdminToken string
	// CAFile is the PEM file of global's CA, which zones trust for KDS.
	CAFile string
	// ZoneTokenKeyFile signs zone tokens.
	ZoneTokenKeyFile string
	DataDir          string
}

// ZoneSpec is how a zone control plane is started.
type ZoneSpec struct {
	GlobalAddr       string // the address to dial (a fault link on the process backend)
	GlobalServerName string // the TLS name of global's KDS certificate
	GlobalCAFile     string
	ZoneToken        string
	// IngressAddresses maps other zones to the address this zone reaches their ingress at.
	IngressAddresses map[string]string
}

// ZoneInfo is what the harness needs to talk to a running zone control plane.
type ZoneInfo struct {
	Handle
	APIURL  string
	XDSAddr string
	// CAFile is the zone's control-plane CA that its proxies trust for xDS.
	CAFile string
	// DataplaneTokenKeyFile signs dataplane tokens for this zone.
	DataplaneTokenKeyFile string
}

// IngressSpec is how a zone ingress proxy is started.
type IngressSpec struct {
	Zone      *ZoneInfo
	Mesh      string
	Token     string
	Port      int
	Advertise netip.AddrPort // where other zones reach it (before any fault link)
}

// InstanceSpec is how one service replica (an echo app and its sidecar) is started.
type InstanceSpec struct {
	Zone  *ZoneInfo
	Mesh  string
	Token string
}

// InstanceInfo is a running service replica.
type InstanceInfo struct {
	Handle
	// App is the echo app alone (kill it to make the instance fail while its sidecar stays).
	App Handle
	// OutboundURL is where a caller in this instance reaches mesh services by Host.
	OutboundURL string
	AdminURL    string
	AppURL      string
	Name        string // the Dataplane name
}

// FakeProxySpec is how a batch of fake proxies is started.
type FakeProxySpec struct {
	Zone  *ZoneInfo
	Mesh  string
	Count int
}

// FakeProxiesInfo is a running batch of fake proxies.
type FakeProxiesInfo struct {
	Handle
	StatusURL string
}
