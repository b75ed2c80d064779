// Package proc supervises the child processes of the process backend: each component (a
// control plane, an ingress, a proxy, an echo workload) runs as a child in its own process
// group with its output captured to a per-component log file, and can be killed, paused,
// resumed, restarted and stopped gracefully. A Group owns many and stops them all.
package proc
