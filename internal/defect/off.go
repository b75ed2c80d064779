//go:build !zonemesh_defects

package defect

// Enabled reports whether this binary can seed defects at all.
const Enabled = false

// Active is always false in a production build.
func Active(string) bool { return false }

// Seeded reports whether this process runs with a seeded defect (never, in a production build).
func Seeded() bool { return false }
