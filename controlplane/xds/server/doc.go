// Package server is the zone control plane's xDS server: go-control-plane's ADS server over a
// snapshot cache, behind TLS and dataplane-token authentication. A proxy's stream registers its
// Dataplane (or ZoneIngress) in the zone store and unregisters it when its last stream closes;
// a reconciler subscribed to the store regenerates only the proxies a change affects and records
// what each proxy was sent, ACKed and NACKed.
package server
