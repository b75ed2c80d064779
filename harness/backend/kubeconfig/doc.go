// Package kubeconfig is the backend for zones that are existing Kubernetes clusters, each
// named by a kubeconfig context: global and every zone control plane are installed with
// the manifests of `zonemesh install control-plane`, the zone control plane runs in
// Kubernetes mode, service instances are Deployments in a namespace labelled for sidecar
// injection. The kind backend creates clusters and then deploys through this package.
//
// Addresses in the returned infos are in-cluster Service names: the harness reaches them
// from inside the clusters (or through a port-forward, which this backend does not open).
package kubeconfig
