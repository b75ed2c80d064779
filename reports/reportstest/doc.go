// Package reportstest builds realistic, deterministic Results for tests, golden files and
// benchmarks of the renderers and of anything else that consumes results.
package reportstest
