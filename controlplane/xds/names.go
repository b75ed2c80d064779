package xds

import (
	"strconv"
	"strings"
)

// Names of the contract (docs/XDS.md).
const (
	OutboundHTTPListener = "outbound:http"
	OutboundRoute        = "outbound"
	IngressListener      = "ingress"
	IdentitySecret       = "identity"
	MeshCASecret         = "mesh_ca"
)

// ClusterName is the cluster of a service, one version of it ("" for all) and, when zone is
// set, only that zone's instances: `<service>[~<version>][@<zone>]`.
func ClusterName(service, version, zone string) string {
	n := service
	if version != "" {
		n += "~" + version
	}
	if zone != "" {
		n += "@" + zone
	}
	return n
}

// ParseClusterName splits a name made by ClusterName.
func ParseClusterName(name string) (service, version, zone string) {
	service = name
	if i := strings.IndexByte(service, '@'); i >= 0 {
		service, zone = service[:i], service[i+1:]
	}
	if i := strings.IndexByte(service, '~'); i >= 0 {
		service, version = service[:i], service[i+1:]
	}
	return service, version, zone
}

// SNI is the server name a caller sends for a service (or one version of it) of a mesh. A zone
// restriction is not part of it: the ingress of that zone only has its own instances anyway.
func SNI(mesh, service, version string) string {
	s := service + "." + mesh + ".mesh"
	if version != "" {
		s = version + "." + s
	}
	return s
}

// InboundListenerName is `inbound:<address>:<port>`.
func InboundListenerName(address string, port int) string {
	return "inbound:" + address + ":" + strconv.Itoa(port)
}

// InboundRouteName is `inbound:<service>`.
func InboundRouteName(service string) string { return "inbound:" + service }

// LocalClusterName is `localhost:<appPort>`.
func LocalClusterName(port int) string { return "localhost:" + strconv.Itoa(port) }

// OutboundTCPListenerName is `outbound:<service>:<port>`.
func OutboundTCPListenerName(service string, port int) string {
	return "outbound:" + service + ":" + strconv.Itoa(port)
}

// VIPListenerName is `outbound:<vip>:<port>`, the outbound listener of one service's VIP.
func VIPListenerName(vip string, port int) string {
	return "outbound:" + vip + ":" + strconv.Itoa(port)
}

// ServiceRouteName is `outbound:<service>`: the route config of one service's VIP listener, the
// service's outbound virtual host answering any Host.
func ServiceRouteName(service string) string { return "outbound:" + service }

// NodeID is the node id a proxy presents: `<mesh>.<name>` for a dataplane, `<name>` for a zone
// ingress (which serves every mesh).
func NodeID(mesh, name string) string {
	if mesh == "" {
		return name
	}
	return mesh + "." + name
}
