// Package echo is the test workload: it answers every request with who it is (service, version,
// zone, instance) and who called it (the SPIFFE URI its sidecar put in x-forwarded-client-cert),
// and has control endpoints under /_control/ to fail a share of requests, slow down and flip
// readiness, so failover, timeout and retry behaviour can be provoked.
package echo
