// Package zone assembles a zone control plane: a memory store kept in step with global by the
// KDS client, the xDS server that programs the zone's proxies, the REST API (read-only for
// policies: global is the source of truth), the dataplane-token key and the zone's CA.
//
// A policy arriving from global travels: kds client → zone store → xds reconciler → proxies.
package zone
