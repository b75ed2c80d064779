// Package dptest holds loopback helpers for dataplane tests and for anyone driving a real
// `zonemesh dp` without a zone control plane: a mesh CA issuing SPIFFE certificates, an
// in-process go-control-plane ADS server over TLS, and builders for resources shaped exactly as
// docs/XDS.md says.
package dptest
