// Package kubetest runs a real Kubernetes control plane on loopback for tests: etcd and
// kube-apiserver (and, on request, kwok as a fake kubelet), built once from the Go modules
// in tools/kubeenv by scripts/ensure-kubeenv.sh into a cache outside the repository.
//
// Tests call Require, which skips with one line naming the missing binary when the cache
// is empty, and otherwise starts a private control plane that stops at test cleanup.
package kubetest
