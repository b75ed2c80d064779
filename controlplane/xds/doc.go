// Package xds turns a zone's view of the mesh into the Envoy v3 resources of docs/XDS.md for
// one proxy (a sidecar or a zone ingress). Generate is a pure function of its Inputs; Validate
// checks every resource, including the typed configs packed in Any fields, and the snapshot's
// consistency. The gRPC server that serves the results lives in xds/server.
package xds
