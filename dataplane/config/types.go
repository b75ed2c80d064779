package config

import (
	"crypto/tls"
	"crypto/x509"
	"net/netip"
	"time"
)

// Config is one immutable runtime configuration, assembled from the last accepted resources of
// every type. It is never modified after Assemble returns.
type Config struct {
	Listeners []*Listener
	Routes    map[string]*RouteConfig
	Clusters  map[string]*Cluster
	Certs     map[string]*Cert
	CAs       map[string]*x509.CertPool
}

// Cert is an identity certificate delivered over SDS.
type Cert struct {
	TLS tls.Certificate
	URI string // first URI SAN of the leaf, the proxy's SPIFFE identity
}

// Kind says how a listener handles connections.
type Kind int

// Listener kinds.
const (
	KindHTTP    Kind = iota // HTTP connection manager
	KindTCP                 // tcp_proxy to one cluster
	KindIngress             // tls_inspector + SNI filter chains, TCP passthrough
)

func (k Kind) String() string {
	return [...]string{"http", "tcp", "ingress"}[k]
}

// Listener is one listening socket and what it does with a connection.
type Listener struct {
	Name    string
	Address string // host:port
	Kind    Kind
	TLS     *DownstreamTLS // nil: plaintext

	// KindHTTP
	RouteName   string       // RDS name, when the route config comes over RDS
	InlineRoute *RouteConfig // inline route_config
	RBAC        *RBAC
	Fault       *Fault
	XFCC        bool // SANITIZE_SET with the peer URI

	// KindTCP
	Cluster string
	NetRBAC *RBAC

	// KindIngress: server name → cluster
	SNI map[string]string

	// VIP and DNSNames: a service VIP's outbound listener; the sidecar's DNS server answers
	// these names (lower case, no trailing dot) with VIP.
	VIP      netip.Addr
	DNSNames []string
}

// DNSTable maps every DNS name the config's listeners carry to their VIP: what the sidecar's DNS
// server answers while this config is installed.
func (c *Config) DNSTable() map[string]netip.Addr {
	out := map[string]netip.Addr{}
	for _, l := range c.Listeners {
		for _, n := range l.DNSNames {
			out[n] = l.VIP
		}
	}
	return out
}

// SANMatch checks a URI SAN by exact value or prefix.
type SANMatch struct {
	Exact, Prefix string
}

// Match reports whether uri satisfies the matcher.
func (m *SANMatch) Match(uri string) bool {
	if m.Exact != "" {
		return uri == m.Exact
	}
	return len(uri) >= len(m.Prefix) && uri[:len(m.Prefix)] == m.Prefix
}

// DownstreamTLS terminates TLS on a listener.
type DownstreamTLS struct {
	CertName          string // SDS name of the serving certificate
	CAName            string // SDS name of the validation context ("" = no client cert checks)
	RequireClientCert bool
	SAN               []SANMatch // any of them must match the peer's URI SAN
}

// UpstreamTLS originates TLS to a cluster's endpoints.
type UpstreamTLS struct {
	SNI      string
	CertName string
	CAName   string
	SAN      []SANMatch
	ALPN     []string
}

// RouteConfig is a set of virtual hosts.
type RouteConfig struct {
	Name         string
	VirtualHosts []*VirtualHost
}

// VirtualHost groups routes by Host header.
type VirtualHost struct {
	Name    string
	Domains []string
	Routes  []*Route
}

// Route matches a request and names where it goes.
type Route struct {
	Prefix   string
	Path     string // exact; takes precedence when set
	Headers  []HeaderMatch
	Cluster  string
	Weighted []WeightedCluster
	// TotalWeight is the sum of Weighted weights.
	TotalWeight uint32
	Timeout     time.Duration // 0: none
	Retry       *RetryPolicy
}

// WeightedCluster is one branch of a weighted split.
type WeightedCluster struct {
	Name   string
	Weight uint32
}

// HeaderMatch matches one request header.
type HeaderMatch struct {
	Name    string // canonical MIME form
	Exact   string
	Prefix  string
	Present bool // only presence is checked
	Invert  bool
}

// RetryPolicy is a route's retry_policy.
type RetryPolicy struct {
	On5xx, OnGatewayError, OnConnectFailure bool
	NumRetries                              int
	PerTryTimeout                           time.Duration
}

// Cluster is an upstream service.
type Cluster struct {
	Name           string
	EDSName        string // CLA name for EDS clusters; "" for STATIC
	ConnectTimeout time.Duration
	TLS            *UpstreamTLS
	Outlier        *Outlier
	HealthCheck    *HealthCheck
	// Assignment is nil until the CLA arrives (EDS) or from load_assignment (STATIC).
	Assignment *Assignment
}

// Assignment is a cluster's endpoints by priority.
type Assignment struct {
	// Priorities[p] holds the endpoints of priority p (gaps are empty).
	Priorities [][]Endpoint
	// Overprovisioning is Envoy's overprovisioning_factor in percent (default 140).
	Overprovisioning uint32
}

// Endpoint is one upstream address.
type Endpoint struct {
	Address string // host:port
	Weight  uint32
	Zone    string
	Healthy bool // health_status from the control plane
}

// Outlier is outlier_detection with Envoy's defaults filled in.
type Outlier struct {
	Consecutive5xx     uint32
	ConsecutiveGateway uint32
	Enforcing5xx       uint32 // percent
	EnforcingGateway   uint32 // percent
	Interval           time.Duration
	BaseEjectionTime   time.Duration
	MaxEjectionPercent uint32
}

// HealthCheck is an active HTTP health check.
type HealthCheck struct {
	Path               string
	Interval, Timeout  time.Duration
	Healthy, Unhealthy uint32
}

// Fault is the HTTP fault filter; shares are parts per million.
type Fault struct {
	DelayPPM    uint32
	Delay       time.Duration
	AbortPPM    uint32
	AbortStatus int
}
