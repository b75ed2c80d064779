// Package kds syncs resources between the global control plane and its zones.
//
// Global → zone: meshes, mesh CAs, every policy kind and other zones' ingresses go down over
// delta xDS (go-control-plane's DeltaAggregatedResources) with one LinearCache per type URL
// ("zonemesh.io/<Kind>") behind a MuxCache. Each resource travels as a discovery.Resource
// named "mesh/name" (or "name" for unscoped kinds) holding the resource's JSON, so global's
// version, origin and times arrive intact and the zone stores it with store.KeepMeta. Global
// follows its store through Subscribe; a pump coalesces events and makes one UpdateResources
// per type, and the cache holds changes while a zone has not ACKed, so a burst costs a few
// pushes. ZoneIngress is served from one LinearCache per zone holding only the other zones'
// ingresses (routed by node id, which global pins to the authenticated zone).
//
// Zone → global: a zone's own Dataplanes and ZoneIngresses (Origin "" or the zone) go up over
// a hand-written stream (zonemesh.kds.v1.ZoneSync/Upload) that reuses envoy's delta messages
// the other way round. Global stores them as "<zone>.<name>" with Origin the zone, so zones
// cannot collide; the first message of each kind is the zone's full set and replaces what
// global held from it.
//
// Resync: on every (re)connect the zone subscribes wildcard with no known versions, so the
// first response of a type is global's whole set; the zone applies it and deletes what came
// from global and is no longer there. Nothing is deleted while global is unreachable.
//
// Status: a zone is online from the moment a stream is authenticated (StreamInterceptor) until
// its last stream closes; hung links are found by gRPC keepalive at global and by a heartbeat
// on the upload stream at the zone. The pure parts (kinds.go, wire.go, reconcile.go,
// backoff.go, status.go) do no I/O; server*.go and client*.go are the gRPC drivers.
package kds
