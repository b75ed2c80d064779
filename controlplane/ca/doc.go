// Package ca is the mesh certificate authority: it creates and loads ECDSA P-256 CAs, issues
// SPIFFE workload certificates (spiffe://<mesh>/<service>) for proxies and server certificates
// for the control planes' TLS listeners. Time comes from a clock the caller passes in.
package ca
