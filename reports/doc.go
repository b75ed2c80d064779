// Package reports holds the versioned results model of a zonemesh run, conformance run or
// simulation — the JSON file that is the source of truth — and its one-screen text summary.
// Renderers (reports/htmlreport, reports/compare) read a *Results and write to an io.Writer.
package reports
