// Package config translates the Envoy v3 resources a zone control plane serves (docs/XDS.md)
// into the proxy's immutable runtime configuration. Translation is pure: resources in, a value
// or an error naming the offending field out. The ADS client NACKs on error and the proxy swaps
// a fresh *Config atomically on success, so the request path never takes a lock.
package config
