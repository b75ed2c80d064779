// Package compare sets the key figures of several results side by side and flags where a run
// is worse than the first (the baseline) beyond a tolerance: CI history and regressions.
package compare
