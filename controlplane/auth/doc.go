// Package auth issues and checks the control plane's credentials: zone tokens (signed by
// global, presented on KDS), dataplane tokens (signed by a zone, presented on xDS), both as
// EdDSA JWTs, the REST API's admin token, and the gRPC glue that carries a bearer token.
package auth
