// Package kube is the Kubernetes mode of the zone control plane. The zone keeps its state
// in the cluster as custom resources (group zonemesh.io, one CRD per kind, see crds); Pods
// labelled for the mesh become Dataplanes; a mutating admission webhook injects the
// `zonemesh dp` sidecar into Pods of namespaces labelled for injection; Manifests renders
// what `zonemesh install` prints.
//
// The store writes through to the API server and keeps an in-memory mirror that serves
// reads and events, so the zone gets the store contract (commit order, one store-wide
// revision, no event for an unchanged put) while the cluster holds the durable copy.
// Changes made to the custom resources by others (kubectl) reach the mirror through an
// informer; each object's resourceVersion decides which of two racing copies is newer.
package kube
