// Package conformance is the multi-zone mesh spec as code: requirement values (ID, level,
// profile, features, budget, description, check), the vendor-neutral Target a check drives,
// the runner that turns one requirement into exactly one result (Succeeded, Failed, Skipped or
// NotSupported — never a silent pass), budgets with overrides bounded by documented maxima, and
// the renderers of SPEC.md, the conformance report and JUnit XML.
//
// The catalog itself lives in conformance/requirements (one file per requirement); the ginkgo
// suite that runs it lives in conformance/suite. This package imports neither the harness nor
// any backend: a Target adapter (harness/target for the reference mesh) plugs in from outside.
package conformance
