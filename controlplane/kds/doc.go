// Package kds syncs resources between the global control plane and its zones: policies,
// meshes, mesh CAs and other zones' ingresses go down over delta xDS (go-control-plane's delta
// server over per-type LinearCaches); a zone's dataplanes and ingresses go up over a small
// bidirectional stream of envoy's delta messages. The pure parts (what is synced, names,
// resync reconciliation, backoff, zone status) are free of I/O; server*.go and client*.go are
// the gRPC drivers around them.
package kds
