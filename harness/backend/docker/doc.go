// Package docker is the container backend: every component runs from one image built locally
// FROM scratch with the static zonemesh binary (never pulled), driven by testcontainers-go with
// Ryuk disabled. A zone gets a Docker network of its own; global and the ingresses are on a WAN
// network (zone control planes are not: they reach global through the host); a service instance is a pod: its sidecar owns the network
// namespace and its echo app joins it. Every container and network carries the run's id as a
// label, so Clean removes what a crashed run left.
package docker
