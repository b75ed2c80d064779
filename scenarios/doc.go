// Package scenarios loads and validates zonemesh scenario files (docs/SCENARIOS.md): a topology,
// the mesh set-up, a timeline of steps and the checks that judge a run. Loading is strict:
// unknown fields, bad durations, dangling references and duplicate names are errors that name
// the file, the line and the field path. Policy documents are kept raw (Resource) so the
// control plane's resource package decodes and validates them itself.
package scenarios
