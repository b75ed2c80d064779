// Package crds holds the CustomResourceDefinitions of zonemesh's kinds (group zonemesh.io,
// version v1alpha1), embedded so that the zone control plane and `zonemesh install crds`
// use the same YAML.
package crds

import _ "embed"

// YAML is every CRD, as a multi-document stream ready for `kubectl apply -f -`.
//
//go:embed crds.yaml
var YAML []byte

// Group and Version of every zonemesh custom resource.
const (
	Group   = "zonemesh.io"
	Version = "v1alpha1"
)
