// Package requirements is the conformance catalog: one requirement per file, each a value
// registered in init. Catalog returns them sorted by ID; SPEC.md is generated from it.
package requirements
