package resource

// Selector picks a service; "*" means any service.
type Selector struct {
	Service string `json:"service" yaml:"service"`
}

// MatchAll is the wildcard service.
const MatchAll = "*"

// Matches reports whether the selector selects service s.
func (s Selector) Matches(svc string) bool { return s.Service == MatchAll || s.Service == svc }

// MeshSpec configures a mesh.
type MeshSpec struct {
	MTLS MTLS `json:"mtls" yaml:"mtls"`
}

// MTLS turns mutual TLS on for a mesh and sets the lifetime of the certificates its CA issues.
type MTLS struct {
	Enabled bool `json:"enabled" yaml:"enabled"`
	// CertTTL is the lifetime of a proxy certificate (default 24h); it is rotated at 80% of it.
	CertTTL Duration `json:"certTTL,omitzero" yaml:"certTTL,omitempty"`
}

// ZoneSpec is a zone as global knows it. A zone registers itself; an operator may disable it.
type ZoneSpec struct {
	Enabled *bool `json:"enabled,omitempty" yaml:"enabled,omitempty"`
}

// IsEnabled reports whether the zone may connect (enabled unless set to false).
func (z *ZoneSpec) IsEnabled() bool { return z.Enabled == nil || *z.Enabled }

// DataplaneSpec is one proxy and the service instances behind it.
type DataplaneSpec struct {
	Networking DataplaneNetworking `json:"networking" yaml:"networking"`
}

// DataplaneNetworking holds a dataplane's addresses and ports.
type DataplaneNetworking struct {
	// Address is where other proxies (and the zone ingress) reach this proxy's inbounds.
	Address string    `json:"address" yaml:"address"`
	Inbound []Inbound `json:"inbound,omitempty" yaml:"inbound,omitempty"`
	// Outbound lists declared TCP outbounds; HTTP services are reachable through OutboundPort.
	Outbound []Outbound `json:"outbound,omitempty" yaml:"outbound,omitempty"`
	// OutboundAddress and OutboundPort are where the app reaches every HTTP service by Host.
	OutboundAddress string `json:"outboundAddress,omitempty" yaml:"outboundAddress,omitempty"`
	OutboundPort    int    `json:"outboundPort,omitempty" yaml:"outboundPort,omitempty"`
}

// Tag names with a meaning to the control plane.
const (
	TagService  = "service"
	TagVersion  = "version"
	TagProtocol = "protocol"
	TagZone     = "zone"
)

// Protocols of an inbound.
const (
	ProtocolHTTP = "http"
	ProtocolTCP  = "tcp"
)

// Inbound is one service instance behind the proxy.
type Inbound struct {
	// Port is the proxy's port for this inbound (mTLS terminated here).
	Port int `json:"port" yaml:"port"`
	// ServicePort and ServiceAddress are where the app listens (ServiceAddress defaults to 127.0.0.1).
	ServicePort    int               `json:"servicePort" yaml:"servicePort"`
	ServiceAddress string            `json:"serviceAddress,omitempty" yaml:"serviceAddress,omitempty"`
	Tags           map[string]string `json:"tags" yaml:"tags"`
	// Ready is false when the app reports it is not ready; nil means ready.
	Ready *bool `json:"ready,omitempty" yaml:"ready,omitempty"`
}

// Service returns the inbound's service tag.
func (i Inbound) Service() string { return i.Tags[TagService] }

// Version returns the inbound's version tag.
func (i Inbound) Version() string { return i.Tags[TagVersion] }

// Protocol returns the inbound's protocol, http by default.
func (i Inbound) Protocol() string {
	if p := i.Tags[TagProtocol]; p != "" {
		return p
	}
	return ProtocolHTTP
}

// IsReady reports whether the instance takes traffic.
func (i Inbound) IsReady() bool { return i.Ready == nil || *i.Ready }

// Outbound is a declared TCP outbound: the app connects to Address:Port to reach Service.
type Outbound struct {
	Address string `json:"address,omitempty" yaml:"address,omitempty"`
	Port    int    `json:"port" yaml:"port"`
	Service string `json:"service" yaml:"service"`
}

// ZoneIngressSpec is a zone's ingress and the services reachable behind it.
type ZoneIngressSpec struct {
	Zone       string                `json:"zone" yaml:"zone"`
	Networking ZoneIngressNetworking `json:"networking" yaml:"networking"`
	// AvailableServices is computed by the zone control plane from its dataplanes.
	AvailableServices []AvailableService `json:"availableServices,omitempty" yaml:"availableServices,omitempty"`
}

