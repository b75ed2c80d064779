// Package kind is the backend whose zones are kind clusters, one per zone (and one for
// global), created with sigs.k8s.io/kind's library; the locally built zonemesh image is
// loaded into the nodes and everything is deployed through the kubeconfig backend.
//
// kind needs a kindest/node image in the local Docker image store and this backend never
// pulls one: when it is missing, New's first Start fails at once, naming the image and how
// to provide it (docker load), instead of kind's pull-and-retry loop.
package kind
