//go:build zonemesh_defects

package defect

import "os"

// Enabled reports whether this binary can seed defects at all.
const Enabled = true

// EnvVar names the one defect to seed.
const EnvVar = "ZONEMESH_DEFECT"

var active = os.Getenv(EnvVar)

// Active reports whether the named defect is seeded in this process.
func Active(name string) bool { return active == name }

// Seeded reports whether this process runs with a seeded defect: a mutation run, where the
// conformance runner shortens its waits for a convergence the defect may prevent.
func Seeded() bool { return active != "" }
