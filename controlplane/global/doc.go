// Package global assembles the global control plane: the durable store, the REST API, the KDS
// server that syncs zones, the CA that secures KDS, the mesh CAs, and the zone-token key.
//
// A policy applied at global travels: api → store (fsync) → kds (delta push) → zone store.
package global