// ZoneIngressNetworking is where the ingress listens and where other zones reach it.
type ZoneIngressNetworking struct {
	Address           string `json:"address" yaml:"address"`
	Port              int    `json:"port" yaml:"port"`
	AdvertisedAddress string `json:"advertisedAddress,omitempty" yaml:"advertisedAddress,omitempty"`
	AdvertisedPort    int    `json:"advertisedPort,omitempty" yaml:"advertisedPort,omitempty"`
}

// Advertised returns the address and port other zones dial.
func (n ZoneIngressNetworking) Advertised() (string, int) {
	a, p := n.AdvertisedAddress, n.AdvertisedPort
	if a == "" {
		a = n.Address
	}
	if p == 0 {
		p = n.Port
	}
	return a, p
}

// AvailableService is a service (and version) with ready instances behind an ingress.
type AvailableService struct {
	Mesh      string            `json:"mesh" yaml:"mesh"`
	Tags      map[string]string `json:"tags" yaml:"tags"`
	Instances int               `json:"instances" yaml:"instances"`
}

// TrafficPermission actions.
const (
	ActionAllow = "allow"
	ActionDeny  = "deny"
)

// TrafficPermissionSpec allows or denies calls to a service from some sources. Deny wins over allow.
type TrafficPermissionSpec struct {
	Destination Selector   `json:"destination" yaml:"destination"`
	Sources     []Selector `json:"sources" yaml:"sources"`
	Action      string     `json:"action" yaml:"action"`
}

// HTTPRouteSpec routes requests to a service by path and headers, splitting them across versions.
type HTTPRouteSpec struct {
	Destination Selector    `json:"destination" yaml:"destination"`
	Rules       []RouteRule `json:"rules" yaml:"rules"`
}

// RouteRule is one match and where matching requests go.
type RouteRule struct {
	Match RouteMatch   `json:"match,omitzero" yaml:"match,omitempty"`
	Split []RouteSplit `json:"split" yaml:"split"`
}

// RouteMatch matches a request; an empty match matches everything.
type RouteMatch struct {
	Path    *PathMatch    `json:"path,omitempty" yaml:"path,omitempty"`
	Headers []HeaderMatch `json:"headers,omitempty" yaml:"headers,omitempty"`
}

// PathMatch is an exact path or a prefix (exactly one).
type PathMatch struct {
	Prefix string `json:"prefix,omitempty" yaml:"prefix,omitempty"`
	Exact  string `json:"exact,omitempty" yaml:"exact,omitempty"`
}

// HeaderMatch matches one header: Exact, Prefix, or Present (exactly one).
type HeaderMatch struct {
	Name    string `json:"name" yaml:"name"`
	Exact   string `json:"exact,omitempty" yaml:"exact,omitempty"`
	Prefix  string `json:"prefix,omitempty" yaml:"prefix,omitempty"`
	Present bool   `json:"present,omitempty" yaml:"present,omitempty"`
}

// RouteSplit sends Weight parts of the traffic to a version (and optionally only one zone's instances).
type RouteSplit struct {
	Version string `json:"version,omitempty" yaml:"version,omitempty"`
	Zone    string `json:"zone,omitempty" yaml:"zone,omitempty"`
	Weight  int    `json:"weight" yaml:"weight"`
}

// TimeoutSpec bounds calls to a service.
type TimeoutSpec struct {
	Destination Selector `json:"destination" yaml:"destination"`
	Connect     Duration `json:"connect,omitzero" yaml:"connect,omitempty"`
	Request     Duration `json:"request,omitzero" yaml:"request,omitempty"`
	Idle        Duration `json:"idle,omitzero" yaml:"idle,omitempty"`
}

// RetrySpec retries failed calls to a service.
type RetrySpec struct {
	Destination   Selector `json:"destination" yaml:"destination"`
	Attempts      int      `json:"attempts" yaml:"attempts"`
	PerTryTimeout Duration `json:"perTryTimeout,omitzero" yaml:"perTryTimeout,omitempty"`
	// On lists retry conditions: "5xx", "connect-failure", "gateway-error", "reset".
	On []string `json:"on,omitempty" yaml:"on,omitempty"`
}

