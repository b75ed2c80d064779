// Package kubetest runs a real Kubernetes control plane on loopback for tests: etcd and
// kube-apiserver (and, on request, kube-controller-manager, and kwok as a fake kubelet),
// built once from the Go modules in tools/kubeenv by scripts/ensure-kubeenv.sh into a
// cache outside the repository. Where Pods must really run, nodeagent plays the kubelet of
// one Node and runs them as processes on loopback addresses.
//
// Tests call Require, which skips with one line naming the missing binary when the cache
// is empty, and otherwise starts a private control plane that stops at test cleanup.
package kubetest
