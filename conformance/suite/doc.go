// Package suite runs the conformance catalog as a ginkgo v2 suite from inside a binary: one
// Ordered container that brings the Target up once, one spec per requirement labelled with its
// ID, profile and level, non-disruptive requirements first. ginkgo's RunSpecs may run only once
// per process, so Run may too; the mutation runner starts one process per defect.
package suite