// LoadBalancingSpec makes calls locality-aware with an ordered cross-zone failover.
type LoadBalancingSpec struct {
	Destination   Selector `json:"destination" yaml:"destination"`
	LocalityAware bool     `json:"localityAware" yaml:"localityAware"`
	// Failover lists, per calling zone ("*" for any), the zones to fail over to in order.
	Failover []Failover `json:"failover,omitempty" yaml:"failover,omitempty"`
	// OnlyListed keeps traffic off zones that no failover entry names.
	OnlyListed bool `json:"onlyListed,omitempty" yaml:"onlyListed,omitempty"`
	// Threshold is the healthy share under which traffic spills to the next priority (default 0.7).
	Threshold float64 `json:"threshold,omitempty" yaml:"threshold,omitempty"`
}

// Failover is the failover order for callers in zone From.
type Failover struct {
	From string   `json:"from" yaml:"from"`
	To   []string `json:"to" yaml:"to"`
}

// OutlierDetectionSpec ejects failing endpoints of a service for a while.
type OutlierDetectionSpec struct {
	Destination               Selector `json:"destination" yaml:"destination"`
	Consecutive5xx            int      `json:"consecutive5xx,omitempty" yaml:"consecutive5xx,omitempty"`
	ConsecutiveGatewayFailure int      `json:"consecutiveGatewayFailure,omitempty" yaml:"consecutiveGatewayFailure,omitempty"`
	Interval                  Duration `json:"interval,omitzero" yaml:"interval,omitempty"`
	BaseEjectionTime          Duration `json:"baseEjectionTime,omitzero" yaml:"baseEjectionTime,omitempty"`
	MaxEjectionPercent        int      `json:"maxEjectionPercent,omitempty" yaml:"maxEjectionPercent,omitempty"`
}

// HealthCheckSpec actively checks a service's endpoints over HTTP.
type HealthCheckSpec struct {
	Destination        Selector `json:"destination" yaml:"destination"`
	Path               string   `json:"path" yaml:"path"`
	Interval           Duration `json:"interval" yaml:"interval"`
	Timeout            Duration `json:"timeout" yaml:"timeout"`
	UnhealthyThreshold int      `json:"unhealthyThreshold,omitempty" yaml:"unhealthyThreshold,omitempty"`
	HealthyThreshold   int      `json:"healthyThreshold,omitempty" yaml:"healthyThreshold,omitempty"`
}

// FaultInjectionSpec aborts or delays a share of the requests to a service.
type FaultInjectionSpec struct {
	Destination Selector    `json:"destination" yaml:"destination"`
	Sources     []Selector  `json:"sources,omitempty" yaml:"sources,omitempty"`
	Abort       *FaultAbort `json:"abort,omitempty" yaml:"abort,omitempty"`
	Delay       *FaultDelay `json:"delay,omitempty" yaml:"delay,omitempty"`
}

// FaultAbort answers Percentage% of requests with HTTPStatus.
type FaultAbort struct {
	HTTPStatus int     `json:"httpStatus" yaml:"httpStatus"`
	Percentage float64 `json:"percentage" yaml:"percentage"`
}

// FaultDelay delays Percentage% of requests by Value.
type FaultDelay struct {
	Value      Duration `json:"value" yaml:"value"`
	Percentage float64  `json:"percentage" yaml:"percentage"`
}

// MeshCASpec is a mesh's CA (PEM). Global creates it; zones issue proxy certificates from it.
type MeshCASpec struct {
	CertPEM string `json:"certPEM" yaml:"certPEM"`
	KeyPEM  string `json:"keyPEM" yaml:"keyPEM"`
}

// DestinationOf returns the destination selector of a policy spec, and false for other kinds.
func DestinationOf(s Spec) (Selector, bool) {
	switch p := s.(type) {
	case *TrafficPermissionSpec:
		return p.Destination, true
	case *HTTPRouteSpec:
		return p.Destination, true
	case *TimeoutSpec:
		return p.Destination, true
	case *RetrySpec:
		return p.Destination, true
	case *LoadBalancingSpec:
		return p.Destination, true
	case *OutlierDetectionSpec:
		return p.Destination, true
	case *HealthCheckSpec:
		return p.Destination, true
	case *FaultInjectionSpec:
		return p.Destination, true
	}
	return Selector{}, false
}
