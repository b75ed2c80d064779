// Package dns is the sidecar's DNS server: it answers `<service>.mesh` names with the service
// VIPs of the proxy's current config and forwards (or refuses) every other name.
package dns
